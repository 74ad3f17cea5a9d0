// What the in-memory store hands to the state file (src/adapters/file/person-state-file.ts): the
// states committed since the last call, encoded at once, because a replaced state object is later
// handed out as a spare and written over (decision 0013); and states seeded from the file are leased
// like any other.
import { describe, expect, it } from 'vitest';
import { initialPersonState, patchState } from '../../src/domain/rules/person-state.js';
import { encodePersonState } from '../../src/domain/rules/person-state-codec.js';
import { MemoryStateStore } from '../../src/pipeline/state-store.js';

const T = 1_800_000_000_000;

describe('in-memory store: changes for the state file, and seeding from it', () => {
  it('drains each committed change once, encoded as it was committed', async () => {
    const store = new MemoryStateStore();
    expect(store.drainChanges(encodePersonState).size).toBe(0);
    const first = await store.lease(['p1', 'p2']);
    const s1 = patchState(initialPersonState(T), { lastTs: T + 1000 });
    await first.commit(new Map([['p1', s1]]));
    const drained = store.drainChanges(encodePersonState);
    expect([...drained.keys()]).toEqual(['p1']);
    expect(store.drainChanges(encodePersonState).size).toBe(0);

    // s1 is replaced, becomes the spare, and is written over by the next evaluation: what was
    // drained before still says what was committed then.
    const second = await store.lease(['p1']);
    await second.commit(new Map([['p1', patchState(s1, { lastTs: T + 2000 })]]));
    const third = await store.lease(['p1']);
    const spare = third.spare('p1');
    expect(spare).toBe(s1);
    spare!.lastTs = T + 3000;
    expect(JSON.parse(drained.get('p1')!).lastTs).toBe(T + 1000);
    await third.release();
    expect(JSON.parse(store.drainChanges(encodePersonState).get('p1')!).lastTs).toBe(T + 2000);
  });

  it('leases seeded states, and their next commit is a change', async () => {
    const store = new MemoryStateStore();
    const saved = patchState(initialPersonState(T), { lastTs: T + 5000 });
    store.seed([['p9', saved]]);
    const lease = await store.lease(['p9']);
    expect(lease.states.get('p9')).toBe(saved);
    expect(lease.spare('p9')).toBeNull();
    expect(store.drainChanges(encodePersonState).size).toBe(0);
    await lease.commit(new Map([['p9', patchState(saved, { lastTs: T + 6000 })]]));
    expect([...store.drainChanges(encodePersonState).keys()]).toEqual(['p9']);
  });
});
