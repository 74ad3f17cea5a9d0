// Protected-person "proximity unknown" vs late fixes and vs real proximity, and the accuracy of the
// person–device separation anchor (quality benchmark defects).
import { describe, expect, it } from 'vitest';
import { SEVERITY } from '../../../src/domain/rules/alert-change.js';
import { evaluateEvent } from '../../../src/domain/rules/evaluate-event.js';
import { evaluateFix } from '../../../src/domain/rules/evaluate-fix.js';
import { monitorMoved } from '../../../src/domain/rules/evaluate-separation.js';
import type { PeerFix } from '../../../src/domain/rules/person-context.js';
import { NEEDS_OFFICER_TO_CLOSE } from '../../../src/incidents/incident-kinds.js';
import { at, context, event, fix, HOUR, MIN, MONDAY, run, series, summary } from './fixture.js';

const NOON = MONDAY + 12 * HOUR;
const ctx = context({ protectedPersons: [{ id: 'victim-1', radiusM: 300, freshMs: 10 * MIN }] });
const peersAt = (ts: number, east: number) => ({
  protectedFixes: new Map<string, PeerFix>([['victim-1', { ts, ...at(east, 0), acc: 10 }]]),
});

describe('proximity: late (store-and-forward) supervisee fixes', () => {
  it.each([
    // [case, victim fix ts, victim east, supervisee east, expected changes]
    ['victim fix 2 h newer, far: cannot judge, no unknown', NOON + 2 * HOUR, 5000, 0, []],
    ['victim fix 2 h newer, near: cannot judge, no proximity', NOON + 2 * HOUR, 1000, 1050, []],
    [
      'victim fix newer but within the window of the fix time: judged',
      NOON + 5 * MIN,
      1000,
      1050,
      ['open protected_person_proximity@victim-1'],
    ],
    [
      'victim fix 1 h older than the fix: unknown',
      NOON - HOUR,
      1000,
      1050,
      ['open proximity_unknown@victim-1'],
    ],
  ] as const)('%s', (_case, victimTs, victimEast, east, expected) => {
    const late = series(3, NOON, MIN, { east, north: 0, receivedAt: NOON + 2 * HOUR + MIN });
    const { changes } = run(ctx, late, undefined, peersAt(victimTs, victimEast));
    expect(summary(changes)).toEqual(expected);
  });

  it('a late fix that cannot be judged neither clears an open "unknown" nor counts as compliant', () => {
    const opened = run(ctx, [fix({ ts: NOON, east: 0, north: 0 })], undefined, peersAt(NOON - HOUR, 0));
    expect(summary(opened.changes)).toEqual(['open proximity_unknown@victim-1']);
    const lateFix = fix({ ts: NOON + 5 * MIN, east: 0, north: 0, receivedAt: NOON + HOUR + MIN });
    const r = evaluateFix(ctx, opened.state, lateFix, peersAt(NOON + HOUR, 0));
    expect(r.changes).toEqual([]);
    expect(r.state.episodes).toEqual(opened.state.episodes);
    expect(r.state.proximity).toBe(opened.state.proximity);
  });
});

describe('proximity unknown is its own kind', () => {
  it('medium, auto-closing, and a later true approach opens a separate critical episode', () => {
    expect(SEVERITY.proximity_unknown).toBe('medium');
    expect(NEEDS_OFFICER_TO_CLOSE.has('proximity_unknown')).toBe(false);
    expect(NEEDS_OFFICER_TO_CLOSE.has('protected_person_proximity')).toBe(true);
    const stale = run(ctx, [fix({ ts: NOON, east: 1050, north: 0 })], undefined, peersAt(NOON - HOUR, 1000));
    expect(stale.changes).toEqual([
      expect.objectContaining({
        kind: 'proximity_unknown',
        action: 'open',
        severity: 'medium',
        confidence: 0,
        zoneId: 'victim-1',
        detail: { proximity: 'unknown' },
      }),
    ]);
    const fresh = peersAt(NOON + MIN, 1000);
    const near = run(ctx, series(3, NOON + MIN, MIN, { east: 1050, north: 0 }), stale.state, fresh);
    expect(summary(near.changes)).toEqual([
      'clear proximity_unknown@victim-1',
      'open protected_person_proximity@victim-1',
    ]);
    const real = near.changes.find((c) => c.kind === 'protected_person_proximity');
    expect(real).toMatchObject({ severity: 'critical' });
    expect(real?.episodeKey).not.toBe(stale.changes[0]?.episodeKey);
  });
});

describe('separation anchor accuracy', () => {
  const sep = context();
  // [case, anchor acc, anchor source, new fix east, new fix acc, moved?]
  it.each([
    ['86 m Wi-Fi anchor, 14 m GNSS fix 100 m away: not moved', 86, 'wifi', 100, 14, false],
    ['86 m Wi-Fi anchor, 14 m GNSS fix 400 m away: moved', 86, 'wifi', 400, 14, true],
    ['8 m GNSS anchor, 14 m GNSS fix 100 m away: moved', 8, 'gnss', 100, 14, true],
    ['8 m GNSS anchor, 14 m GNSS fix 70 m away: not moved', 8, 'gnss', 70, 14, false],
  ] as const)('%s', (_case, anchorAcc, source, east, acc, moved) => {
    const s0 = run(sep, [fix({ ts: NOON, east: 0, north: 0, acc: anchorAcc, source })]).state;
    const still = evaluateEvent(sep, s0, event(NOON + MIN, 'no_motion')).state;
    expect(still.ankleStill).toMatchObject({ acc: anchorAcc });
    // A move takes two fixes (STILL_MOVED_FIXES); the second is at the same new place.
    const once = evaluateFix(sep, still, fix({ ts: NOON + 2 * MIN, east, north: 0, acc }));
    expect(once.state.ankleStill).not.toBeNull();
    const after = evaluateFix(sep, once.state, fix({ ts: NOON + 3 * MIN, east, north: 0, acc }));
    expect(after.state.ankleStill === null).toBe(moved);
    expect(monitorMoved(still.ankleStill!, at(east, 0).lat, at(east, 0).lon, acc)).toBe(moved);
  });
});

describe('separation: the still monitor (quality bench: one missed, one found 30 min late)', () => {
  const sep = context();
  const phoneAt = (ts: number, east: number) =>
    fix({ ts, east, north: 0, acc: 10, deviceId: 'phone-1', receivedAt: ts + 1000 });
  const phoneAway = (from: number, east: number) => [0, 1, 2, 3].map((i) => phoneAt(from + i * MIN, east));
  /** The phone away, while the monitor at home keeps reporting (it is heard from). */
  const awayFromHeardMonitor = (from: number, east: number, monitorAcc = 15) =>
    phoneAway(from, east).flatMap((p) => [fix({ ts: p.ts - 20_000, east: 5, north: 0, acc: monitorAcc }), p]);

  it('an anchor taken from a coarse cell fix is refined by later fixes at the same place', () => {
    // no_motion takes the last position: indoors a 1,200 m cell fix. Against it a phone 1.5 km away
    // was never confidently separated, all evening.
    const s0 = run(sep, [fix({ ts: NOON, east: 0, north: 0, acc: 1200, source: 'cell' })]).state;
    const still = evaluateEvent(sep, s0, event(NOON + MIN, 'no_motion')).state;
    const refined = run(sep, [fix({ ts: NOON + 3 * MIN, east: 10, north: 0, acc: 15 })], still).state;
    expect(refined.ankleStill).toMatchObject({ since: NOON + MIN, acc: 15 });
    const away = run(sep, awayFromHeardMonitor(NOON + 10 * MIN, 1500), refined);
    expect(summary(away.changes)).toEqual(['open person_device_separation@ankle-1']);
  });

  it('a monitor not heard from lately, or with a fix away from its anchor, says nothing about separation', () => {
    // Setting off wearing the monitor: its fixes are in a store-and-forward outage (or the second
    // fix of the move is an interval away) while the phone's fixes already read 1.5 km away.
    const s0 = run(sep, [fix({ ts: NOON, east: 0, north: 0, acc: 10 })]).state;
    const still = evaluateEvent(sep, s0, event(NOON + MIN, 'no_motion')).state;
    const silent = run(sep, phoneAway(NOON + 5 * MIN, 1500), still);
    expect(silent.changes).toEqual([]);
    const stored = run(sep, series(2, NOON + 4 * MIN, 30_000, { east: 1400, north: 0 }), silent.state);
    expect(stored.state.ankleStill).toBeNull();
    expect(stored.changes).toEqual([]);

    const heard = run(sep, [fix({ ts: NOON + 3 * MIN, east: 0, north: 0, acc: 10 })], still).state;
    const firstMove = run(sep, [fix({ ts: NOON + 4 * MIN, east: 600, north: 0, acc: 10 })], heard).state;
    expect(firstMove.ankleStill).toMatchObject({ moved: 1 });
    const phone = { east: 1500, north: 0, acc: 10, deviceId: 'phone-1' };
    const meanwhile = run(sep, series(3, NOON + 4 * MIN + 10_000, 30_000, phone), firstMove);
    expect(meanwhile.changes).toEqual([]);
  });

  it('one outlying monitor fix does not end "lying still"; the next fix at home resets the count', () => {
    const s0 = run(sep, [fix({ ts: NOON, east: 0, north: 0, acc: 10 })]).state;
    const still = evaluateEvent(sep, s0, event(NOON + MIN, 'no_motion')).state;
    const outlier = run(
      sep,
      [
        fix({ ts: NOON + 3 * MIN, east: 300, north: 0, acc: 12 }),
        fix({ ts: NOON + 5 * MIN, east: 5, north: 0, acc: 12 }),
        fix({ ts: NOON + 7 * MIN, east: 300, north: 0, acc: 12 }),
        fix({ ts: NOON + 9 * MIN, east: 5, north: 0, acc: 12 }),
      ],
      still,
    ).state;
    expect(outlier.ankleStill).toMatchObject({ since: NOON + MIN });
    // The monitor never said it moved again (no second no_motion), so this is the only watch left.
    const away = run(sep, awayFromHeardMonitor(NOON + 10 * MIN, 1500, 12), outlier);
    expect(summary(away.changes)).toEqual(['open person_device_separation@ankle-1']);
  });
});
