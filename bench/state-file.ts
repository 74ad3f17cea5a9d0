// `npm run bench -- state-file`: what saving the in-memory store's person states costs one instance
// without Redis (decision 0014): the time a save takes, how long it holds the event loop at most
// (what a batch or a console waits), and the file's size, for a whole caseload and for half of it
// changed (a fix a minute, saved every 30 s). Also the one-go write it replaced, as a ratio.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { PersonStateFile } from '../src/adapters/file/person-state-file.js';
import { startPersonStateSaver } from '../src/adapters/file/person-state-saver.js';
import {
  initialPersonState,
  makeTrack,
  type PersonState,
  patchState,
  TrackPhase,
} from '../src/domain/rules/person-state.js';
import { encodePersonState } from '../src/domain/rules/person-state-codec.js';
import { MemoryStateStore } from '../src/pipeline/state-store.js';
import type { BenchResult } from './bench-types.js';

const T0 = Date.UTC(2026, 10, 29, 0, 0, 0);

/** A state like one of the rules bench's: a recent fix, clearances, every fifth with an open track. */
function stateOf(i: number, ts: number): PersonState {
  return patchState(initialPersonState(T0), {
    lastTs: ts,
    lastLat: 30.1 + i / 1e6,
    lastLon: 104.6 + i / 1e6,
    lastAcc: 8.5,
    lastContactTs: ts,
    clearKey: 7,
    clearLatE6: 30_100_000 + i,
    clearLonE6: 104_600_000 + i,
    clearCounty: 4_000,
    clearHome: -40,
    clearProhibition: 300,
    ...(i % 5 === 0
      ? {
          curfew: makeTrack({
            phase: TrackPhase.open,
            since: ts - 600_000,
            count: 3,
            clearCount: 0,
            clearSince: 0,
            zoneId: `home-${i}`,
            evidence: [{ ts, lat: 30.1, lon: 104.6, acc: 8.5 }],
            confidence: 0.99,
            windowEnd: ts + 3_600_000,
          }),
        }
      : {}),
  });
}

async function commit(store: MemoryStateStore, ids: readonly string[], ts: number): Promise<void> {
  const lease = await store.lease(ids);
  await lease.commit(new Map(ids.map((id, i) => [id, stateOf(i, ts)])));
}

/** Runs `fn` while sampling the event loop every 5 ms; returns its time and the longest hold. */
async function timed(fn: () => Promise<void> | void): Promise<{ ms: number; stallMs: number }> {
  let last = performance.now();
  let stall = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last - 5);
    last = now;
  }, 5);
  const t = performance.now();
  await fn();
  const ms = performance.now() - t;
  // The probe's next turn shows a hold at the very end.
  await new Promise((r) => setTimeout(r, 10));
  clearInterval(probe);
  return { ms: Math.round(ms), stallMs: Math.max(0, Math.round(stall)) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export default async function stateFile(args: Record<string, string>): Promise<BenchResult> {
  const people = Number(args.people ?? 100_000);
  const runs = Number(args.runs ?? 3);
  const dir = mkdtempSync(join(tmpdir(), 'em-bench-state-file-'));
  try {
    const ids = Array.from({ length: people }, (_, i) => `person-${i}`);
    const half = ids.slice(0, Math.floor(people / 2));
    const first: number[] = [];
    const firstStall: number[] = [];
    const halfMs: number[] = [];
    const halfStall: number[] = [];
    const oneGo: number[] = [];
    let bytes = 0;
    for (let run = 0; run < runs; run++) {
      const path = join(dir, `states-${run}.json`);
      const store = new MemoryStateStore({ leaseMs: 600_000, waitMs: 600_000 });
      await commit(store, ids, T0 + 60_000);
      const saver = startPersonStateSaver(
        store,
        new PersonStateFile(path),
        3_600_000,
        pino({ level: 'silent' }),
      );
      const a = await timed(() => saver.saveNow());
      first.push(a.ms);
      firstStall.push(a.stallMs);
      await commit(store, half, T0 + 120_000);
      const b = await timed(() => saver.saveNow());
      halfMs.push(b.ms);
      halfStall.push(b.stallMs);
      await saver.stop();
      bytes = statSync(path).size;
      // The first version: everybody encoded and written as one JSON document, in one go.
      const c = await timed(() => {
        const states: Record<string, string> = {};
        for (const [i, id] of ids.entries()) states[id] = encodePersonState(stateOf(i, T0));
        writeFileSync(join(dir, 'one-go.json'), JSON.stringify({ format: 'one-go', states }));
      });
      oneGo.push(c.stallMs);
    }
    return {
      config: { people, runs, save_every_s: 30, part_people: 2000, chunk_bytes: 4 << 20 },
      figures: {
        save_all_ms: median(first),
        save_all_max_stall_ms: median(firstStall),
        save_half_changed_ms: median(halfMs),
        save_half_changed_max_stall_ms: median(halfStall),
        save_half_changed_runs_ms: halfMs,
        file_bytes: bytes,
        one_go_stall_ms: median(oneGo),
      },
      ratios: {
        one_go_stall_vs_parts: Math.round((median(oneGo) / Math.max(1, median(halfStall))) * 10) / 10,
      },
      notes: [
        'save_*_ms: wall time of one save of the in-memory store’s person states (src/adapters/file/person-state-saver.ts); *_max_stall_ms: the longest the event loop was held meanwhile (a 5 ms probe), i.e. the most a batch, a device or a console waited for it; median of runs. save_half_changed: half the people changed since the last save (a fix a minute, saved every 30 s).',
        'one_go_stall_ms: the first version, every state encoded and written as one JSON document at once; ratios.one_go_stall_vs_parts: its hold over the parts’ (same run).',
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
