// Steady load from the seeded fleet: one MQTT connection per device, logged in as itself, QoS 1,
// publishing in order and awaiting each PUBACK, paced by a virtual clock that runs `scale` times
// faster than the wall clock. A device whose broker is gone keeps its unacknowledged message and
// sends it again after reconnecting, as device firmware does. Every acknowledged message is
// recorded: those are the messages the fault tests require stored exactly once.
import mqtt, { type MqttClient } from 'mqtt';
import type { DeviceSim, Outbound } from '../../../simulators/devices.js';

export interface VirtualClock {
  /** Wall-clock ms at which virtual time `start` is reached. */
  readonly t0: number;
  readonly start: number;
  readonly scale: number;
  readonly end: number;
}

export const virtualNow = (c: VirtualClock, wall = Date.now()) =>
  Math.min(c.end, c.start + (wall - c.t0) * c.scale);

/** The identity of an acknowledged message in storage: fixes by (device, seq), events the same. */
export interface AckedMessage {
  readonly kind: 'fix' | 'event';
  readonly seq: number;
}

export interface LoadStats {
  readonly published: number;
  readonly acked: number;
  readonly retried: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function identify(m: Outbound): AckedMessage[] {
  if (m.via !== 'mqtt') return [];
  const body = JSON.parse(m.payload) as {
    seq?: number;
    fixes?: { seq: number }[];
    events?: { seq: number }[];
  };
  const kind = m.topic.endsWith('/events') ? 'event' : 'fix';
  const items = body.fixes ?? body.events ?? [body];
  return items.filter((i) => typeof i.seq === 'number').map((i) => ({ kind, seq: i.seq as number }));
}

export class FleetLoad {
  /** Device id → messages whose publish the broker acknowledged. */
  readonly acked = new Map<string, AckedMessage[]>();
  private published = 0;
  private ackedCount = 0;
  private retried = 0;
  private stopped = false;
  private readonly clients: MqttClient[] = [];
  private runs: Promise<void>[] = [];

  constructor(
    private readonly mqttUrl: string,
    private readonly sims: readonly DeviceSim[],
    private readonly clock: VirtualClock,
    private readonly stepMs = 250,
  ) {}

  get stats(): LoadStats {
    return { published: this.published, acked: this.ackedCount, retried: this.retried };
  }

  get totalAcked(): number {
    return this.ackedCount;
  }

  /** Connects every device (a few at a time), then starts playing. */
  async start(): Promise<void> {
    const connected: Array<readonly [DeviceSim, MqttClient]> = [];
    for (let i = 0; i < this.sims.length; i += 20) {
      const batch = this.sims.slice(i, i + 20);
      connected.push(
        ...(await Promise.all(batch.map(async (sim) => [sim, await this.connect(sim)] as const))),
      );
    }
    this.runs = connected.map(([sim, client]) => this.play(sim, client));
  }

  /** Resolves once every device has sent and had acknowledged everything up to the fleet's end. */
  async finished(): Promise<void> {
    await Promise.all(this.runs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled(this.runs);
    await Promise.all(this.clients.map((c) => c.endAsync(true).catch(() => {})));
  }

  private async connect(sim: DeviceSim): Promise<MqttClient> {
    const client = await mqtt.connectAsync(this.mqttUrl, {
      clientId: `sim-${sim.id}`,
      username: sim.id,
      password: sim.identity.secret,
      clean: true,
      reconnectPeriod: 500,
      connectTimeout: 5_000,
      keepalive: 10,
    });
    client.on('error', () => {}); // reconnects by itself; a refused publish is retried below
    this.clients.push(client);
    return client;
  }

  private async play(sim: DeviceSim, client: MqttClient): Promise<void> {
    const acked: AckedMessage[] = [];
    this.acked.set(sim.id, acked);
    for (;;) {
      const target = virtualNow(this.clock);
      for (const m of sim.advance(target)) {
        if (m.via !== 'mqtt') continue;
        this.published++;
        for (;;) {
          if (this.stopped) return;
          try {
            await client.publishAsync(m.topic, m.payload, { qos: 1 });
            break;
          } catch {
            // Connection lost with the message unacknowledged: send it again once back.
            this.retried++;
            await sleep(200);
          }
        }
        const ids = identify(m);
        acked.push(...ids);
        this.ackedCount += ids.length;
      }
      if (target >= this.clock.end || this.stopped) return;
      await sleep(this.stepMs);
    }
  }
}
