// Batches submissions across devices and runs one batch at a time, so fixes of a device are evaluated
// serially and in order, and decision state changes only after its batch commits. While one batch
// commits the next one fills: light load gets small, fast batches; heavy load gets large ones.
// Backpressure (issue 3 item 5): past `maxQueuedFixes`, submit() waits, so adapters stop acknowledging
// and stop reading instead of buffering without limit. A failed commit is retried, never dropped.
import type { Logger } from '../logger.js';
import { LeaseTimeoutError, StaleStateError } from './state-store.js';
import type { Submission, SubmissionOutcome } from './types.js';

export interface BatchRunner {
  /**
   * Runs every stage for these submissions; resolves with one outcome per submission after commit,
   * or null for a submission deferred to the next batch (its person was busy on another instance).
   */
  runBatch(submissions: readonly Submission[]): Promise<Array<SubmissionOutcome | null>>;
  /** Commits one submission the database refuses as a dead letter, so it cannot block the rest. */
  quarantine(submission: Submission, err: Error): Promise<SubmissionOutcome>;
}

/**
 * A failure that retrying the same data cannot cure: SQLSTATE class 22 (data exception), 23
 * (integrity constraint) or 54 (program limit). Anything else (connection lost, server restarting)
 * is transient and retried as it is.
 */
export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^(22|23|54)/.test(code);
}

interface Pending {
  submission: Submission;
  resolve(outcome: SubmissionOutcome): void;
  reject(err: Error): void;
}

export interface BatcherOptions {
  maxBatchFixes: number;
  maxQueuedFixes: number;
  retryDelaysMs: readonly number[];
  onQueueDepth?: (depth: number) => void;
  onRetry?: (err: Error, attempt: number) => void;
  /** After every committed batch: the database answers again (dependency status). */
  onCommitted?: () => void;
}

export const DEFAULT_BATCHER_OPTIONS: BatcherOptions = {
  maxBatchFixes: 2000,
  maxQueuedFixes: 50_000,
  retryDelaysMs: [50, 200, 500, 1000, 2000, 5000],
};

const weight = (s: Submission) => Math.max(1, s.fixes.length + s.events.length);

export class Batcher {
  private queue: Pending[] = [];
  private queuedFixes = 0;
  private running = false;
  private closed = false;
  private spaceWaiters: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly runner: BatchRunner,
    private readonly log: Logger,
    private readonly options: BatcherOptions = DEFAULT_BATCHER_OPTIONS,
  ) {}

  get depth(): number {
    return this.queuedFixes;
  }

  async submit(submission: Submission): Promise<SubmissionOutcome> {
    if (this.closed) throw new Error('pipeline is shutting down');
    while (this.queuedFixes >= this.options.maxQueuedFixes) {
      await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
      if (this.closed) throw new Error('pipeline is shutting down');
    }
    return new Promise<SubmissionOutcome>((resolve, reject) => {
      this.queue.push({ submission, resolve, reject });
      this.queuedFixes += weight(submission);
      this.options.onQueueDepth?.(this.queuedFixes);
      if (!this.running) void this.drain();
    });
  }

  /** Stops taking submissions and waits for everything queued to commit (graceful shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.spaceWaiters.splice(0)) wake();
    if (!this.running && this.queue.length === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private take(): Pending[] {
    const taken: Pending[] = [];
    let fixes = 0;
    while (
      this.queue.length > 0 &&
      (taken.length === 0 || fixes + weight(this.queue[0]!.submission) <= this.options.maxBatchFixes)
    ) {
      const next = this.queue.shift()!;
      fixes += weight(next.submission);
      taken.push(next);
    }
    return taken;
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const taken = this.take();
        const outcomes = await this.runWithRetry(taken.map((p) => p.submission));
        const deferred: Pending[] = [];
        for (const [i, p] of taken.entries()) {
          const outcome = outcomes[i];
          if (!outcome) {
            deferred.push(p);
            continue;
          }
          this.queuedFixes -= weight(p.submission);
          p.resolve(outcome);
        }
        this.options.onQueueDepth?.(this.queuedFixes);
        for (const wake of this.spaceWaiters.splice(0)) wake();
        if (deferred.length > 0) {
          // Deferred messages go first into the next batch, in their order (issue 8: their person
          // was busy on another instance). When nothing could run, give the holder a moment.
          this.queue.unshift(...deferred);
          if (deferred.length === taken.length)
            await new Promise((r) => setTimeout(r, 2 + Math.random() * 8));
        }
      }
    } finally {
      this.running = false;
      for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /**
   * One bad message must not hold every device back (a poison batch): halve the batch until the
   * message the database refuses stands alone, then quarantine it; the rest commits as usual.
   */
  private async isolate(
    submissions: readonly Submission[],
    err: Error,
  ): Promise<Array<SubmissionOutcome | null>> {
    if (submissions.length === 1) {
      this.log.warn({ err: err.message }, 'database refused a message; quarantined as a dead letter');
      return [await this.quarantineWithRetry(submissions[0]!, err)];
    }
    const half = Math.ceil(submissions.length / 2);
    return [
      ...(await this.runWithRetry(submissions.slice(0, half))),
      ...(await this.runWithRetry(submissions.slice(half))),
    ];
  }

  /**
   * The dead letter's commit is retried like any batch: a connection lost while isolating (an outage
   * beginning) threw out of the drain, leaving every message of the batch unanswered, never
   * acknowledged, and an unhandled rejection (a failed batch must lose nothing around it).
   */
  private async quarantineWithRetry(submission: Submission, refused: Error): Promise<SubmissionOutcome> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.runner.quarantine(submission, refused);
      } catch (err) {
        if (isDataError(err)) {
          // The dead letter itself refused: retrying cannot cure it, and holding it would stop every
          // device. The message is lost; said so at error level with what it was.
          this.log.error({ err, raw: submission.raw.slice(0, 4096) }, 'quarantine refused; message lost');
          return {
            accepted: 0,
            refused: Math.max(1, submission.fixes.length + submission.events.length),
            duplicates: 0,
          };
        }
        const delay = this.retryDelay(err as Error, attempt);
        if (attempt === 0 || attempt % 10 === 0) {
          this.log.error({ err, attempt, nextRetryMs: delay }, 'quarantine commit failed; retrying');
        }
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** The wait before retry `attempt` (the schedule's last delay repeats), reported to onRetry. */
  private retryDelay(err: Error, attempt: number): number {
    const delays = this.options.retryDelaysMs;
    this.options.onRetry?.(err, attempt);
    return delays[Math.min(attempt, delays.length - 1)]!;
  }

  private async runWithRetry(submissions: readonly Submission[]): Promise<Array<SubmissionOutcome | null>> {
    for (let attempt = 0; ; attempt++) {
      try {
        const outcomes = await this.runner.runBatch(submissions);
        this.options.onCommitted?.();
        return outcomes;
      } catch (err) {
        if (isDataError(err)) return this.isolate(submissions, err as Error);
        const delay = this.retryDelay(err as Error, attempt);
        if (err instanceof StaleStateError || err instanceof LeaseTimeoutError) {
          // Another instance holds or moved on these people's state (issue 8): evaluate again.
          this.log.warn({ err: (err as Error).message, attempt }, 'batch re-run on newer person state');
        } else if (attempt === 0 || attempt % 10 === 0) {
          this.log.error(
            { err, attempt, nextRetryMs: delay },
            'batch commit failed; holding the batch and retrying',
          );
        }
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}
