// `npm run simulate -- --devices 10000 --rate 1/min --scenario mix --url http://127.0.0.1:8080
//   --mqtt mqtt://127.0.0.1:1883 [--osmand http://127.0.0.1:5055] [--minutes 10] [--seed s]
//   [--username admin] [--password …]` against a RUNNING service: provisions people, devices, orders
// and zones through the REST API, then plays them in real time and prints progress and a summary.
// Password: --password, else SIM_ADMIN_PASSWORD, else ADMIN_INITIAL_PASSWORD.
import { parseArgs } from 'node:util';
import { DeviceSim } from './devices.js';
import { provisionAll, provisionWorld } from './provision.js';
import { api, login, restProvisioner } from './rest-provisioner.js';
import { DAY, localMidnight } from './routine.js';
import { playRealtime } from './runner.js';
import { population } from './scenarios/index.js';
import { connectAll } from './transport.js';
import { EXCLUSION_SITES, exclusionZone } from './world.js';

function parseRate(rate: string): number {
  const m = /^(\d+(?:\.\d+)?)\/(s|sec|min|h)$/.exec(rate);
  if (!m) throw new Error(`--rate ${rate}: expected like 1/min, 4/min, 1/s`);
  const per = { s: 1_000, sec: 1_000, min: 60_000, h: 3_600_000 }[m[2] as 's' | 'sec' | 'min' | 'h'];
  return per / Number(m[1]);
}

async function main(): Promise<void> {
  const { values: a } = parseArgs({
    options: {
      devices: { type: 'string', default: '100' },
      rate: { type: 'string' },
      scenario: { type: 'string', default: 'mix' },
      url: { type: 'string', default: 'http://127.0.0.1:8080' },
      mqtt: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
      osmand: { type: 'string', default: 'http://127.0.0.1:5055' },
      minutes: { type: 'string', default: '10' },
      seed: { type: 'string', default: 'simulate-1' },
      username: { type: 'string', default: 'admin' },
      password: { type: 'string' },
      concurrency: { type: 'string', default: '1' },
    },
  });
  const password = a.password ?? process.env.SIM_ADMIN_PASSWORD ?? process.env.ADMIN_INITIAL_PASSWORD;
  if (!password) throw new Error('admin password: --password, SIM_ADMIN_PASSWORD or ADMIN_INITIAL_PASSWORD');
  const wantedDevices = Number(a.devices);
  const now = Date.now();
  const session = await login(a.url!, a.username!, password);
  const provisioner = restProvisioner(session);
  await provisionWorld(provisioner);

  // People carry ~1.2 devices on average; ask for enough and stop at the wanted device count.
  const scenarios = population({
    seed: a.seed!,
    persons: Math.ceil(wantedDevices / 1.2),
    start: localMidnight(now),
    days: 2,
    scenario: a.scenario!,
  });
  let devices = 0;
  const chosen = scenarios.filter((s) => {
    if (devices >= wantedDevices) return false;
    devices += s.persons.reduce((n, p) => n + p.devices.length, 0) + s.otherDevices.length;
    return true;
  });
  console.log(
    `provisioning ${chosen.length} scenario instances (${devices} devices) through ${a.url}/api/v1 …`,
  );
  const t0 = Date.now();
  const provisioned = await provisionAll(provisioner, chosen, Number(a.concurrency), (n) => {
    if (n % 50 === 0 || n === chosen.length) console.log(`  provisioned ${n}/${chosen.length}`);
  });
  // No assignment endpoint: each exclusion site is created once per 1,000 people it applies to.
  for (const [siteId, personIds] of provisioner.pendingAssignments) {
    const site = EXCLUSION_SITES.find((s) => s.id === siteId)!;
    for (let i = 0; i < personIds.length; i += 1_000) {
      await provisioner.createZone({ ...exclusionZone(site), assignTo: personIds.slice(i, i + 1_000) });
    }
  }
  console.log(`provisioned in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const sims = provisioned.flatMap((p) => p.devices.map((d) => new DeviceSim(d.spec, d.identity)));
  const interval = a.rate ? parseRate(a.rate) : null;
  for (const sim of sims) {
    if (interval) sim.fixInterval(interval);
    sim.startAt(Date.now());
  }
  const links = await connectAll(
    sims,
    { mqttUrl: a.mqtt!, osmandUrl: a.osmand!, reconnect: true },
    50,
    (n) => {
      if (n % 500 === 0) console.log(`  connected ${n}/${sims.length}`);
    },
  );
  const minutes = Number(a.minutes);
  console.log(`playing ${sims.length} devices in real time for ${minutes} min (Ctrl-C stops early)`);
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  let lastPrint = 0;
  let lastMessages = 0;
  const started = Date.now();
  const stats = await playRealtime({
    sims,
    links,
    first: new Set(sims.filter((s) => s.spec.personKey === null)),
    until: started + minutes * 60_000,
    signal: abort.signal,
    onStep: (s) => {
      if (Date.now() - lastPrint < 5_000) return;
      const rate = (s.messages - lastMessages) / ((Date.now() - (lastPrint || started)) / 1000);
      lastPrint = Date.now();
      lastMessages = s.messages;
      console.log(
        `  ${((lastPrint - started) / 1000).toFixed(0)} s: ${s.messages} sent (${rate.toFixed(0)}/s), ${s.failed} failed${s.lastError ? ` (last: ${s.lastError})` : ''}`,
      );
    },
  });
  await Promise.all([...links.values()].map((l) => l.close()));
  const incidents = await api<{ items?: { kind: string }[] }>(session, 'GET', '/incidents?limit=200').catch(
    () => ({
      items: [],
    }),
  );
  const byKind: Record<string, number> = {};
  for (const i of incidents.items ?? []) byKind[i.kind] = (byKind[i.kind] ?? 0) + 1;
  const expected = provisioned.flatMap((p) => p.instance.expected).filter((e) => e.trueStart < Date.now());
  console.log('\nsummary');
  console.log(`  devices ${sims.length}, people ${provisioned.reduce((n, p) => n + p.personIds.size, 0)}`);
  console.log(
    `  messages sent ${stats.messages}, failed ${stats.failed}, ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  console.log(`  violations scripted so far ${expected.length}; incidents visible to ${a.username}:`, byKind);
  console.log(
    `  scenario days start ${new Date(localMidnight(now)).toISOString()} (+${(2 * DAY) / 3_600_000} h)`,
  );
  process.exit(stats.failed > 0 ? 1 : 0);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
