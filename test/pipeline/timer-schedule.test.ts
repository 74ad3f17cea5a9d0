// The timer schedule (src/pipeline/timer-schedule.ts): a tick evaluates the people whose timers are
// due, earliest first and at most perTick of them, plus a sweep of the directory after a start or a
// change; never the whole caseload on every tick (issue 8).
import { describe, expect, it } from 'vitest';
import { Directory, type DirectorySnapshot, type PersonRecord } from '../../src/directory/directory.js';
import { MemoryStateStore } from '../../src/pipeline/state-store.js';
import { TimerSchedule } from '../../src/pipeline/timer-schedule.js';
import { context, leave } from '../domain/rules/fixture.js';

/** Every reload compiles new contexts, as the real loader does; `extra` changes some people's. */
function snapshot(
  ids: readonly string[],
  extra: Record<string, Parameters<typeof context>[0]> = {},
): DirectorySnapshot {
  const persons = new Map<string, PersonRecord>(
    ids.map((id) => [
      id,
      { id, orgUnitId: 'o', orgPath: '/c/', level: 'normal', context: context(extra[id] ?? {}) },
    ]),
  );
  return {
    devices: new Map(),
    owntracks: new Map(),
    persons,
    protectedDevices: new Set(),
    invalidZones: [],
    loadedAt: 0,
  };
}

const ids = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => `p${String(from + i).padStart(3, '0')}`);

async function writeDue(store: MemoryStateStore, due: Array<[string, number]>): Promise<void> {
  const lease = await store.lease(due.map(([id]) => id));
  await lease.commit(new Map(), new Map(due));
}

describe('timer schedule', () => {
  it('sweeps the directory a slice per tick, then takes only the people who are due, earliest first', async () => {
    let current = snapshot(ids(250));
    const directory = new Directory(async () => current);
    await directory.reload();
    const store = new MemoryStateStore();
    const schedule = new TimerSchedule(directory, store, { perTick: 100 });

    const first = await schedule.peopleFor(1000);
    const second = await schedule.peopleFor(1000);
    const third = await schedule.peopleFor(1000);
    expect([first.length, second.length, third.length]).toEqual([100, 100, 50]);
    expect(new Set([...first, ...second, ...third]).size).toBe(250);
    expect(await schedule.peopleFor(1000)).toEqual([]);

    // Evaluations wrote due times: the tick takes those due, earliest first, within perTick.
    await writeDue(store, [
      ['p007', 5000],
      ['p003', 3000],
      ['p100', 9000],
      ...ids(120, 130).map((id, i): [string, number] => [id, 6000 + i]),
    ]);
    expect(await schedule.peopleFor(4000)).toEqual(['p003']);
    expect(await schedule.peopleFor(5000)).toEqual(['p003', 'p007']);
    const many = await schedule.peopleFor(10_000);
    expect(many).toHaveLength(100);
    expect(many.slice(0, 3)).toEqual(['p003', 'p007', 'p130']);

    // A directory reload sweeps only the people whose timer inputs changed (new people, a new
    // permit or order); people who left lose their due times instead of coming back every tick.
    current = snapshot(ids(120, 140), { p150: { permits: [leave(0, 3_600_000)] } });
    await directory.reload();
    const after = await schedule.peopleFor(4000);
    expect(after.sort()).toEqual(['p150', ...ids(10, 250)]);
    expect(await store.due(4000, 10)).toEqual([]);
    expect(schedule.sweeping).toBe(0);

    // A reload that changes nothing (new objects, same content) sweeps nobody; becoming the timer
    // holder sweeps everybody.
    current = snapshot(ids(120, 140), { p150: { permits: [leave(0, 3_600_000)] } });
    await directory.reload();
    expect(await schedule.peopleFor(4000)).toEqual([]);
    schedule.sweepAll();
    expect(await schedule.peopleFor(4000)).toHaveLength(100);
    expect(schedule.sweeping).toBe(20);
  });
});
