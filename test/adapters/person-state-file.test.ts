// The in-memory store's person states on disk (src/adapters/file/person-state-file.ts): what a
// restarted instance without Redis reads back, a file it cannot read never stopping the start-up.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PersonStateFile } from '../../src/adapters/file/person-state-file.js';
import {
  initialPersonState,
  makeTrack,
  NO_EPISODES,
  type PersonState,
  patchState,
  TrackPhase,
  withEpisode,
} from '../../src/domain/rules/person-state.js';
import { encodePersonState } from '../../src/domain/rules/person-state-codec.js';

const T = Date.UTC(2026, 10, 29, 6, 0, 0);

function busy(ts: number): PersonState {
  return patchState(initialPersonState(ts - 60_000), {
    lastTs: ts,
    lastLat: 30.1234567,
    lastLon: 104.6543219,
    lastAcc: 7.5,
    lastContactTs: ts,
    curfew: makeTrack({
      phase: TrackPhase.pending,
      since: ts - 30_000,
      count: 2,
      clearCount: 0,
      clearSince: 0,
      zoneId: 'home-1',
      evidence: [{ ts, lat: 30.1, lon: 104.6, acc: 7.5 }],
      confidence: 0.9,
      windowEnd: Number.NaN,
    }),
    episodes: withEpisode(NO_EPISODES, 'lost_contact', { startedAt: ts - 600_000 }),
  });
}

const encoded = (entries: Array<[string, PersonState]>) =>
  new Map(entries.map(([id, s]) => [id, encodePersonState(s)]));

describe('person state file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'em-state-file-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const path = () => join(dir, `states-${++n}.json`);

  it('reads back what was saved, merged over saves, as the rules left it', async () => {
    const p = path();
    expect(new PersonStateFile(p).load().states.size).toBe(0);
    const file = new PersonStateFile(p);
    await file.save(
      encoded([
        ['a', busy(T)],
        ['b', initialPersonState(T)],
      ]),
    );
    // An id that needs escaping is read back as it was.
    await file.save(
      encoded([
        ['b', busy(T + 60_000)],
        ['c\t"\n', initialPersonState(T)],
      ]),
    );
    const loaded = new PersonStateFile(p).load();
    expect(loaded.problem).toBeUndefined();
    expect([...loaded.states.keys()].sort()).toEqual(['a', 'b', 'c\t"\n']);
    expect(loaded.states.get('a')).toEqual(busy(T));
    expect(loaded.states.get('b')).toEqual(busy(T + 60_000));
    expect(Number.isNaN(loaded.states.get('a')!.curfew.windowEnd)).toBe(true);
  });

  it('keeps what it loaded when it saves the next changes', async () => {
    const p = path();
    await new PersonStateFile(p).save(encoded([['a', busy(T)]]));
    const again = new PersonStateFile(p);
    again.load();
    await again.save(encoded([['c', busy(T + 1000)]]));
    expect([...new PersonStateFile(p).load().states.keys()].sort()).toEqual(['a', 'c']);
  });

  const header = `${JSON.stringify({ format: 'em-person-states/1' })}\n`;
  it.each([
    ['a header that is not JSON', '{"format": "em-person-states/1"\n'],
    ['another format', `${JSON.stringify({ format: 'something-else/9' })}\n`],
    ['a state that is not one', `${header}"a"\t{\n`],
    ['a line without a tab', `${header}"a" {}\n`],
  ])('moves an unreadable file (%s) aside and starts without states', (_what, text) => {
    const p = path();
    writeFileSync(p, text);
    const loaded = new PersonStateFile(p).load(T);
    expect(loaded.states.size).toBe(0);
    expect(loaded.problem).toMatch(/moved to .*unreadable/);
    expect(existsSync(p)).toBe(false);
    const aside = readdirSync(dir).filter((f) => f.startsWith(`${p.split('/').pop()}.unreadable-`));
    expect(aside).toHaveLength(1);
  });

  it('writes a failed save again at the next one, even with nothing new', async () => {
    const p = path();
    const file = new PersonStateFile(p);
    await file.save(encoded([['a', busy(T)]]));
    // The temporary file cannot be created: the save fails and the file keeps the old states.
    mkdirSync(`${p}.tmp`);
    await expect(file.save(encoded([['b', busy(T)]]))).rejects.toThrow();
    expect([...new PersonStateFile(p).load().states.keys()]).toEqual(['a']);
    rmSync(`${p}.tmp`, { recursive: true });
    await file.save(new Map());
    expect([...new PersonStateFile(p).load().states.keys()].sort()).toEqual(['a', 'b']);
  });
});
