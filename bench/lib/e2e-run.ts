// One instance count of bench/e2e.ts: start the service fleet, open the consoles, warm the alerting
// people, ramp the offered fix rate step by step, refine, hold at the best rate, stop. Each step
// measures the age of the oldest offered-but-unstored fix, the drain after it, fix → console latency
// of the alerts sent during it, and CPU of every process; RSS peaks are sampled for the whole run.
import { OfferTimeline } from '../ingest.js';
import { benchLog, type Cleanup, sleep } from './bench-common.js';
import { M_PER_DEG_LAT, type SeededPerson } from './e2e-seed.js';
import { openConsoles, type ServiceFleet, startFleet } from './e2e-services.js';
import type { PublisherPool } from './ingest-publishers.js';
import type { LiveIncident } from './latency-console.js';
import { type AlertDevice, connectAlertDevices } from './latency-devices.js';
import { CpuMeter, RssSampler } from './proc.js';

const log = benchLog('e2e');

/** The shared trigger zone: a 600 m square 10 km north of the centre; warm-up fixes 300 m south of it. */
export const TRIGGER = { lat: 30.12 + 10_000 / M_PER_DEG_LAT, lon: 104.63, halfM: 300 };
const WARM = { lat: TRIGGER.lat - 600 / M_PER_DEG_LAT, lon: TRIGGER.lon };
const M_PER_DEG_LON = M_PER_DEG_LAT * Math.cos((TRIGGER.lat * Math.PI) / 180);

/** Nearest-rank quantile of sorted values; null when there are none. */
export function pct(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
export const r1 = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);

export interface StepResult {
  label: string;
  target: number;
  offeredPerS: number;
  seconds: number;
  maxLagS: number;
  drainS: number | null;
  ok: boolean;
  why: string;
  cpu: Record<string, number | null>;
  latencies: number[];
  missed: number;
}

export interface RunResult {
  instances: number;
  steps: StepResult[];
  good: StepResult | undefined;
  /** The last hold: the one that kept up, or the last attempt. */
  hold: StepResult | undefined;
  rssPeak: Record<string, number | null>;
  refusals: Record<string, number>;
  otherIncidentMessages: number;
  exitCodes: Array<number | null>;
  notes: string[];
}

export interface RunContext {
  pool: PublisherPool;
  alerting: SeededPerson[];
  fleetOptions: Omit<Parameters<typeof startFleet>[0], 'instances' | 'runTag'>;
  mosquittoPid: number | undefined;
  o: {
    seconds: number;
    start: number;
    factor: number;
    refine: number;
    maxRate: number;
    holdS: number;
    alertRate: number;
    alertsPerStep: number;
    timeoutS: number;
    maxLagS: number;
    graceS: number;
    rampBudgetS: number;
  };
  cleanup: Cleanup;
}

/** One instance count: start the fleet, warm the alerting people, ramp, hold, stop. */
export async function runInstances(instances: number, ctx: RunContext): Promise<RunResult> {
  const { pool, o } = ctx;
  const notes: string[] = [];
  const tag = `${instances}x`;
  const fleet: ServiceFleet = await startFleet({ ...ctx.fleetOptions, instances, runTag: tag });
  let stopped = false;
  ctx.cleanup.add(`${tag} services`, async () => {
    if (!stopped) await fleet.stop();
  });
  const servicePids = Object.fromEntries(fleet.procs.map((p, i) => [`service_${i + 1}`, p.child.pid]));
  log(`[${tag}] ${instances} service process(es) ready: ${fleet.procs.map((p) => p.httpUrl).join(', ')}`);

  // ---- consoles and alerting devices
  const sent = new Map<string, { sentAt: number; step: StepResult | null }>();
  const arrived = new Map<string, number>();
  let other = 0;
  const onIncident = (msg: LiveIncident, at: number) => {
    const person = msg.incident.supervisee_id;
    if (msg.action === 'opened' && msg.incident.kind === 'prohibition_entry' && person && sent.has(person)) {
      if (!arrived.has(person)) arrived.set(person, at);
    } else other++;
  };
  const consoles = await openConsoles(fleet, onIncident, (code, reason) =>
    notes.push(`[${tag}] a console was closed by the server: ${code} ${reason}`),
  );
  ctx.cleanup.add(`${tag} consoles`, () => Promise.all(consoles.map((c) => c.close())));
  const devices: AlertDevice[] = await connectAlertDevices(
    ctx.fleetOptions.mqttUrl,
    ctx.alerting.map((p) => ({ personId: p.personId, account: { id: p.deviceId, secret: p.secret } })),
  );
  ctx.cleanup.add(`${tag} alerting devices`, () => Promise.all(devices.map((d) => d.close())));
  // The baseline is read before the warm fixes: they are subtracted below as acknowledged, and a
  // baseline read after some of them were already accepted left the count short forever (the run
  // then waited for a fix that had long been stored, and every later step failed).
  const base = await fleet.poll();
  const warmAcks = await Promise.all(devices.map((d) => d.publish(WARM.lat, WARM.lon, 8).acked));
  const warmedAt = performance.now();
  const warmFailed = warmAcks.filter((t) => t === null).length;
  if (warmFailed) notes.push(`[${tag}] ${warmFailed} warm-up fixes not acknowledged`);
  let nextAlert = 0;
  let alertFixesAcked = warmAcks.length - warmFailed;

  // ---- steps
  const timeline = new OfferTimeline();
  const issued0 = pool.counters.issued;
  const offered = () => pool.counters.issued - issued0;
  let accepted = base.accepted;
  let refusals = base.refusals;
  const stored = () => accepted - base.accepted - alertFixesAcked;
  const poll = async () => {
    const r = await fleet.poll();
    accepted = r.accepted;
    refusals = r.refusals;
  };
  let dbPidsNow: number[] = await fleet.dbPids().catch(() => []);
  const rss = new RssSampler(() => ({
    ...servicePids,
    mosquitto: ctx.mosquittoPid,
    db_backends: dbPidsNow,
    bench: process.pid,
  }));

  const runStep = async (label: string, rate: number, seconds: number, alertsPerS: number) => {
    await poll();
    dbPidsNow = await fleet.dbPids().catch(() => dbPidsNow);
    const cpu = new CpuMeter({
      ...servicePids,
      mosquitto: ctx.mosquittoPid,
      db_backends: dbPidsNow,
      bench: process.pid,
    });
    const step: StepResult = {
      label,
      target: rate,
      offeredPerS: 0,
      seconds: 0,
      maxLagS: 0,
      drainS: null,
      ok: false,
      why: '',
      cpu: {},
      latencies: [],
      missed: 0,
    };
    let polling = true;
    let lastLog = performance.now();
    const failedBefore = pool.counters.failed;
    const poller = (async () => {
      while (polling) {
        const tSend = performance.now();
        await poll().catch(() => {});
        const lag = timeline.lagS((tSend + performance.now()) / 2, stored(), offered());
        if (lag > step.maxLagS) step.maxLagS = lag;
        if (performance.now() - lastLog > 2500) {
          lastLog = performance.now();
          log(
            `  [${tag}] ${label} ${rate}/s: offered ${offered()}, stored ${stored()}, unacknowledged ${pool.inFlight}, lag ${lag.toFixed(2)} s`,
          );
        }
        await sleep(200);
      }
    })();
    // Alerts spread evenly over the step, each from a person not used before.
    let alertsDone = false;
    const alerts = (async () => {
      const total = Math.round(alertsPerS * seconds);
      const t0 = performance.now();
      for (let k = 0; k < total && nextAlert < devices.length; k++) {
        const due = t0 + ((k + 0.5) * seconds * 1000) / total;
        if (due > performance.now()) await sleep(due - performance.now());
        if (alertsDone) break;
        const d = devices[nextAlert++]!;
        const lat = TRIGGER.lat + ((Math.random() - 0.5) * 200) / M_PER_DEG_LAT;
        const lon = TRIGGER.lon + ((Math.random() - 0.5) * 200) / M_PER_DEG_LON;
        const p = d.publish(lat, lon, 5);
        sent.set(d.personId, { sentAt: p.sentAt, step });
        void p.acked.then((t) => {
          if (t !== null) alertFixesAcked++;
        });
      }
    })();
    const run = await pool.openLoop(rate, seconds, rate * 3, (now) => {
      timeline.record(now, offered());
      return step.maxLagS > o.maxLagS;
    });
    alertsDone = true;
    await alerts;
    const stepOffered = offered();
    const g0 = performance.now();
    while ((performance.now() - g0) / 1000 <= o.graceS) {
      if (stored() >= stepOffered - (pool.counters.failed - failedBefore)) {
        step.drainS = (performance.now() - g0) / 1000;
        break;
      }
      await sleep(50);
    }
    polling = false;
    await poller;
    step.cpu = cpu.read();
    step.seconds = run.seconds;
    step.offeredPerS = run.issued / run.seconds;
    step.ok = true;
    step.why = 'kept up';
    if (run.aborted || step.maxLagS > o.maxLagS) {
      step.ok = false;
      step.why = `lag ${step.maxLagS.toFixed(1)} s > ${o.maxLagS} s`;
    } else if (step.drainS === null) {
      step.ok = false;
      step.why = `not all stored within ${o.graceS} s after the step`;
    } else if (step.offeredPerS < 0.95 * rate) {
      step.ok = false;
      step.why = `offered only ${Math.round(step.offeredPerS)}/s (publishers or broker limit)`;
    }
    // Drain everything (and let the step's alerts arrive) before the next step.
    const d0 = performance.now();
    for (;;) {
      await poll();
      if (pool.inFlight === 0 && stored() >= offered() - (pool.counters.failed - failedBefore)) break;
      if (performance.now() - d0 > 120_000) {
        step.ok = false;
        step.why += '; backlog not drained in 120 s';
        break;
      }
      await sleep(100);
    }
    const mine = [...sent.entries()].filter(([, s]) => s.step === step);
    const alertDeadline = performance.now() + o.timeoutS * 1000;
    while (mine.some(([p]) => !arrived.has(p)) && performance.now() < alertDeadline) await sleep(20);
    for (const [person, s] of mine) {
      const at = arrived.get(person);
      if (at === undefined || at - s.sentAt > o.timeoutS * 1000) step.missed++;
      else step.latencies.push(at - s.sentAt);
    }
    step.latencies.sort((a, b) => a - b);
    log(
      `[${tag}] ${label} ${rate}/s: offered ${Math.round(step.offeredPerS)}/s, max lag ${step.maxLagS.toFixed(2)} s: ` +
        `${step.ok ? 'OK' : `FAIL (${step.why})`}; alerts ${step.latencies.length} (missed ${step.missed}) ` +
        `p50 ${r1(pct(step.latencies, 0.5))} ms p99 ${r1(pct(step.latencies, 0.99))} ms; cpu % ${JSON.stringify(step.cpu)}`,
    );
    return step;
  };

  // Warm-up (not a step): JIT, pools, the outlier filter's plausible-speed gap after the warm fixes.
  await runStep('warm-up', Math.min(500, o.start), 3, 0);
  const gap = 10_000 - (performance.now() - warmedAt);
  if (gap > 0) await sleep(gap);

  const steps: StepResult[] = [];
  let good: StepResult | undefined;
  let bad: StepResult | undefined;
  let rate = o.start;
  const round = (r: number) => (r >= 1000 ? Math.round(r / 100) * 100 : Math.round(r / 10) * 10);
  const deadline = Date.now() + o.rampBudgetS * 1000;
  const outOfTime = () => Date.now() > deadline;
  for (;;) {
    const r = await runStep('step', rate, o.seconds, o.alertsPerStep / o.seconds);
    steps.push(r);
    if (r.ok) {
      good = r;
      const nextRate = round(rate * o.factor);
      if (nextRate > o.maxRate) break;
      rate = nextRate;
    } else {
      bad = r;
      if (good || steps.length >= 4) break;
      rate = round(rate / 2);
    }
    if (r.why.includes('not drained')) break;
    if (outOfTime()) {
      notes.push(`[${tag}] ramp stopped by --ramp-budget-s`);
      break;
    }
  }
  for (let i = 0; i < o.refine && good && bad && !outOfTime(); i++) {
    const mid = round((good.target + bad.target) / 2);
    if (mid <= good.target || mid >= bad.target) break;
    const r = await runStep('refine', mid, o.seconds, o.alertsPerStep / o.seconds);
    steps.push(r);
    if (r.ok) good = r;
    else bad = r;
  }
  // The hold confirms the rate for longer; a hold that falls behind is retried 25% lower, twice.
  let hold: StepResult | undefined;
  let holdRate = good?.target;
  for (let attempt = 0; holdRate !== undefined && attempt < 3; attempt++) {
    hold = await runStep('hold', holdRate, o.holdS, o.alertRate);
    if (hold.ok) break;
    notes.push(`[${tag}] the hold at ${holdRate}/s did not keep up (${hold.why})`);
    holdRate = round(holdRate * 0.75);
  }
  const rssPeak = rss.stop();
  await poll();
  stopped = true;
  await Promise.all(consoles.map((c) => c.close()));
  await Promise.all(devices.map((d) => d.close()));
  const exitCodes = await fleet.stop();
  if (exitCodes.some((c) => c !== 0)) notes.push(`[${tag}] service exit codes ${JSON.stringify(exitCodes)}`);
  return { instances, steps, good, hold, rssPeak, refusals, otherIncidentMessages: other, exitCodes, notes };
}
