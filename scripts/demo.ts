// `npm run demo`: the service on its embedded defaults (PGlite, in-process broker) with a few hundred
// simulated people playing in REAL time: mostly ordinary days, plus violations scripted to begin a
// few minutes after start (county exit, exclusion zone, protected person, tamper, lost contact…), so
// the console shows live incidents. Data lives in DATA_DIR (default ./data/demo); on a later start the
// same people continue (device secrets are rotated: they are stored only as hashes) and a fresh set
// of violations is scripted. Options: --people 300.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ORDINARY, SHIFTABLE, shiftedViolation } from '../simulators/demo-population.js';
import { DeviceSim } from '../simulators/devices.js';
import { type ProvisionedDevice, provisionAll, provisionWorld } from '../simulators/provision.js';
import { DAY, localMidnight, MINUTE } from '../simulators/routine.js';
import { playRealtime } from '../simulators/runner.js';
import { population } from '../simulators/scenarios/index.js';
import { connectAll } from '../simulators/transport.js';
import { rotateDeviceSecret } from '../src/admin/devices.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startService } from '../src/service.js';
import { inProcessProvisioner } from '../test/scenarios/support/in-process.js';

const STATE_FILE = 'demo-state.json';
function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

/** A violating instance whose violation begins `leadMs` from now: its day is started earlier. */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { people: { type: 'string', default: '300' } } });
  const env = {
    ...process.env,
    DATA_DIR: process.env.DATA_DIR ?? './data/demo',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  let config = loadConfig(env);
  // A busy port (another broker on 1883, a service on 8080) gets a free one; the addresses are printed.
  for (const [key, host] of [
    ['MQTT_LISTEN_PORT', config.MQTT_LISTEN_HOST],
    ['PORT', config.HOST],
    ['OSMAND_PORT', config.OSMAND_HOST],
  ] as const) {
    if (config[key] !== 0 && !(await portFree(host, config[key]))) {
      console.log(`${key} ${config[key]} is busy: using a free port instead (printed below).`);
      config = { ...config, [key]: 0 };
    }
  }
  const svc = await startService(config, createLogger(config));
  const now = Date.now();
  const seed = `demo-${new Date(now).toISOString().slice(0, 16)}`;
  const provisioner = inProcessProvisioner(svc);
  await provisionWorld(provisioner);
  const statePath = join(config.DATA_DIR, STATE_FILE);
  const devices: ProvisionedDevice[] = [];
  const people = Number(values.people);
  if (existsSync(statePath)) {
    // Same people as before: rebuild their plans from the saved seed and issue new device secrets.
    const state = JSON.parse(readFileSync(statePath, 'utf8')) as {
      seed: string;
      start: number;
      people: number;
      ids: Record<string, string>;
    };
    const ordinary = population({
      seed: state.seed,
      persons: state.people,
      start: state.start,
      days: 30,
      scenario: 'mix',
      weights: ORDINARY,
    });
    for (const spec of ordinary.flatMap((s) => s.persons.flatMap((p) => p.devices))) {
      const id = state.ids[spec.key];
      if (id) devices.push({ spec, identity: await rotateDeviceSecret(svc.admin, id) });
    }
    console.log(`continuing ${devices.length} ordinary devices from the first start`);
  } else {
    const start = localMidnight(now);
    const ordinary = population({
      seed,
      persons: people,
      start,
      days: 30,
      scenario: 'mix',
      weights: ORDINARY,
    });
    console.log(`provisioning ${people} ordinary people …`);
    const done = await provisionAll(provisioner, ordinary, 8);
    const ids: Record<string, string> = {};
    for (const d of done.flatMap((p) => p.devices)) {
      devices.push(d);
      ids[d.spec.key] = d.identity.id;
    }
    writeFileSync(statePath, JSON.stringify({ seed, start, people, ids }));
  }
  const violations = SHIFTABLE.map((_, i) => shiftedViolation(i, now, (2 + i) * MINUTE, seed));
  const scripted = await provisionAll(provisioner, violations, 4);
  devices.push(...scripted.flatMap((p) => p.devices));

  const sims = devices.map((d) => new DeviceSim(d.spec, d.identity));
  for (const sim of sims) sim.startAt(Date.now());
  const links = await connectAll(sims, { mqttUrl: svc.mqttUrl, osmandUrl: svc.osmandUrl, reconnect: true });
  console.log('');
  console.log(`console:  ${svc.httpUrl}/`);
  console.log(`MQTT:     ${svc.mqttUrl}   OsmAnd: ${svc.osmandUrl}`);
  if (svc.seed.adminPassword)
    console.log(`login:    ${svc.seed.adminUsername} / ${svc.seed.adminPassword}   (shown once)`);
  else console.log('login:    admin, with the password shown at the first start (or ADMIN_INITIAL_PASSWORD)');
  console.log(
    `playing ${sims.length} devices in real time; violations begin in 2–${1 + SHIFTABLE.length} min:`,
  );
  for (const v of violations) {
    for (const e of v.expected)
      console.log(`  ${new Date(e.trueStart).toLocaleTimeString()}  ${e.kind} (${v.name})`);
  }
  console.log('Ctrl-C stops.');
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  process.once('SIGTERM', () => abort.abort());
  await playRealtime({
    sims,
    links,
    until: now + DAY,
    signal: abort.signal,
    first: new Set(sims.filter((s) => s.spec.personKey === null)),
  });
  await Promise.all([...links.values()].map((l) => l.close()));
  await svc.stop();
  process.exit(0);
}

await main();
