// The timer schedule (src/pipeline/timer-schedule.ts): a tick evaluates the people whose timers are
// due, earliest first and at most perTick of them, plus a sweep of the directory after a start or a
// change; never the whole caseload on every tick (issue 8).
import { describe, expect, it } from 'vitest';
import { Directory, type DirectorySnapshot, type PersonRecord } from '../../src/directory/directory.js';
import { MemoryStateStore } from '../../src/pipeline/state-store.js';
import { TimerSchedule } from '../../src/pipeline/timer-schedule.js';
import { context } from '../domain/rules/fixture.js';

function snapshot(ids: readonly string[]): DirectorySnapshot {
  const ctx = context();
  const persons = new Map<string, PersonRecord>(
    ids.map((id) => [id, { id, orgUnitId: 'o', orgPath: '/c/', level: 'normal', context: ctx }]),
  );
  return { devices: new Map(), owntracks: new Map(), persons, protectedDevices: new Set(), loadedAt: 0 };
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

    // A directory change (new people, or new zones and permits) sweeps everybody again; people who
    // left the directory lose their due times instead of coming back on every tick.
    current = snapshot(ids(120, 140));
    await directory.reload();
    const after = await schedule.peopleFor(4000);
    expect(after).not.toContain('p003');
    expect(after).toHaveLength(100);
    expect(await store.due(4000, 10)).toEqual([]);
    expect(schedule.sweeping).toBe(20);
  });
});
