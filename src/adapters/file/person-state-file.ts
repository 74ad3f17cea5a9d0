// The in-memory store's person states on disk (DATA_DIR), so that one instance without Redis keeps
// its decisions across a restart: the lost-contact clock runs on from the last fix (Art. 30: not from
// the restart), evidence and open tracks carry on, and an incident open at the restart is cleared by
// the rules when the person is back, not left "still outside" for ever. Written whole, atomically
// (a temporary file renamed over the old one), every STATE_SAVE_MS and once more after the pipeline
// has drained on a graceful stop; a crash loses at most the last interval's changes, which the next
// fixes decide again (fixes and incidents are in the database, never here).
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import type { PersonState } from '../../domain/rules/person-state.js';
import { decodePersonState } from '../../domain/rules/person-state-codec.js';

const FORMAT = 'em-person-states/1';

interface FileBody {
  readonly format: string;
  readonly savedAt: string;
  /** Person id → encoded state (person-state-codec.ts). */
  readonly states: Record<string, string>;
}

export interface LoadResult {
  readonly states: Map<string, PersonState>;
  /** Why the file was not used, when it was not (it is kept aside, never deleted). */
  readonly problem?: string;
}

export class PersonStateFile {
  /** Every person's encoded state as last saved: a save re-encodes only who changed. */
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
      const body = JSON.parse(readFileSync(this.path, 'utf8')) as FileBody;
      if (body.format !== FORMAT)
        throw new Error(`format ${JSON.stringify(body.format)}, expected ${FORMAT}`);
      const states = new Map<string, PersonState>();
      for (const [id, text] of Object.entries(body.states)) {
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

  /** Merges the changed states (encoded) into what was saved and writes the whole file. */
  save(changed: ReadonlyMap<string, string>, now = Date.now()): void {
    for (const [id, text] of changed) this.encoded.set(id, text);
    if (changed.size > 0) this.unsaved = true;
    if (!this.unsaved && existsSync(this.path)) return;
    const body: FileBody = {
      format: FORMAT,
      savedAt: new Date(now).toISOString(),
      states: Object.fromEntries(this.encoded),
    };
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify(body));
      // On disk before the rename, so a power cut leaves the old file or the new one, never half.
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    this.unsaved = false;
  }
}
