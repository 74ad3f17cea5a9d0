// Runs scenario instances through the REAL service in-process with an accelerated clock: provision,
// connect every device over MQTT / HTTP, play the timelines, then read the incidents it opened.

import type { AlertKind } from '../../../schemas/enums.js';
import { DeviceSim } from '../../../simulators/devices.js';
import { type ProvisionedScenario, provisionAll, provisionWorld } from '../../../simulators/provision.js';
import { playAccelerated, type RunStats } from '../../../simulators/runner.js';
import type { ScenarioInstance } from '../../../simulators/scenario.js';
import type { ObservedIncident } from '../../../simulators/score.js';
import { connectAll } from '../../../simulators/transport.js';
import { startTestService, type TestService } from '../../support/service.js';
import { inProcessProvisioner } from './in-process.js';

export interface HarnessOptions {
  /** Simulated time per step (and timer tick). */
  readonly stepMs: number;
  readonly env?: Record<string, string>;
  readonly onProgress?: (phase: string, detail: string) => void;
}

export interface HarnessResult {
  readonly provisioned: readonly ProvisionedScenario[];
  readonly observed: readonly ObservedIncident[];
  readonly stats: RunStats;
  readonly timings: { provisionMs: number; connectMs: number; playMs: number; tickMs: number };
}

export async function readIncidents(svc: TestService): Promise<ObservedIncident[]> {
  const res = await svc.db.pool.query<{
    id: string;
    supervisee_id: string;
    kind: AlertKind;
    started_at: Date;
    opened_at: Date;
  }>('select id, supervisee_id, kind, started_at, opened_at from incidents order by id');
  return res.rows.map((r) => ({
    id: r.id,
    superviseeId: r.supervisee_id,
    kind: r.kind,
    startedAt: r.started_at.getTime(),
    openedAt: r.opened_at.getTime(),
  }));
}

export async function runInProcess(
  scenarios: readonly ScenarioInstance[],
  o: HarnessOptions,
): Promise<HarnessResult & { svc: TestService }> {
  const from = Math.min(...scenarios.map((s) => s.start));
  const to = Math.max(...scenarios.map((s) => s.end));
  let now = from;
  const svc = await startTestService(o.env ?? {}, { clock: () => now });
  try {
    const t0 = performance.now();
    const provisioner = inProcessProvisioner(svc);
    await provisionWorld(provisioner);
    const provisioned = await provisionAll(provisioner, scenarios, 8, (n) =>
      o.onProgress?.('provision', `${n}/${scenarios.length}`),
    );
    const t1 = performance.now();
    const sims = provisioned.flatMap((p) => p.devices.map((d) => new DeviceSim(d.spec, d.identity)));
    const links = await connectAll(sims, { mqttUrl: svc.mqttUrl, osmandUrl: svc.osmandUrl }, 50);
    const t2 = performance.now();
    const first = new Set(sims.filter((s) => s.spec.personKey === null));
    let lastReport = 0;
    let tickMs = 0;
    const stats = await playAccelerated({
      sims,
      links,
      first,
      from,
      to,
      stepMs: o.stepMs,
      setNow: (t) => {
        now = t;
      },
      tick: async (t) => {
        const started = performance.now();
        await svc.tick(t);
        tickMs += performance.now() - started;
      },
      onStep: (s) => {
        if (s.now - lastReport >= 3_600_000) {
          lastReport = s.now;
          o.onProgress?.(
            'play',
            `${new Date(s.now).toISOString()} messages=${s.messages} failed=${s.failed}`,
          );
        }
      },
    });
    const t3 = performance.now();
    await Promise.all([...links.values()].map((l) => l.close()));
    const observed = await readIncidents(svc);
    return {
      svc,
      provisioned,
      observed,
      stats,
      timings: { provisionMs: t1 - t0, connectMs: t2 - t1, playMs: t3 - t2, tickMs },
    };
  } catch (err) {
    await svc.cleanup();
    throw err;
  }
}
