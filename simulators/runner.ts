// Plays simulated devices against a service. Accelerated: the caller owns the service's clock; each
// step sets it, sends what every device produced up to then (awaiting the QoS 1 acknowledgements,
// i.e. the commits) and lets the service evaluate its timers at that instant. Real time: the same,
// paced by the wall clock, with the service's own timers.
import type { DeviceSim, Outbound } from './devices.js';
import type { DeviceLink } from './transport.js';

export interface RunStats {
  now: number;
  messages: number;
  failed: number;
  lastError: string | null;
}

export interface PlayOptions {
  readonly sims: readonly DeviceSim[];
  readonly links: ReadonlyMap<DeviceSim, DeviceLink>;
  /** Sent first in each step: a protected person's phone must be known before anyone is judged near it. */
  readonly first?: ReadonlySet<DeviceSim>;
  readonly onStep?: (stats: Readonly<RunStats>) => void;
}

async function sendAll(link: DeviceLink, messages: readonly Outbound[], stats: RunStats): Promise<void> {
  for (const m of messages) {
    try {
      await link.send(m);
      stats.messages++;
    } catch (err) {
      stats.failed++;
      stats.lastError = err instanceof Error ? err.message : String(err);
    }
  }
}

async function step(o: PlayOptions, now: number, stats: RunStats): Promise<void> {
  const batches = o.sims.map((sim) => [sim, sim.advance(now)] as const);
  const send = (sim: DeviceSim, messages: readonly Outbound[]) =>
    messages.length === 0 ? Promise.resolve() : sendAll(o.links.get(sim)!, messages, stats);
  if (o.first && o.first.size > 0) {
    await Promise.all(batches.filter(([sim]) => o.first!.has(sim)).map(([sim, m]) => send(sim, m)));
  }
  await Promise.all(batches.filter(([sim]) => !o.first?.has(sim)).map(([sim, m]) => send(sim, m)));
  stats.now = now;
}

export interface AcceleratedOptions extends PlayOptions {
  readonly from: number;
  readonly to: number;
  /** Simulated time per step; also the timer resolution (keep within 10–30 s). */
  readonly stepMs: number;
  setNow(now: number): void;
  tick(now: number): Promise<void>;
}

export async function playAccelerated(o: AcceleratedOptions): Promise<RunStats> {
  const stats: RunStats = { now: o.from, messages: 0, failed: 0, lastError: null };
  for (let now = o.from; now <= o.to; now += o.stepMs) {
    o.setNow(now);
    // The timer evaluation joins the step's first batch instead of costing a commit of its own.
    // It may see the state just before this step's fixes (all dated ≤ now): at most one step
    // earlier than a device would, far below every timeout.
    await Promise.all([step(o, now, stats), o.tick(now)]);
    o.onStep?.(stats);
  }
  return stats;
}

export interface RealtimeOptions extends PlayOptions {
  readonly until: number;
  readonly everyMs?: number;
  readonly signal?: AbortSignal;
}

export async function playRealtime(o: RealtimeOptions): Promise<RunStats> {
  const stats: RunStats = { now: Date.now(), messages: 0, failed: 0, lastError: null };
  const every = o.everyMs ?? 1_000;
  while (!o.signal?.aborted && Date.now() < o.until) {
    const started = Date.now();
    await step(o, started, stats);
    o.onStep?.(stats);
    const wait = every - (Date.now() - started);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  return stats;
}
