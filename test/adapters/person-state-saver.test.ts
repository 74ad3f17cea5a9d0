// The saver behind the state file (decision 0014): what the in-memory store committed reaches the
// file on the interval, without a stop (what a crash leaves), in parts when many people changed,
// and once more on stop.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { PersonStateFile } from '../../src/adapters/file/person-state-file.js';
import { startPersonStateSaver } from '../../src/adapters/file/person-state-saver.js';
import { initialPersonState, patchState } from '../../src/domain/rules/person-state.js';
import { MemoryStateStore } from '../../src/pipeline/state-store.js';
import { waitFor } from '../support/wait.js';

const T = 1_800_000_000_000;
const log = pino({ level: 'silent' });

async function commitMany(store: MemoryStateStore, n: number, ts: number): Promise<void> {
  const ids = Array.from({ length: n }, (_, i) => `p${i}`);
  const lease = await store.lease(ids);
  await lease.commit(new Map(ids.map((id) => [id, patchState(initialPersonState(T), { lastTs: ts })])));
}

describe('person state saver', () => {
  const dir = mkdtempSync(join(tmpdir(), 'em-state-saver-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes committed states on the interval, many in parts, and the rest on stop', async () => {
    const path = join(dir, 'states.json');
    const store = new MemoryStateStore();
    const saver = startPersonStateSaver(store, new PersonStateFile(path), 200, log);
    try {
      // More than one part (2,000 people) changed.
      await commitMany(store, 4_500, T + 1000);
      const onDisk = () => new PersonStateFile(path).load().states;
      await waitFor(() => onDisk().size === 4_500, 10_000);
      expect(onDisk().get('p4499')!.lastTs).toBe(T + 1000);
      await commitMany(store, 3, T + 2000);
    } finally {
      await saver.stop();
    }
    const after = new PersonStateFile(path).load().states;
    expect(after.size).toBe(4_500);
    expect(after.get('p2')!.lastTs).toBe(T + 2000);
    expect(after.get('p3')!.lastTs).toBe(T + 1000);
  });

  it('reports a failed save (for /readyz and the metric), and clears it once a save succeeds', async () => {
    const path = join(dir, 'failing.json');
    const store = new MemoryStateStore();
    let failures = 0;
    const saver = startPersonStateSaver(store, new PersonStateFile(path), 3_600_000, log, () => failures++);
    try {
      expect(saver.status()).toEqual({ savedAt: null, failure: null });
      await commitMany(store, 3, T + 1000);
      mkdirSync(`${path}.tmp`);
      await expect(saver.saveNow()).rejects.toThrow();
      expect(failures).toBe(1);
      expect(saver.status().failure).toMatch(/EISDIR|directory/);
      expect(saver.status().savedAt).toBeNull();
      rmSync(`${path}.tmp`, { recursive: true });
      await saver.saveNow();
      expect(saver.status().failure).toBeNull();
      expect(saver.status().savedAt).not.toBeNull();
      expect(new PersonStateFile(path).load().states.size).toBe(3);
    } finally {
      await saver.stop();
    }
  });
});
