// Broker targets for ingest suites: the embedded Aedes broker always; a real Mosquitto with
// authentication on (started by the test) when the binary is there. In CI a missing Mosquitto fails.
import { existsSync } from 'node:fs';
import type { TestService } from './service.js';
import { startTestService } from './service.js';

export interface BrokerTarget {
  readonly name: 'embedded' | 'mosquitto';
  /** Starts the service wired to this broker; `deviceUrl` is where devices connect. */
  start(
    env?: Record<string, string>,
  ): Promise<{ svc: TestService; deviceUrl: string; stop(): Promise<void> }>;
}

const embedded: BrokerTarget = {
  name: 'embedded',
  async start(env = {}) {
    const svc = await startTestService(env);
    return { svc, deviceUrl: svc.mqttUrl, stop: () => svc.cleanup() };
  },
};

export async function brokerTargets(): Promise<BrokerTarget[]> {
  const targets: BrokerTarget[] = [embedded];
  const bin = process.env.TEST_MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';
  if (!existsSync(bin)) {
    if (process.env.CI === 'true') throw new Error(`CI: Mosquitto not found at ${bin}`);
    console.warn(`[skipped] mosquitto suites: no ${bin}`);
    return targets;
  }
  const { mosquittoTarget } = await import('./mosquitto-target.js');
  targets.push(mosquittoTarget);
  return targets;
}
