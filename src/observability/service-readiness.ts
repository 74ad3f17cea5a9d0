// The service's /readyz checks, each `detail` written for the person on call: what is wrong, since
// when, what the service does meanwhile and whether anything is lost (issue 10 item 4).
import type { Batcher } from '../pipeline/batcher.js';
import type { Database } from '../storage/database.js';
import type { DependencyStatus } from './dependency-status.js';
import type { ReadinessCheck, ReadinessReport } from './readiness.js';

export interface ReadinessDeps {
  readonly db: Database;
  readonly status: DependencyStatus;
  readonly batcher: Batcher;
  readonly maxQueuedFixes: number;
  readonly broker: {
    readonly url: string;
    readonly embedded: boolean;
    connected(): boolean;
    /** Messages received from the broker and not acknowledged yet (real broker only). */
    unacknowledged(): number;
  };
  /** A single instance's person state file (decision 0014): one line on how it stands. */
  readonly stateFile?: () => string;
  /** Shared state of several instances (issue 8); absent for a single instance's in-memory state. */
  readonly shared?: {
    readonly instanceId: string;
    ping(): Promise<unknown>;
    firesTimers(): boolean;
  };
}

/** Below the 2 s /readyz budget, so the answer is ours and not the generic timeout. */
const PROBE_TIMEOUT_MS = 1_500;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: Error) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

function probe(db: Database): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)),
      PROBE_TIMEOUT_MS,
    );
    db.pool.query('select 1').then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (err: Error) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

export function serviceReadinessChecks(d: ReadinessDeps): ReadinessCheck[] {
  const holding = () =>
    d.broker.embedded
      ? 'devices are not acknowledged, so they keep their messages and send them again'
      : `devices' messages are not acknowledged: ${d.broker.unacknowledged()} held by this service, ` +
        'the rest queued by the broker in this service’s session';
  return [
    {
      name: 'database',
      async check(): Promise<ReadinessReport> {
        try {
          await probe(d.db);
        } catch (err) {
          const reason = (err as Error).message || String(err);
          d.status.markDown('database', reason, 'holding device messages until it returns');
          return {
            ok: false,
            detail:
              `database ${d.db.describe} unreachable ${d.status.downFor('database')}: ${reason}. ` +
              `Fixes are not being stored and alerts are delayed; ${holding()}; ` +
              'nothing is lost, the backlog is stored when the database returns.',
            storageMode: d.db.mode,
          };
        }
        d.status.markUp('database');
        return { ok: true, detail: `connected to ${d.db.describe}`, storageMode: d.db.mode };
      },
    },
    {
      name: 'broker',
      async check(): Promise<ReadinessReport> {
        const ok = d.broker.connected();
        if (ok) {
          return {
            ok,
            detail: d.broker.embedded ? `embedded broker on ${d.broker.url}` : `connected to ${d.broker.url}`,
          };
        }
        const why = d.status.report('broker');
        return {
          ok,
          detail:
            `cannot reach MQTT broker ${d.broker.url} ${d.status.downFor('broker')}` +
            `${why.reason ? ` (${why.reason})` : ''}; devices are not being read. ` +
            'Reconnecting every second; the broker keeps what devices send for this service’s persistent session.',
        };
      },
    },
    {
      name: 'pipeline',
      async check(): Promise<ReadinessReport> {
        const depth = d.batcher.depth;
        const ok = depth < d.maxQueuedFixes;
        return {
          ok,
          detail: ok
            ? `${depth} items queued`
            : `backlog full (${depth} items): reading from devices is paused until it drains`,
        };
      },
    },
    {
      name: 'state',
      async check(): Promise<ReadinessReport> {
        const shared = d.shared;
        if (!shared) {
          const file = d.stateFile?.();
          return { ok: true, detail: `in-memory (single instance)${file ? `; ${file}` : ''}` };
        }
        try {
          await withTimeout(shared.ping(), PROBE_TIMEOUT_MS);
        } catch (err) {
          const reason = (err as Error).message || String(err);
          d.status.markDown('state', reason, 'holding device messages until it returns');
          return {
            ok: false,
            detail:
              `cannot reach Redis ${d.status.downFor('state')}: ${reason}. Person state and alert fan-out ` +
              `between instances are unavailable, so fixes are not evaluated; ${holding()}; nothing is lost.`,
            instanceId: shared.instanceId,
            firesTimers: false,
          };
        }
        d.status.markUp('state');
        return {
          ok: true,
          detail: `redis; this instance ${shared.firesTimers() ? 'fires' : 'does not fire'} the timers`,
          instanceId: shared.instanceId,
          firesTimers: shared.firesTimers(),
        };
      },
    },
  ];
}
