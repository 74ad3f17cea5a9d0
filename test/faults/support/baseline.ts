// The undisturbed run a fault run is compared with: the same seeded fleet (same seed, same size,
// same interval) through a fresh service on embedded defaults, every message sent in order with
// nothing going wrong. Incident times are compared relative to the fleet's start, so the baseline
// may run at any time (here: entirely in the past, all at once).
import { provisionWorld } from '../../../simulators/provision.js';
import { connectAll } from '../../../simulators/transport.js';
import { inProcessProvisioner } from '../../scenarios/support/in-process.js';
import { startTestService } from '../../support/service.js';
import { buildFleet, type FleetOptions, fleetDevices, provisionFleet } from './fleet.js';
import { incidentSignature } from './rig.js';

/**
 * Starts the undisturbed run at once (it is independent of the fault run's clock) so that it
 * overlaps the fault run; the returned promise never rejects unobserved.
 */
export function startBaseline(options: Omit<FleetOptions, 'start'>): () => Promise<string[]> {
  const running = baselineIncidents(options);
  running.catch(() => {});
  return () => running;
}

export async function baselineIncidents(options: Omit<FleetOptions, 'start'>): Promise<string[]> {
  // A generous flood guard: the whole run arrives at once here, which the guard would throttle.
  const svc = await startTestService({ DEVICE_BURST: '100000', DEVICE_MSGS_PER_S: '100000' });
  try {
    const start = Date.now() - options.durationMs - 120_000;
    const fleet = buildFleet({ ...options, start });
    const provisioner = inProcessProvisioner(svc);
    await provisionWorld(provisioner);
    const provisioned = await provisionFleet(provisioner, fleet);
    const sims = fleetDevices(fleet, provisioned);
    const links = await connectAll(sims, { mqttUrl: svc.mqttUrl, osmandUrl: svc.osmandUrl }, 20);
    await Promise.all(
      sims.map(async (sim) => {
        const link = links.get(sim)!;
        // With the embedded broker an acknowledged publish is a committed one (ARCHITECTURE.md).
        for (const m of sim.advance(fleet.instance.end)) await link.send(m);
      }),
    );
    await Promise.all([...links.values()].map((l) => l.close()));
    return await incidentSignature(svc.db.pool, provisioned, start);
  } finally {
    await svc.cleanup();
  }
}
