// How simulated devices reach a service: MQTT (native contract and OwnTracks, one connection per
// device, logged in as itself) and OsmAnd over HTTP. QoS 1 everywhere: the broker acknowledges only
// after the service committed the fix (ARCHITECTURE.md), so an awaited publish means "stored".
import mqtt, { type MqttClient } from 'mqtt';
import { DeviceConfig } from '../schemas/wire/config.js';
import { nativeTopic } from '../schemas/wire/topics.js';
import type { DeviceSim, Outbound } from './devices.js';

export interface DeviceLink {
  send(message: Outbound): Promise<void>;
  close(): Promise<void>;
}

export interface Endpoints {
  readonly mqttUrl: string;
  readonly osmandUrl: string;
  /** Reconnect after a broken connection (a long-running CLI); tests fail fast instead. */
  readonly reconnect?: boolean;
  readonly publishTimeoutMs?: number;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function mqttLink(sim: DeviceSim, e: Endpoints): Promise<DeviceLink> {
  // Without reconnects, allowRetries must be false: MQTT.js otherwise settles connectAsync only on
  // CONNACK, 'end' or 'error', and a connection the broker closes before its CONNACK (a service
  // stopping or killed mid-handshake) emits none of them, so the simulator would wait for ever.
  const client: MqttClient = await mqtt.connectAsync(
    e.mqttUrl,
    {
      clientId: `sim-${sim.id}`,
      username: sim.id,
      password: sim.identity.secret,
      clean: true,
      reconnectPeriod: e.reconnect ? 2_000 : 0,
      connectTimeout: 10_000,
    },
    e.reconnect === true,
  );
  if (sim.spec.protocol === 'native') {
    const topic = nativeTopic(sim.id, 'config');
    // Retained ([MQTT-3.3.1-6]): the current reporting rule arrives as soon as we subscribe.
    client.on('message', (t, payload) => {
      if (t !== topic) return;
      const config = DeviceConfig.safeParse(JSON.parse(payload.toString('utf8')));
      if (config.success) sim.applyConfig(config.data);
    });
    await client.subscribeAsync(topic, { qos: 1 });
  }
  const timeoutMs = e.publishTimeoutMs ?? 30_000;
  return {
    async send(m) {
      if (m.via !== 'mqtt') throw new Error('mqtt link cannot send an OsmAnd request');
      await withTimeout(client.publishAsync(m.topic, m.payload, { qos: 1 }), timeoutMs, `publish ${m.topic}`);
    },
    close: () => client.endAsync(true).then(() => undefined),
  };
}

function osmandLink(sim: DeviceSim, e: Endpoints): DeviceLink {
  const timeoutMs = e.publishTimeoutMs ?? 30_000;
  return {
    async send(m) {
      if (m.via !== 'osmand') throw new Error('osmand link cannot send an MQTT message');
      const query = new URLSearchParams({ ...m.params, key: sim.identity.secret });
      // Traccar Client retries until it gets a 2xx; 200 here means committed.
      const res = await fetch(`${e.osmandUrl}/?${query}`, {
        method: 'POST',
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!res.ok) throw new Error(`osmand ${res.status}: ${await res.text()}`);
    },
    close: async () => {},
  };
}

export function connectDevice(sim: DeviceSim, e: Endpoints): Promise<DeviceLink> {
  return sim.spec.protocol === 'osmand' ? Promise.resolve(osmandLink(sim, e)) : mqttLink(sim, e);
}

/** Connects every device, `concurrency` at a time (a broker dislikes a thousand CONNECTs at once). */
export async function connectAll(
  sims: readonly DeviceSim[],
  e: Endpoints,
  concurrency = 50,
  onProgress?: (done: number) => void,
): Promise<Map<DeviceSim, DeviceLink>> {
  const links = new Map<DeviceSim, DeviceLink>();
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= sims.length) return;
      links.set(sims[i]!, await connectDevice(sims[i]!, e));
      onProgress?.(links.size);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, sims.length) }, worker));
  return links;
}
