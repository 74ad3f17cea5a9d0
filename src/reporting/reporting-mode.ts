// Adaptive reporting (issue 3 item 6, DOMAIN.md 分类管理): each device is told, through a retained
// config message, how often to report: its person's supervision level in normal times, fast while
// a zone violation is open (commercial monitors go from 1 fix/min to 1 fix/15 s in violation).
// Pure: decides the config per device from the directory and the open violations.
import type { AlertKind } from '../../schemas/enums.js';
import type { DeviceConfig } from '../../schemas/wire/config.js';
import type { DirectorySnapshot } from '../directory/directory.js';
import type { AlertChange } from '../domain/rules/alert-change.js';

/** Violations during which a faster fix rate shortens detection and clearing. */
export const FAST_MODE_KINDS: ReadonlySet<AlertKind> = new Set<AlertKind>([
  'curfew_breach',
  'jurisdiction_exit',
  'leave_overdue',
  'prohibition_entry',
  'protected_person_proximity',
  'person_device_separation',
]);

export class ReportingModes {
  /** personId → open fast-mode episode keys. */
  private readonly open = new Map<string, Set<string>>();

  /** Applies committed changes; returns the persons whose mode flipped. */
  apply(changes: ReadonlyArray<{ superviseeId: string; change: AlertChange }>): Set<string> {
    const flipped = new Set<string>();
    for (const { superviseeId, change } of changes) {
      if (!FAST_MODE_KINDS.has(change.kind)) continue;
      const key = `${change.kind}|${change.zoneId ?? ''}`;
      let set = this.open.get(superviseeId);
      const wasFast = !!set && set.size > 0;
      if (change.action === 'clear') set?.delete(key);
      else {
        if (!set) {
          set = new Set();
          this.open.set(superviseeId, set);
        }
        set.add(key);
      }
      if (wasFast !== (set !== undefined && set.size > 0)) flipped.add(superviseeId);
    }
    return flipped;
  }

  isFast(personId: string): boolean {
    return (this.open.get(personId)?.size ?? 0) > 0;
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
