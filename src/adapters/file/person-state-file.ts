// The in-memory store's person states on disk (DATA_DIR, decision 0014), so that one instance without
// Redis keeps its decisions across a restart: the lost-contact clock runs on from the last fix
// (Art. 30: not from the restart), evidence and open tracks carry on, and an incident open at the
// restart is closed by the rules when the person is back, not left "still outside" for ever. Written
// whole, atomically (a temporary file, fsync, then a rename over the old one), every STATE_SAVE_MS
// and once more after the pipeline has drained on a graceful stop; a crash loses at most the last
// interval's changes, which the next fixes decide again (fixes and incidents are in the database).
//
// One line per person, `<id as a JSON string>\t<encoded state>` after a header line: the encoded
// states (person-state-codec.ts) are written as they are, never escaped again inside a larger JSON
// document, and in chunks with the event loop free between them (100,000 people: about 120 MB).
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { PersonState } from '../../domain/rules/person-state.js';
import { decodePersonState } from '../../domain/rules/person-state-codec.js';

const FORMAT = 'em-person-states/1';
/** Bytes (about) per write: the string built for one costs a few milliseconds. */
const CHUNK_CHARS = 4 << 20;

export interface LoadResult {
  readonly states: Map<string, PersonState>;
  /** Why the file was not used, when it was not (it is kept aside, never deleted). */
  readonly problem?: string;
}

export class PersonStateFile {
  /** Every person's encoded state as last merged: a write re-encodes nobody. */
  private readonly encoded = new Map<string, string>();
  /** Whether `encoded` holds anything the file does not (a failed write is tried again). */
  private unsaved = false;

  constructor(readonly path: string) {}

  /**
   * The states saved by the last run. A file that cannot be read is moved aside (`.unreadable-<time>`)
   * and the run starts with no states, as on a first start: bad input costs the decisions it held,
   * never the start-up.
   */
  load(now = Date.now()): LoadResult {
    if (!existsSync(this.path)) return { states: new Map() };
    try {
      const lines = readFileSync(this.path, 'utf8').split('\n');
      const header = JSON.parse(lines[0] ?? '') as { format?: unknown };
      if (header.format !== FORMAT) {
        throw new Error(`format ${JSON.stringify(header.format)}, expected ${FORMAT}`);
      }
      const states = new Map<string, PersonState>();
      for (let i = 1; i < lines.length; i++) {
        const line = lines[i]!;
        if (line === '') continue;
        const tab = line.indexOf('\t');
        if (tab < 0) throw new Error(`line ${i + 1}: no tab`);
        const id = JSON.parse(line.slice(0, tab)) as unknown;
        if (typeof id !== 'string') throw new Error(`line ${i + 1}: the id is not a string`);
        const text = line.slice(tab + 1);
        states.set(id, decodePersonState(text));
        this.encoded.set(id, text);
      }
      return { states };
    } catch (err) {
      this.encoded.clear();
      const aside = `${this.path}.unreadable-${new Date(now).toISOString().replace(/[:.]/g, '')}`;
      renameSync(this.path, aside);
      return { states: new Map(), problem: `${(err as Error).message}; moved to ${aside}` };
    }
  }

  /** Takes in changed states (encoded); `write` puts them on disk. */
  merge(changed: ReadonlyMap<string, string>): void {
    for (const [id, text] of changed) this.encoded.set(id, text);
    if (changed.size > 0) this.unsaved = true;
  }

  /** Writes every person's state, unless the file already holds them all. */
  async write(now = Date.now()): Promise<void> {
    if (!this.unsaved && existsSync(this.path)) return;
    // What is merged from here on is written next time: unsaved again.
    this.unsaved = false;
    const tmp = `${this.path}.tmp`;
    try {
      const file = await open(tmp, 'w');
      try {
        let chunk = `${JSON.stringify({ format: FORMAT, savedAt: new Date(now).toISOString() })}\n`;
        for (const [id, text] of this.encoded) {
          chunk += `${JSON.stringify(id)}\t${text}\n`;
          if (chunk.length >= CHUNK_CHARS) {
            await file.write(chunk);
            chunk = '';
          }
        }
        await file.write(chunk);
        // On disk before the rename, so a power cut leaves the old file or the new one, never half.
        await file.sync();
      } finally {
        await file.close();
      }
      renameSync(tmp, this.path);
    } catch (err) {
      this.unsaved = true;
      throw err;
    }
  }

  async save(changed: ReadonlyMap<string, string>, now = Date.now()): Promise<void> {
    this.merge(changed);
    await this.write(now);
  }
}
