// Which people a clock tick evaluates (issue 4: timers; issue 8: a tick must not lease the whole
// caseload). Each evaluation writes the person's next due time with their state
// (src/domain/rules/clock-due.ts, PersonStateStore.due); a tick takes those whose time has come,
// earliest first, at most `perTick` of them, so a backlog drains over a few ticks instead of one
// tick leasing 100,000 people while the other instances wait.
//
// A person with no due time yet, or whose timers a directory reload changed (new orders, permits,
// curfew, level), is swept: queued for one evaluation, taken a slice per tick beside the due people.
// Everybody is swept when the schedule first runs and when this instance becomes the timer holder;
// after a reload only the people whose timer inputs changed (instances reload the directory every
// minute as a safety net, and that must not re-evaluate 100,000 people each time).
import type { Directory, DirectorySnapshot } from '../directory/directory.js';
import { clockInputsKey } from '../domain/rules/clock-due.js';
import type { PersonStateStore } from './state-store.js';

export interface TimerScheduleOptions {
  /** Most people one tick evaluates (due ones first, then the sweep). */
  readonly perTick: number;
}

export const DEFAULT_TIMER_SCHEDULE: TimerScheduleOptions = { perTick: 5000 };

export class TimerSchedule {
  private sweep: string[] = [];
  private sweepAt = 0;
  private seen: DirectorySnapshot | null = null;

  constructor(
    private readonly directory: Directory,
    private readonly store: PersonStateStore,
    private readonly options: TimerScheduleOptions = DEFAULT_TIMER_SCHEDULE,
  ) {}

  /** Queues everybody for one evaluation (this instance just became the timer holder, say). */
  sweepAll(): void {
    this.seen = this.directory.current;
    this.sweep = [...this.seen.persons.keys()];
    this.sweepAt = 0;
  }

  /** People still waiting for their sweep evaluation (a gauge for operators). */
  get sweeping(): number {
    return this.sweep.length - this.sweepAt;
  }

  /** Queues the people whose timer inputs differ between the snapshot last seen and the current one. */
  private sweepChanged(): void {
    const before = this.seen;
    const now = this.directory.current;
    this.seen = now;
    if (!before) {
      this.sweepAll();
      return;
    }
    const queued = new Set(this.sweep.slice(this.sweepAt));
    for (const person of now.persons.values()) {
      const old = before.persons.get(person.id);
      if (old && clockInputsKey(old.context) === clockInputsKey(person.context)) continue;
      queued.add(person.id);
    }
    this.sweep = [...queued];
    this.sweepAt = 0;
  }

  /** The people the tick at `now` evaluates. */
  async peopleFor(now: number): Promise<string[]> {
    if (this.directory.current !== this.seen) this.sweepChanged();
    const due = await this.store.due(now, this.options.perTick);
    const known = due.filter((id) => this.directory.person(id) !== undefined);
    // Due times of people who left the directory would come back on every tick.
    if (known.length < due.length) {
      await this.store.forgetDue(due.filter((id) => this.directory.person(id) === undefined));
    }
    const room = Math.max(0, this.options.perTick - known.length);
    const swept = this.sweep.slice(this.sweepAt, this.sweepAt + room);
    this.sweepAt += swept.length;
    if (this.sweepAt >= this.sweep.length) {
      this.sweep = [];
      this.sweepAt = 0;
    }
    return swept.length === 0 ? known : [...new Set([...known, ...swept])];
  }
}
