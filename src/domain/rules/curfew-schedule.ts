// Weekly curfew windows for the residence, in Asia/Shanghai local time, with dated exceptions.
// China Standard Time is UTC+8 all year (no daylight saving since 1991), so local time is a fixed
// +8 h offset: no tz database, no ambiguous or skipped hours, and the result is deterministic.

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** Asia/Shanghai offset from UTC. */
export const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** Minutes after local midnight; a window with endMin ≤ startMin runs past midnight into the next day. */
export interface DailyWindow {
  readonly startMin: number;
  readonly endMin: number;
}

export interface WeeklyWindow extends DailyWindow {
  /** 0 = Sunday … 6 = Saturday, the local day the window starts on. */
  readonly weekday: number;
}

/** On `date` (local, YYYY-MM-DD) the windows starting that day are replaced by `windows` ([] = none). */
export interface CurfewException {
  readonly date: string;
  readonly windows: readonly DailyWindow[];
}

export interface CurfewSchedule {
  readonly weekly: readonly WeeklyWindow[];
  readonly exceptions: readonly CurfewException[];
}

export interface CompiledCurfew {
  readonly byWeekday: readonly (readonly DailyWindow[])[];
  readonly byLocalDay: ReadonlyMap<number, readonly DailyWindow[]>;
  /**
   * Memo of the last local day looked up and the windows that can contain a time of that day, in
   * lookup order. An internal cache (same answers with or without it): every fix asks, and a
   * person's fixes come in time order, so the day almost never changes between two lookups.
   */
  memoDay: number;
  memoWindows: readonly CurfewInterval[];
}

/** A concrete curfew window, in epoch ms [start, end). */
export interface CurfewInterval {
  readonly start: number;
  readonly end: number;
}

function localDayOf(date: string): number {
  const ms = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new Error(`curfew exception: bad date ${date}`);
  return ms / DAY_MS;
}

/** A window starts within its local day and ends by the end of it (or of the next, past midnight). */
function checkWindow(w: DailyWindow): DailyWindow {
  const whole = (m: number) => Number.isInteger(m);
  if (
    !whole(w.startMin) ||
    !whole(w.endMin) ||
    w.startMin < 0 ||
    w.startMin >= 1440 ||
    w.endMin < 0 ||
    w.endMin > 1440
  ) {
    throw new Error(`curfew window out of range: ${JSON.stringify(w)}`);
  }
  return { startMin: w.startMin, endMin: w.endMin };
}

/** Throws on a window or date out of range: the API refuses such a schedule (src/admin/zones.ts). */
export function compileCurfew(schedule: CurfewSchedule): CompiledCurfew {
  const byWeekday: DailyWindow[][] = [[], [], [], [], [], [], []];
  for (const w of schedule.weekly) {
    if (!Number.isInteger(w.weekday) || w.weekday < 0 || w.weekday > 6) {
      throw new Error(`curfew window out of range: ${JSON.stringify(w)}`);
    }
    byWeekday[w.weekday]!.push(checkWindow(w));
  }
  const byLocalDay = new Map(
    schedule.exceptions.map((e) => [localDayOf(e.date), e.windows.map(checkWindow)] as const),
  );
  return { byWeekday, byLocalDay, memoDay: Number.NaN, memoWindows: [] };
}

function windowsStartingOn(c: CompiledCurfew, localDay: number): readonly DailyWindow[] {
  // 1970-01-01 was a Thursday (weekday 4).
  return c.byLocalDay.get(localDay) ?? c.byWeekday[(localDay + 4) % 7]!;
}

function intervalOf(localDay: number, w: DailyWindow): CurfewInterval {
  const start = localDay * DAY_MS + w.startMin * MINUTE_MS - SHANGHAI_OFFSET_MS;
  const endDay = w.endMin > w.startMin ? localDay : localDay + 1;
  return { start, end: endDay * DAY_MS + w.endMin * MINUTE_MS - SHANGHAI_OFFSET_MS };
}

/** The concrete windows that can contain a time on `localDay`: that day's own, then those running past midnight from the day before. */
function windowsTouching(c: CompiledCurfew, localDay: number): CurfewInterval[] {
  const out: CurfewInterval[] = [];
  for (const w of windowsStartingOn(c, localDay)) out.push(intervalOf(localDay, w));
  for (const w of windowsStartingOn(c, localDay - 1)) {
    if (w.endMin <= w.startMin) out.push(intervalOf(localDay - 1, w));
  }
  return out;
}

/** The curfew window containing `ts`, or null. Allocation-free after the first lookup of a day. */
export function curfewWindowAt(c: CompiledCurfew, ts: number): CurfewInterval | null {
  const day = Math.floor((ts + SHANGHAI_OFFSET_MS) / DAY_MS);
  if (day !== c.memoDay) {
    c.memoWindows = windowsTouching(c, day);
    c.memoDay = day;
  }
  const windows = c.memoWindows;
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i]!;
    if (ts >= w.start && ts < w.end) return w;
  }
  return null;
}

/**
 * Where the stretch of curfew containing a window that ends at `end` really ends, as far as `ts`
 * needs it: windows that touch or overlap (22:00–24:00 then 00:00–06:00, or a dated exception's
 * window running into a weekly one) are one stretch, so a breach carries on across the seam instead
 * of being closed and opened again (one incident per fact). Follows the window covering each end in
 * turn while that end is not after `ts`; returns the first end after `ts`, or where the stretch
 * stops before it. Dated exceptions apply as for any lookup (curfewWindowAt).
 */
export function curfewStretchEnd(c: CompiledCurfew, end: number, ts: number): number {
  let e = end;
  while (e <= ts) {
    const w = curfewWindowAt(c, e);
    if (w === null) return e;
    e = w.end;
  }
  return e;
}

/**
 * The concrete windows that start on the local days from `ts`'s day − 1 to `days` days later, in no
 * particular order (the timer schedule asks for the next window start; src/domain/rules/clock-due.ts).
 * Pure: leaves the lookup memo alone.
 */
export function curfewWindowsAround(c: CompiledCurfew, ts: number, days: number): CurfewInterval[] {
  const first = Math.floor((ts + SHANGHAI_OFFSET_MS) / DAY_MS) - 1;
  const out: CurfewInterval[] = [];
  for (let day = first; day <= first + 1 + days; day++) {
    for (const w of windowsStartingOn(c, day)) out.push(intervalOf(day, w));
  }
  return out;
}
