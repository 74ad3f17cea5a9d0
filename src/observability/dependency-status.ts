// Up or down, since when, and why, for each dependency the service cannot work without (issue 10
// item 4: each failure shows in logs, in /metrics and in /readyz with a message a person on call
// understands). Fed by what the service observes anyway (a failed commit, a lost broker
// connection, a failed readiness probe), so an outage is noticed without anyone polling /readyz.
// One log line when a dependency goes down and one when it returns, never one per retry.
import type { Logger } from '../logger.js';
import type { Metrics } from './metrics.js';

export type Dependency = 'database' | 'broker' | 'state';

interface Down {
  readonly since: number;
  reason: string;
}

export interface DependencyReport {
  readonly up: boolean;
  /** When it went down (ms since epoch); null while up. */
  readonly since: number | null;
  readonly reason: string | null;
}

export class DependencyStatus {
  private readonly down = new Map<Dependency, Down>();

  constructor(
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Records a failure; `consequence` says what the service does meanwhile (logged once, at the transition). */
  markDown(dependency: Dependency, reason: string, consequence: string): void {
    const current = this.down.get(dependency);
    if (current) {
      current.reason = reason;
      return;
    }
    this.down.set(dependency, { since: this.clock(), reason });
    this.metrics.dependencyUp.set({ dependency }, 0);
    this.metrics.dependencyOutages.inc({ dependency });
    this.log.error({ dependency, reason }, `${dependency} unreachable: ${reason}; ${consequence}`);
  }

  markUp(dependency: Dependency): void {
    const was = this.down.get(dependency);
    this.metrics.dependencyUp.set({ dependency }, 1);
    if (!was) return;
    this.down.delete(dependency);
    const seconds = (this.clock() - was.since) / 1000;
    this.metrics.dependencyDowntime.inc({ dependency }, seconds);
    this.log.warn(
      { dependency, downSeconds: Math.round(seconds) },
      `${dependency} reachable again after ${Math.round(seconds)} s`,
    );
  }

  report(dependency: Dependency): DependencyReport {
    const d = this.down.get(dependency);
    return d ? { up: false, since: d.since, reason: d.reason } : { up: true, since: null, reason: null };
  }

  /** "since 04:31:10 UTC (41 s)" for a dependency that is down. */
  downFor(dependency: Dependency): string {
    const d = this.down.get(dependency);
    if (!d) return '';
    const seconds = Math.round((this.clock() - d.since) / 1000);
    return `since ${new Date(d.since).toISOString().slice(11, 19)} UTC (${seconds} s)`;
  }
}
