// The alerting devices of bench/latency.ts: one MQTT connection per ankle monitor (the broker lets a
// device publish only under its own id), connected before the measurement so a connection set-up is
// never part of a latency. A device sends native QoS 1 fixes `{"ts","lat","lon","acc","src","seq"}`
// on em/v1/devices/<id>/telemetry; `publish` returns the moment the fix was handed to the socket
// (performance.now()) and a promise of the moment the broker acknowledged it.
import mqtt, { type MqttClient } from 'mqtt';
import type { DeviceAccount } from './ingest-publishers.js';

export interface Published {
  /** performance.now() just before the PUBLISH was written. */
  readonly sentAt: number;
  /** performance.now() at the PUBACK, or null when the publish failed. */
  readonly acked: Promise<number | null>;
}

export class AlertDevice {
  private seq = 0;
  private lastTs = 0;
  readonly topic: string;

  constructor(
    readonly personId: string,
    readonly account: DeviceAccount,
    private readonly client: MqttClient,
  ) {
    this.topic = `em/v1/devices/${account.id}/telemetry`;
  }

  publish(lat: number, lon: number, accM: number): Published {
    const seq = ++this.seq;
    const ts = Math.max(Date.now(), this.lastTs + 1);
    this.lastTs = ts;
    const body = `{"ts":${ts},"lat":${lat.toFixed(7)},"lon":${lon.toFixed(7)},"acc":${accM},"src":"gnss","seq":${seq}}`;
    let done: (t: number | null) => void = () => {};
    const acked = new Promise<number | null>((r) => {
      done = r;
    });
    const sentAt = performance.now();
    this.client.publish(this.topic, body, { qos: 1 }, (err) => done(err ? null : performance.now()));
    return { sentAt, acked };
  }

  close(): Promise<void> {
    return this.client.endAsync(true).then(
      () => {},
      () => {},
    );
  }
}

/** Connects every device (`parallel` at a time); on failure closes those already connected. */
export async function connectAlertDevices(
  url: string,
  devices: ReadonlyArray<{ personId: string; account: DeviceAccount }>,
  parallel = 50,
): Promise<AlertDevice[]> {
  const out: AlertDevice[] = [];
  let next = 0;
  const worker = async () => {
    for (let k = next++; k < devices.length; k = next++) {
      const { personId, account } = devices[k]!;
      const client = await mqtt.connectAsync(url, {
        clientId: account.id,
        username: account.id,
        password: account.secret,
        clean: true,
        reconnectPeriod: 1000,
        connectTimeout: 10_000,
        keepalive: 60,
      });
      client.on('error', () => {});
      out[k] = new AlertDevice(personId, account, client);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(parallel, devices.length) }, worker));
  } catch (err) {
    await Promise.all(out.filter(Boolean).map((d) => d.close()));
    throw err;
  }
  return out;
}
