// Saves the in-memory store's changed person states to the state file (decision 0014) every
// `intervalMs`, and once more when stopped (after the pipeline's drain). Changes are encoded in parts
// of PART people with the event loop free in between, so batches and consoles never wait for more
// than one part; one save runs at a time.
import { encodePersonState } from '../../domain/rules/person-state-codec.js';
import type { Logger } from '../../logger.js';
import type { MemoryStateStore } from '../../pipeline/state-store.js';
import type { PersonStateFile } from './person-state-file.js';

/** People encoded per part: about 25 ms of work. */
const PART = 2000;

export interface PersonStateSaver {
  /** Saves what changed so far (waits for a save under way first). */
  saveNow(): Promise<void>;
  /** For /readyz: when the file was last written, and the last failure since, if any. */
  status(): { readonly savedAt: number | null; readonly failure: string | null };
  /** Stops the interval and saves what is left. */
  stop(): Promise<void>;
}

export function startPersonStateSaver(
  store: MemoryStateStore,
  file: PersonStateFile,
  intervalMs: number,
  log: Logger,
  onFailure: () => void = () => {},
): PersonStateSaver {
  let running: Promise<void> | null = null;
  let savedAt: number | null = null;
  let failure: string | null = null;
  const save = async (): Promise<void> => {
    for (;;) {
      const part = store.drainChanges(encodePersonState, PART);
      file.merge(part);
      if (part.size < PART) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    try {
      await file.write();
    } catch (err) {
      failure = `${(err as Error).message} (${new Date().toISOString()})`;
      onFailure();
      throw err;
    }
    savedAt = Date.now();
    failure = null;
  };
  const saveNow = async (): Promise<void> => {
    while (running) await running;
    running = save().finally(() => {
      running = null;
    });
    await running;
  };
  const timer = setInterval(() => {
    if (running) return;
    saveNow().catch((err) =>
      // Kept in memory and written at the next interval; the decisions themselves go on.
      log.error({ err, file: file.path }, 'person state file not written'),
    );
  }, intervalMs);
  return {
    saveNow,
    status: () => ({ savedAt, failure }),
    async stop() {
      clearInterval(timer);
      await saveNow();
    },
  };
}
