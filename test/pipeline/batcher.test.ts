// The batcher's guarantees without a database: batches run one at a time in arrival order, a failed
// commit is retried (never dropped), and past its bound submit() waits instead of buffering.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Batcher, type BatchRunner } from '../../src/pipeline/batcher.js';
import type { Submission } from '../../src/pipeline/types.js';

const log = pino({ level: 'silent' });
const sub = (n: number): Submission => ({
  protocol: 'native',
  deviceId: 'd',
  raw: String(n),
  receivedAt: n,
  fixes: [],
  events: [],
  refusals: [],
});
const ok = (subs: readonly Submission[]) => subs.map(() => ({ accepted: 1, refused: 0, duplicates: 0 }));

/** 'a', a poison message and 'b' through one batcher: their outcomes, or 'never settled' after 2 s. */
function poisonBetweenTwo(runner: BatchRunner): Promise<unknown> {
  const b = new Batcher(runner, log, { maxBatchFixes: 10, maxQueuedFixes: 100, retryDelaysMs: [1] });
  const outcomes = Promise.all(['a', 'poison', 'b'].map((raw) => b.submit({ ...sub(0), raw })));
  const late = new Promise((r) => setTimeout(() => r('never settled'), 2000));
  return Promise.race([outcomes, late]);
}

/** The poison message refused, the two around it accepted. */
const POISON_REFUSED_ALONE = [
  { accepted: 1, refused: 0, duplicates: 0 },
  { accepted: 0, refused: 1, duplicates: 0 },
  { accepted: 1, refused: 0, duplicates: 0 },
];
const quarantined: string[] = [];
const runnerOf = (runBatch: BatchRunner['runBatch']): BatchRunner => ({
  runBatch,
  async quarantine(s) {
    quarantined.push(s.raw);
    return { accepted: 0, refused: 1, duplicates: 0 };
  },
});

describe('Batcher', () => {
  it('runs batches one at a time, in arrival order', async () => {
    const seen: string[] = [];
    let concurrent = 0;
    const runner = runnerOf(async (subs) => {
      concurrent++;
      expect(concurrent).toBe(1);
      await new Promise((r) => setTimeout(r, 5));
      seen.push(...subs.map((s) => s.raw));
      concurrent--;
      return ok(subs);
    });
    const b = new Batcher(runner, log, { maxBatchFixes: 3, maxQueuedFixes: 100, retryDelaysMs: [1] });
    await Promise.all(Array.from({ length: 10 }, (_, i) => b.submit(sub(i))));
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => String(i)));
  });

  it('retries a failed commit until it succeeds, resolving only then', async () => {
    let attempts = 0;
    const runner = runnerOf(async (subs) => {
      attempts++;
      if (attempts < 4) throw new Error('database unreachable');
      return ok(subs);
    });
    const b = new Batcher(runner, log, { maxBatchFixes: 10, maxQueuedFixes: 100, retryDelaysMs: [1, 2] });
    await expect(b.submit(sub(1))).resolves.toEqual({ accepted: 1, refused: 0, duplicates: 0 });
    expect(attempts).toBe(4);
  });

  it('holds submitters back past its bound instead of buffering without limit', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const runner = runnerOf(async (subs) => {
      await gate;
      return ok(subs);
    });
    const b = new Batcher(runner, log, { maxBatchFixes: 1, maxQueuedFixes: 3, retryDelaysMs: [1] });
    const all = Array.from({ length: 6 }, (_, i) => b.submit(sub(i)));
    await new Promise((r) => setTimeout(r, 20));
    // Six submitted, three queued: the other three wait in submit() for room.
    expect(b.depth).toBe(3);
    release();
    await expect(Promise.all(all)).resolves.toHaveLength(6);
    expect(b.depth).toBe(0);
  });

  it('isolates a message the database refuses and quarantines it, committing the rest', async () => {
    const dataError = Object.assign(new Error('value out of range'), { code: '22003' });
    const committed: string[] = [];
    const runner = runnerOf(async (subs) => {
      if (subs.some((s) => s.raw === 'poison')) throw dataError;
      committed.push(...subs.map((s) => s.raw));
      return ok(subs);
    });
    const b = new Batcher(runner, log, { maxBatchFixes: 10, maxQueuedFixes: 100, retryDelaysMs: [1] });
    const raws = ['a', 'b', 'poison', 'c', 'd'];
    const outcomes = await Promise.all(raws.map((raw) => b.submit({ ...sub(0), raw })));
    expect(outcomes[2]).toEqual({ accepted: 0, refused: 1, duplicates: 0 });
    expect(quarantined).toContain('poison');
    expect(committed.sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('retries a quarantine the database could not commit (an outage while isolating)', async () => {
    const dataError = Object.assign(new Error('value out of range'), { code: '22003' });
    let quarantineAttempts = 0;
    const runner: BatchRunner = {
      async runBatch(subs) {
        if (subs.some((s) => s.raw === 'poison')) throw dataError;
        return ok(subs);
      },
      async quarantine() {
        quarantineAttempts++;
        if (quarantineAttempts < 3) throw new Error('Connection terminated unexpectedly');
        return { accepted: 0, refused: 1, duplicates: 0 };
      },
    };
    expect(await poisonBetweenTwo(runner)).toEqual(POISON_REFUSED_ALONE);
    expect(quarantineAttempts).toBe(3);
  });

  it('answers a message whose dead letter the database refuses too, and carries on', async () => {
    const dataError = Object.assign(new Error('value out of range'), { code: '22003' });
    const runner: BatchRunner = {
      async runBatch(subs) {
        if (subs.some((s) => s.raw === 'poison')) throw dataError;
        return ok(subs);
      },
      async quarantine() {
        throw dataError;
      },
    };
    expect(await poisonBetweenTwo(runner)).toEqual(POISON_REFUSED_ALONE);
  });

  it('runs a deferred message first in the next batch and resolves it only when it has run', async () => {
    const batches: string[][] = [];
    let busyUntil = 2; // 'x' is held elsewhere for the first two batches it is offered in
    const runner = runnerOf(async (subs) => {
      batches.push(subs.map((s) => s.raw));
      return subs.map((s) => {
        if (s.raw === 'x' && busyUntil-- > 0) return null;
        return { accepted: 1, refused: 0, duplicates: 0 };
      });
    });
    const b = new Batcher(runner, log, { maxBatchFixes: 2, maxQueuedFixes: 100, retryDelaysMs: [1] });
    let xDone = false;
    const x = b.submit({ ...sub(0), raw: 'x' }).then((o) => {
      xDone = true;
      return o;
    });
    const rest = ['a', 'b', 'c'].map((raw) => b.submit({ ...sub(0), raw }));
    await Promise.all(rest);
    await expect(x).resolves.toEqual({ accepted: 1, refused: 0, duplicates: 0 });
    expect(xDone).toBe(true);
    // x leads every batch until it runs; the others are not held back behind it.
    expect(batches[0]).toEqual(['x']);
    for (const batch of batches) if (batch.includes('x')) expect(batch[0]).toBe('x');
    expect(batches.flat().filter((r) => r === 'x')).toHaveLength(3);
    expect(
      batches
        .flat()
        .filter((r) => r !== 'x')
        .sort(),
    ).toEqual(['a', 'b', 'c']);
    expect(b.depth).toBe(0);
  });

  it('drains queued work on close and refuses new work', async () => {
    const runner = runnerOf(async (subs) => {
      await new Promise((r) => setTimeout(r, 5));
      return ok(subs);
    });
    const b = new Batcher(runner, log, { maxBatchFixes: 1, maxQueuedFixes: 100, retryDelaysMs: [1] });
    const pending = [b.submit(sub(1)), b.submit(sub(2))];
    await b.close();
    await expect(Promise.all(pending)).resolves.toHaveLength(2);
    await expect(b.submit(sub(3))).rejects.toThrow(/shutting down/);
  });
});
