// One contract for the person-state stores (STYLE.md: one suite for every adapter pair): the
// in-memory store of the embedded default and the Redis store several instances share (issue 8).
// "Two instances" are two store handles over the same backing state.
import { describe, expect, it } from 'vitest';
import { RedisStateStore } from '../../src/adapters/redis/redis-state-store.js';
import {
  IDLE_TRACK,
  initialPersonState,
  makeTrack,
  NO_EPISODES,
  type PersonState,
  patchState,
  TrackPhase,
  withEpisode,
} from '../../src/domain/rules/person-state.js';
import {
  type LeaseOptions,
  LeaseTimeoutError,
  MemoryStateStore,
  type PersonStateStore,
  StaleStateError,
} from '../../src/pipeline/state-store.js';
import { closedAfterSuite } from '../support/backends.js';
import { availableRedisUrl, redisBackend } from '../support/redis.js';

interface Backend {
  /** A store handle as one instance would hold it; all handles of a backend share state. */
  handle(options: LeaseOptions): PersonStateStore;
  close(): Promise<void>;
}

type Target = [string, () => Backend];

const memory: Target = [
  'memory',
  () => {
    let first: MemoryStateStore | undefined;
    return {
      handle(options) {
        if (!first) {
          first = new MemoryStateStore(options);
          return first;
        }
        return first.sibling(options);
      },
      close: async () => {},
    };
  },
];

const targets: Target[] = [memory];
const redisUrl = await availableRedisUrl('state-store contract');
if (redisUrl) {
  targets.push([
    'redis',
    () => {
      let n = 0;
      return redisBackend(
        redisUrl,
        (client, prefix, options: LeaseOptions) =>
          new RedisStateStore(client, prefix, `instance-${++n}`, options),
      );
    },
  ]);
}

const LONG: LeaseOptions = { leaseMs: 30_000, waitMs: 10_000 };

/** A state that exercises the codec: an open curfew track (NaN-free), idle tracks, an episode, gathering runs. */
function busyState(ts: number): PersonState {
  const s = initialPersonState(ts - 60_000);
  return patchState(s, {
    lastTs: ts,
    lastLat: 30.12,
    lastLon: 104.63,
    lastAcc: 8,
    lastContactTs: ts,
    curfew: makeTrack({
      phase: TrackPhase.open,
      since: ts - 30_000,
      count: 3,
      clearCount: 0,
      clearSince: 0,
      zoneId: 'z1',
      evidence: [],
      confidence: 0.97,
      windowEnd: Number.NaN,
    }),
    episodes: withEpisode(NO_EPISODES, 'strap_tamper', { startedAt: ts - 1000 }),
    // The runs of a linked group this person keeps (gathering, evaluate stage).
    gatherings: { 'p1+p2+p3': [['p1+p3', { since: ts - 600_000, open: false, together: ts }]] },
  });
}

describe.each(targets)('person state store contract: %s', (_name, makeBackend) => {
  const backend = closedAfterSuite(makeBackend);

  it('loads nothing for new people, then what the last commit wrote, shared constants included', async () => {
    const store = backend().handle(LONG);
    const first = await store.lease(['p1', 'p2']);
    expect(first.states.size).toBe(0);
    expect([...first.personIds]).toEqual(['p1', 'p2']);
    await first.verify();
    const written = busyState(1_700_000_000_000);
    await first.commit(new Map([['p1', written]]));

    const second = await store.lease(['p2', 'p1']);
    const loaded = second.states.get('p1')!;
    expect(loaded).toEqual(written);
    expect(Number.isNaN(loaded.curfew.windowEnd)).toBe(true);
    // The rules compare these by identity (person-state-codec.ts).
    expect(loaded.jurisdiction).toBe(IDLE_TRACK);
    expect(second.states.has('p2')).toBe(false);
    await second.release();
    const idle = await store.lease(['p3']);
    await idle.commit(new Map([['p3', initialPersonState(5)]]));
    const again = await store.lease(['p3']);
    expect(again.states.get('p3')!.episodes).toBe(NO_EPISODES);
    await again.release();
  });

  it('a spare is never a state anyone reads: not the committed one, handed out once, not to a lapsed lease', async () => {
    // Decision 0013: a batch may write a person's next state into the spare, so it must be an object
    // nothing else reads. The memory store keeps the state the last commit replaced; Redis none.
    const store = backend().handle({ leaseMs: 200, waitMs: 1000 });
    const first = await store.lease(['p1']);
    expect(first.spare('p1')).toBeNull();
    const a = busyState(1_000_000);
    await first.commit(new Map([['p1', a]]));
    const second = await store.lease(['p1']);
    expect(second.spare('p1')).toBeNull();
    const b = busyState(2_000_000);
    await second.commit(new Map([['p1', b]]));

    const third = await store.lease(['p1']);
    const committed = third.states.get('p1')!;
    expect(committed).toEqual(b);
    const spare = third.spare('p1');
    if (store.kind === 'memory') expect(spare).toBe(a);
    else expect(spare).toBeNull();
    expect(spare).not.toBe(committed);
    expect(third.spare('p1')).toBeNull();
    expect(third.spare('p2')).toBeNull();
    // Committing the state it was given back (nothing changed) makes no spare of it.
    await third.commit(new Map([['p1', committed]]));
    const fourth = await store.lease(['p1']);
    expect(fourth.spare('p1')).toBeNull();
    await fourth.commit(new Map([['p1', busyState(3_000_000)]]));
    // A lease that lapsed gets no spare: the person may be someone else's by now.
    const lapsed = await store.lease(['p1']);
    await new Promise((r) => setTimeout(r, 250));
    const other = await store.lease(['p1']);
    expect(lapsed.spare('p1')).toBeNull();
    if (store.kind === 'memory') expect(other.spare('p1')).toBe(committed);
    await other.release();
  });

  it('release writes nothing and frees the people at once', async () => {
    const b = backend();
    const a = b.handle(LONG);
    const other = b.handle({ leaseMs: 30_000, waitMs: 200 });
    const lease = await a.lease(['p1']);
    await lease.release();
    const next = await other.lease(['p1']);
    expect(next.states.size).toBe(0);
    await next.release();
  });

  it('a second instance waits for the first to commit, then sees its state', async () => {
    const b = backend();
    const a = b.handle(LONG);
    const c = b.handle(LONG);
    const held = await a.lease(['p1', 'p2']);
    let secondGot: PersonState | undefined | 'waiting' = 'waiting';
    const waiting = c.lease(['p2']).then(async (l) => {
      secondGot = l.states.get('p2');
      await l.commit(new Map([['p2', busyState(3000)]]));
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(secondGot).toBe('waiting');
    await held.commit(new Map([['p2', busyState(2000)]]));
    await waiting;
    expect((secondGot as unknown as PersonState).lastTs).toBe(2000);
    const check = await a.lease(['p2']);
    expect(check.states.get('p2')!.lastTs).toBe(3000);
    await check.release();
  });

  it('refuses the write of a lapsed lease once another instance has moved on', async () => {
    const b = backend();
    const slow = b.handle({ leaseMs: 150, waitMs: 5000 });
    const fast = b.handle(LONG);
    const stale = await slow.lease(['p1']);
    await new Promise((r) => setTimeout(r, 300));
    const newer = await fast.lease(['p1']);
    await newer.commit(new Map([['p1', busyState(9000)]]));
    await expect(stale.verify()).rejects.toBeInstanceOf(StaleStateError);
    await expect(stale.commit(new Map([['p1', busyState(1000)]]))).rejects.toBeInstanceOf(StaleStateError);
    const check = await fast.lease(['p1']);
    expect(check.states.get('p1')!.lastTs).toBe(9000);
    await check.release();
  });

  it('refuses a lapsed lease even when nobody else wrote meanwhile but someone holds it now', async () => {
    const b = backend();
    const slow = b.handle({ leaseMs: 150, waitMs: 5000 });
    const other = b.handle(LONG);
    const stale = await slow.lease(['p1', 'p2']);
    await new Promise((r) => setTimeout(r, 300));
    const holder = await other.lease(['p2']);
    await expect(stale.commit(new Map([['p1', busyState(1)]]))).rejects.toThrow(StaleStateError);
    // All or nothing: p1 (whose lease nobody took) was not written either.
    const check = await other.lease(['p1']);
    expect(check.states.has('p1')).toBe(false);
    await check.release();
    await holder.release();
  });

  it('gives up waiting after waitMs without disturbing the holder', async () => {
    const b = backend();
    const holder = b.handle(LONG);
    const impatient = b.handle({ leaseMs: 30_000, waitMs: 150 });
    const held = await holder.lease(['p1', 'p9']);
    await expect(impatient.lease(['p0', 'p1'])).rejects.toBeInstanceOf(LeaseTimeoutError);
    await held.verify();
    await held.commit(new Map([['p9', busyState(42)]]));
    // p0 was released when the impatient lease gave up.
    const p0 = await b.handle({ leaseMs: 30_000, waitMs: 150 }).lease(['p0']);
    await p0.release();
  });

  it('never deadlocks: overlapping leases asked for in opposite orders all complete', async () => {
    const b = backend();
    const stores = [b.handle(LONG), b.handle(LONG), b.handle(LONG)];
    const people = Array.from({ length: 30 }, (_, i) => `q${i}`);
    let commits = 0;
    await Promise.all(
      stores.flatMap((store, s) =>
        Array.from({ length: 5 }, async (_, round) => {
          const ids = s % 2 === 0 ? people : [...people].reverse();
          const lease = await store.lease(ids.slice(round * 3, round * 3 + 15));
          const prev = lease.states.get(ids[round * 3]!)?.lastTs ?? 0;
          await lease.commit(new Map([[ids[round * 3]!, busyState(prev + 1)]]));
          commits++;
        }),
      ),
    );
    expect(commits).toBe(15);
  });

  it('claim takes the free people at once, reports the held ones busy and holds none of them', async () => {
    const b = backend();
    const a = b.handle(LONG);
    const c = b.handle(LONG);
    const seed = await a.lease(['p1']);
    await seed.commit(new Map([['p1', busyState(4000)]]));
    const held = await a.lease(['p2']);
    const claim = await c.claim(['p3', 'p2', 'p1']);
    expect([...claim.personIds].sort()).toEqual(['p1', 'p3']);
    expect([...claim.busy]).toEqual(['p2']);
    expect(claim.states.get('p1')!.lastTs).toBe(4000);
    // The claim did not touch p2: its holder commits as usual.
    await held.commit(new Map([['p2', busyState(5000)]]));
    await claim.verify();
    await claim.commit(new Map([['p1', busyState(6000)]]));
    // Everything is free again; a second claim takes all three.
    const again = await a.claim(['p1', 'p2', 'p3']);
    expect(again.busy.size).toBe(0);
    expect(again.states.get('p1')!.lastTs).toBe(6000);
    expect(again.states.get('p2')!.lastTs).toBe(5000);
    await again.release();
  });

  it('claims of several instances over the same people never take one person twice', async () => {
    const b = backend();
    const stores = [b.handle(LONG), b.handle(LONG), b.handle(LONG)];
    const people = Array.from({ length: 40 }, (_, i) => `r${i}`);
    let writes = 0;
    const rounds = stores.map(async (store) => {
      for (let round = 0; round < 10; round++) {
        const claim = await store.claim(people);
        const changed = new Map<string, PersonState>();
        for (const id of claim.personIds) changed.set(id, busyState((claim.states.get(id)?.lastTs ?? 0) + 1));
        await new Promise((r) => setTimeout(r, 1));
        await claim.commit(changed);
        writes += changed.size;
      }
    });
    await Promise.all(rounds);
    // Every committed write advanced a person's counter by one: no lost update, no double holder.
    const check = await stores[0]!.lease(people);
    const total = [...check.states.values()].reduce((n, s) => n + s.lastTs, 0);
    await check.release();
    expect(total).toBe(writes);
    expect(writes).toBeGreaterThanOrEqual(people.length);
  });

  it('refuses to write a person the lease does not hold', async () => {
    const lease = await backend().handle(LONG).lease(['p1']);
    await expect(lease.commit(new Map([['p2', busyState(1)]]))).rejects.toThrow(/not leased/);
    await lease.release();
  });

  it('keeps due times with the commit, shared by every instance, earliest first, and forgets them', async () => {
    const b = backend();
    const one = b.handle(LONG);
    const other = b.handle(LONG);
    const lease = await one.lease(['a', 'b', 'c']);
    await lease.commit(
      new Map([['a', busyState(1000)]]),
      new Map([
        ['a', 5000],
        ['b', 2000],
        ['c', 9000],
      ]),
    );
    expect(await other.due(1999, 10)).toEqual([]);
    expect(await other.due(5000, 10)).toEqual(['b', 'a']);
    expect(await other.due(10_000, 2)).toEqual(['b', 'a']);
    // A later commit moves a due time; a stale commit moves nothing.
    const again = await other.lease(['b']);
    const stale = await one.lease(['c']);
    await again.commit(new Map(), new Map([['b', 7000]]));
    expect(await one.due(6000, 10)).toEqual(['a']);
    await one.forgetDue(['a', 'nobody']);
    expect(await one.due(10_000, 10)).toEqual(['b', 'c']);
    await stale.release();
    await expect(lease.commit(new Map(), new Map([['c', 1]]))).rejects.toThrow(StaleStateError);
    expect(await one.due(10_000, 10)).toEqual(['b', 'c']);
  });
});
