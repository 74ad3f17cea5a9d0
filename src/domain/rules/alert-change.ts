// What the rules emit. One change belongs to one episode of one kind (and zone) for one person;
// `episodeKey` lets the incidents layer keep exactly one incident per person + episode.
import type { AlertKind, Severity } from '../../../schemas/enums.js';

export type AlertAction = 'open' | 'update' | 'clear';

/** A fix kept as evidence: what an officer needs to check the decision. */
export interface EvidenceFix {
  readonly ts: number;
  readonly lat: number;
  readonly lon: number;
  readonly acc: number;
}

export type AlertDetail = Readonly<Record<string, string | number | boolean>>;

export interface AlertChange {
  readonly kind: AlertKind;
  readonly action: AlertAction;
  readonly severity: Severity;
  /** Event time (ms) of the true start: the first evidence fix, or when a timer's condition began. */
  readonly startedAt: number;
  /** Event time (ms) of this change. */
  readonly at: number;
  /** 0..1: probability the condition holds, from the fixes' accuracy (DOMAIN.md). */
  readonly confidence: number;
  readonly evidence: readonly EvidenceFix[];
  /** Found later than it happened (store-and-forward, late delivery). */
  readonly late: boolean;
  /** `${kind}|${zoneId ?? ''}|${startedAt}`: stable across open, update and clear of one episode. */
  readonly episodeKey: string;
  readonly zoneId?: string;
  readonly detail?: AlertDetail;
}

/** Severity by kind; prohibition entry is the highest (Art. 31). */
export const SEVERITY: Readonly<Record<AlertKind, Severity>> = {
  prohibition_entry: 'critical',
  strap_tamper: 'critical',
  protected_person_proximity: 'critical',
  jurisdiction_exit: 'high',
  leave_overdue: 'high',
  lost_contact: 'high',
  person_device_separation: 'high',
  curfew_breach: 'high',
  gathering: 'medium',
  proximity_unknown: 'medium',
  power_off: 'medium',
  battery_low: 'low',
};

export const NO_CHANGES: readonly AlertChange[] = Object.freeze([]);

export function episodeKey(kind: AlertKind, zoneId: string | undefined, startedAt: number): string {
  return `${kind}|${zoneId ?? ''}|${startedAt}`;
}

export interface ChangeInput {
  readonly kind: AlertKind;
  readonly action: AlertAction;
  readonly startedAt: number;
  readonly at: number;
  readonly confidence: number;
  readonly evidence?: readonly EvidenceFix[];
  readonly late?: boolean;
  readonly zoneId?: string | null;
  readonly detail?: AlertDetail;
  readonly severity?: Severity;
}

export function alertChange(c: ChangeInput): AlertChange {
  const zoneId = c.zoneId ?? undefined;
  return {
    kind: c.kind,
    action: c.action,
    severity: c.severity ?? SEVERITY[c.kind],
    startedAt: c.startedAt,
    at: c.at,
    confidence: c.confidence,
    evidence: c.evidence ?? [],
    late: c.late ?? false,
    episodeKey: episodeKey(c.kind, zoneId, c.startedAt),
    ...(zoneId !== undefined ? { zoneId } : {}),
    ...(c.detail !== undefined ? { detail: c.detail } : {}),
  };
}

/** The fields of a Fix that evidence keeps. */
export interface FixLike {
  readonly ts: number;
  readonly lat: number;
  readonly lon: number;
  readonly accuracyM: number;
}

export function evidenceOf(fix: FixLike): EvidenceFix {
  return { ts: fix.ts, lat: fix.lat, lon: fix.lon, acc: fix.accuracyM };
}

export function push(changes: AlertChange[], change: AlertChange | null): void {
  if (change !== null) changes.push(change);
}
