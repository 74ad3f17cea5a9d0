// The broker's own QoS 1 relay ceiling for bench/e2e.ts: the bench's publishers → Mosquitto → ONE
// do-nothing subscriber in its own process (relay-subscriber.ts: persistent MQTT v5 session, QoS 1 on
// the native telemetry filter, the service's receive maximum), no service. Rate = `count` messages
// at the subscriber over their time span, after a warm-up of `warm`. The subscriber's account must
// already exist in the broker (e2e writes it into the password file with the service's rights).
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchLog, type Cleanup, sleep } from './bench-common.js';
import type { PublisherPool } from './ingest-publishers.js';
import { CpuMeter, RssSampler } from './proc.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface RelayOptions {
  url: string;
  username: string;
  password: string;
  clientId: string;
  pool: PublisherPool;
  count: number;
  window: number;
  receiveMaximum: number;
  brokerPid: number | undefined;
  cleanup: Cleanup;
  log: BenchLog;
}

export interface RelayResult {
  perS: number;
  publisherAckPerS: number;
  cpu: Record<string, number | null>;
  rssPeak: Record<string, number | null>;
}

export async function measureRelay(o: RelayOptions): Promise<RelayResult> {
  const warm = Math.max(1000, Math.round(o.count / 10));
  const child = fork(join(here, 'relay-subscriber.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      RELAY_SUBSCRIBER_OPTIONS: JSON.stringify({
        url: o.url,
        username: o.username,
        password: o.password,
        clientId: o.clientId,
        topic: 'em/v1/devices/+/telemetry',
        warm,
        count: o.count,
        receiveMaximum: o.receiveMaximum,
      }),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const killChild = () => child.kill('SIGKILL');
  process.once('exit', killChild);
  void exited.then(() => process.removeListener('exit', killChild));
  o.cleanup.add('relay subscriber', async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  let received = 0;
  let done: { seconds: number } | undefined;
  let failure: string | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (msg: { type: string; received?: number; seconds?: number; message?: string }) => {
      if (msg.received !== undefined) received = msg.received;
      if (msg.type === 'ready') resolve();
      else if (msg.type === 'done') done = { seconds: msg.seconds ?? 0 };
      else if (msg.type === 'error') {
        failure = msg.message;
        reject(new Error(`relay subscriber: ${msg.message}`));
      }
    });
    child.once('exit', (code) => reject(new Error(`relay subscriber exited (${code}) before it was ready`)));
  });
  await Promise.race([
    ready,
    sleep(20_000).then(() => Promise.reject(new Error('relay subscriber not ready'))),
  ]);
  const pids = { mosquitto: o.brokerPid, subscriber: child.pid, bench: process.pid };
  const cpu = new CpuMeter(pids);
  const rss = new RssSampler(() => pids);
  const acked0 = o.pool.counters.acked;
  const t0 = performance.now();
  await o.pool.closedLoop(o.count + 2 * warm, o.window, () => done !== undefined || failure !== undefined);
  const pubSeconds = (performance.now() - t0) / 1000;
  const cpuUse = cpu.read();
  const rssPeak = rss.stop();
  const acked = o.pool.counters.acked - acked0;
  const stopped = new Promise<void>((r) =>
    child.on('message', (m: { type: string }) => m.type === 'stopped' && r()),
  );
  child.send({ type: 'stop', expected: acked });
  await Promise.race([stopped, sleep(15_000)]);
  await Promise.race([exited, sleep(5_000)]);
  if (failure) throw new Error(`relay subscriber: ${failure}`);
  if (!done) throw new Error(`relay subscriber received only ${received} of ${o.count + warm}`);
  o.log(
    `relay: ${o.count} in ${done.seconds.toFixed(2)} s at the subscriber = ${Math.round(o.count / done.seconds)}/s; ` +
      `cpu % ${JSON.stringify(cpuUse)}`,
  );
  return { perS: o.count / done.seconds, publisherAckPerS: acked / pubSeconds, cpu: cpuUse, rssPeak };
}
