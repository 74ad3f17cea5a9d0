// Adaptive reporting (issue 3 item 6, DOMAIN.md 分类管理): each device is told, through a retained
// config message, how often to report: its person's supervision level in normal times, fast while
// a zone violation is open (commercial monitors go from 1 fix/min to 1 fix/15 s in violation).
// Pure: decides the config per device from the directory and the open violations.
import type { AlertKind } from '../../schemas/enums.js';
import type { DeviceConfig } from '../../schemas/wire/config.js';
import type { DirectorySnapshot } from '../directory/directory.js';
import type { AlertChange } from '../domain/rules/alert-change.js';
import { type PersonState, zoneTrackActive } from '../domain/rules/person-state.js';

/** Violations during which a faster fix rate shortens detection and clearing. */
export const FAST_MODE_KINDS: ReadonlySet<AlertKind> = new Set<AlertKind>([
  'curfew_breach',
  'jurisdiction_exit',
  'leave_overdue',
  'prohibition_entry',
  'protected_person_proximity',
  'person_device_separation',
]);

/**
 * Fast reporting: a zone track active, or the last fix in an approach band (a prohibition zone or
 * a protected person ahead), so the evidence for an entry is gathered at 15 s from the first fix;
 * or a linked person possibly together with this one before a gathering opens (gathering.ts).
 */
export function wantsFastReporting(state: PersonState): boolean {
  return state.approaching || state.nearLinked || zoneTrackActive(state);
}

export class ReportingModes {
  /** personId → open fast-mode episode keys. */
  private readonly open = new Map<string, Set<string>>();
  /** Persons with a zone track pending or open, or in an approach band, from their latest committed state. */
  private readonly tracking = new Set<string>();

  /** Applies a committed batch: its alert changes and the states it staged. Returns who flipped. */
  apply(
    changes: ReadonlyArray<{ superviseeId: string; change: AlertChange }>,
    states: ReadonlyMap<string, PersonState> = new Map(),
  ): Set<string> {
    const before = new Map<string, boolean>();
    const touched = new Set<string>([...changes.map((c) => c.superviseeId), ...states.keys()]);
    for (const id of touched) before.set(id, this.isFast(id));
    for (const [id, state] of states) {
      if (wantsFastReporting(state)) this.tracking.add(id);
      else this.tracking.delete(id);
    }
    this.applyChanges(changes);
    const flipped = new Set<string>();
    for (const id of touched) if (before.get(id) !== this.isFast(id)) flipped.add(id);
    return flipped;
  }

  private applyChanges(changes: ReadonlyArray<{ superviseeId: string; change: AlertChange }>): void {
    for (const { superviseeId, change } of changes) {
      if (!FAST_MODE_KINDS.has(change.kind)) continue;
      const key = `${change.kind}|${change.zoneId ?? ''}`;
      let set = this.open.get(superviseeId);
      if (change.action === 'clear') set?.delete(key);
      else {
        if (!set) {
          set = new Set();
          this.open.set(superviseeId, set);
        }
        set.add(key);
      }
    }
  }

  isFast(personId: string): boolean {
    return this.tracking.has(personId) || (this.open.get(personId)?.size ?? 0) > 0;
  }
}

export function deviceConfigFor(
  directory: DirectorySnapshot,
  deviceId: string,
  fast: boolean,
  version: number,
): DeviceConfig | null {
  const device = directory.devices.get(deviceId);
  const person = device?.superviseeId ? directory.persons.get(device.superviseeId) : undefined;
  if (!person) return null;
  const p = person.context.params;
  return {
    interval: Math.round((fast ? p.fastReportIntervalMs : p.reportIntervalMs) / 1000),
    mode: fast ? 'fast' : 'normal',
    version,
  };
}
