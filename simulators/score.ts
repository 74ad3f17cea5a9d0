// Compares the incidents a service opened with the scenarios' ground truth: per alert kind, recall,
// false alerts per person-day and detection delay from the true start (../shared/BENCH.md, quality).
import type { AlertKind } from '../schemas/enums.js';
import type { ProvisionedScenario } from './provision.js';
import type { ExpectedAlert } from './scenario.js';

export interface ObservedIncident {
  readonly id: string | number;
  readonly superviseeId: string;
  readonly kind: AlertKind;
  readonly startedAt: number;
  readonly openedAt: number;
}

/** A fix's time may run ahead of the truth (device clock skew, fix noise at a boundary). */
export const EARLY_TOLERANCE_MS = 3 * 60_000;

export interface Match {
  readonly scenario: string;
  readonly expected: ExpectedAlert;
  readonly incident: ObservedIncident | null;
  /** openedAt − trueStart, ms; null if missed. */
  readonly delayMs: number | null;
  readonly onTime: boolean;
}

export interface ScoreResult {
  readonly matches: readonly Match[];
  /** Incidents no expected alert explains (including a second incident for one violation). */
  readonly unexpected: readonly (ObservedIncident & { scenario: string })[];
  /** Expectations of rules the service does not evaluate yet (kept apart, not scored). */
  readonly notWired: readonly Match[];
}

export function score(
  provisioned: readonly ProvisionedScenario[],
  observed: readonly ObservedIncident[],
): ScoreResult {
  const byPerson = new Map<string, ObservedIncident[]>();
  for (const i of observed) {
    const list = byPerson.get(i.superviseeId) ?? [];
    list.push(i);
    byPerson.set(i.superviseeId, list);
  }
  for (const list of byPerson.values()) list.sort((a, b) => a.openedAt - b.openedAt);
  const used = new Set<string | number>();
  const matches: Match[] = [];
  const notWired: Match[] = [];
  const scenarioOf = new Map<string, string>();
  for (const p of provisioned) {
    for (const [, id] of p.personIds) scenarioOf.set(id, p.instance.name);
    for (const e of p.instance.expected) {
      const personId = p.personIds.get(e.personKey)!;
      const candidates = (byPerson.get(personId) ?? []).filter(
        (i) =>
          i.kind === e.kind &&
          !used.has(i.id) &&
          i.openedAt >= e.trueStart - EARLY_TOLERANCE_MS &&
          i.openedAt <= e.trueEnd + e.deadlineMs,
      );
      const incident = candidates[0] ?? null;
      if (incident) used.add(incident.id);
      const delayMs = incident ? incident.openedAt - e.trueStart : null;
      const match = {
        scenario: p.instance.name,
        expected: e,
        incident,
        delayMs,
        onTime: delayMs !== null && delayMs <= e.deadlineMs,
      };
      (p.instance.wired ? matches : notWired).push(match);
    }
  }
  const unexpected = observed
    .filter((i) => !used.has(i.id))
    .map((i) => ({ ...i, scenario: scenarioOf.get(i.superviseeId) ?? '?' }));
  return { matches, unexpected, notWired };
}

function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

export interface KindFigures {
  violations: number;
  detected: number;
  recall: number | null;
  false_alerts: number;
  false_alerts_per_person_day: number;
  delay_p50_s: number | null;
  delay_p95_s: number | null;
  /** Delay beyond the evidence window the documented rules need (timeouts, evidence fixes). */
  delay_beyond_evidence_p95_s: number | null;
  on_time: number;
}

export function figuresByKind(r: ScoreResult, personDays: number): Record<string, KindFigures> {
  const kinds = new Set<string>([
    ...r.matches.map((m) => m.expected.kind),
    ...r.unexpected.map((u) => u.kind),
  ]);
  const out: Record<string, KindFigures> = {};
  for (const kind of [...kinds].sort()) {
    const ms = r.matches.filter((m) => m.expected.kind === kind);
    const detected = ms.filter((m) => m.incident !== null);
    const delays = detected.map((m) => m.delayMs! / 1000).sort((a, b) => a - b);
    const beyond = detected.map((m) => (m.delayMs! - m.expected.evidenceMs) / 1000).sort((a, b) => a - b);
    const falseAlerts = r.unexpected.filter((u) => u.kind === kind).length;
    out[kind] = {
      violations: ms.length,
      detected: detected.length,
      recall: ms.length ? detected.length / ms.length : null,
      false_alerts: falseAlerts,
      false_alerts_per_person_day: falseAlerts / personDays,
      delay_p50_s: quantile(delays, 0.5),
      delay_p95_s: quantile(delays, 0.95),
      delay_beyond_evidence_p95_s: quantile(beyond, 0.95),
      on_time: ms.filter((m) => m.onTime).length,
    };
  }
  return out;
}
