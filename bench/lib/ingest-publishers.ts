// Device publishers for bench/ingest.ts: one MQTT connection per publishing device (the broker lets a
// device publish only under its own id), QoS 1 native fixes `{"ts","lat","lon","acc","src","seq"}`
// with a per-device sequence and a strictly increasing per-device ts, so (device, ts) and
// (device, seq) are both unique. Two drivers:
//   closedLoop  as fast as the broker acknowledges, `window` publishes in flight per connection
//               (the broker relay measurement);
//   openLoop    a fixed offered rate spread round-robin over the devices, regardless of how fast the
//               broker or the service answers (the service measurement), with a bounded number of
//               unacknowledged publishes so a stalled broker cannot make the bench run out of memory.
import mqtt, { type MqttClient } from 'mqtt';

export interface DeviceAccount {
  id: string;
  secret: string;
  /** Where the device walks (a 50 m circle around it); by default a spot within ~5 km of the centre. */
  home?: { lat: number; lon: number };
}

const LAT0 = 30.12;
const LON0 = 104.63;
const M_PER_DEG_LAT = 111_320;
const M_PER_DEG_LON = M_PER_DEG_LAT * Math.cos((LAT0 * Math.PI) / 180);

class DevicePublisher {
  seq = 0;
  lastTs = 0;
  inFlight = 0;
  /** Sequences the broker acknowledged while `tracking` was on. */
  readonly acked: number[] = [];
  readonly topic: string;
  private readonly lat: number;
  private readonly lon: number;
  private readonly phase: number;
  private readonly walkM: number;

  constructor(
    readonly account: DeviceAccount,
    readonly client: MqttClient,
    index: number,
  ) {
    this.topic = `em/v1/devices/${account.id}/telemetry`;
    // Homes spread within ~5 km of the centre: inside the county boundary, no alerts.
    this.lat = account.home?.lat ?? LAT0 + (((index * 7919) % 1000) / 1000 - 0.5) * 0.08;
    this.lon = account.home?.lon ?? LON0 + (((index * 104_729) % 1000) / 1000 - 0.5) * 0.08;
    this.walkM = account.home ? 50 : 200;
    this.phase = index;
  }

  payload(now: number): { seq: number; body: string } {
    const seq = ++this.seq;
    const ts = Math.max(now, this.lastTs + 1);
    this.lastTs = ts;
    // A walk at 1 m/s around a 200 m (50 m at home) circle: position follows the fix time, so however often a device
    // reports, consecutive fixes are plausible (no outlier jumps the rules engine would skip).
    const a = this.phase + ts / (this.walkM * 1000);
    const lat = this.lat + (this.walkM * Math.sin(a)) / M_PER_DEG_LAT;
    const lon = this.lon + (this.walkM * Math.cos(a)) / M_PER_DEG_LON;
    const body = `{"ts":${ts},"lat":${lat.toFixed(7)},"lon":${lon.toFixed(7)},"acc":8,"src":"gnss","seq":${seq}}`;
    return { seq, body };
  }
}

export interface PublishCounters {
  issued: number;
  acked: number;
  failed: number;
  /** Publishes not issued because too many were unacknowledged (open loop only). */
  skipped: number;
}

export class PublisherPool {
  readonly devices: DevicePublisher[] = [];
  readonly counters: PublishCounters = { issued: 0, acked: 0, failed: 0, skipped: 0 };
  /** Record acknowledged sequences per device (for the loss count). */
  tracking = false;
  disconnects = 0;
  private next = 0;

  static async connect(
    url: string,
    accounts: readonly DeviceAccount[],
    parallel = 50,
  ): Promise<PublisherPool> {
    const pool = new PublisherPool();
    let i = 0;
    const worker = async () => {
      for (let k = i++; k < accounts.length; k = i++) {
        const account = accounts[k]!;
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
        client.on('close', () => pool.disconnects++);
        pool.devices[k] = new DevicePublisher(account, client, k);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(parallel, accounts.length) }, worker));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  get inFlight(): number {
    return this.counters.issued - this.counters.acked - this.counters.failed;
  }

  private publish(d: DevicePublisher, then?: () => void): void {
    const { seq, body } = d.payload(Date.now());
    const track = this.tracking;
    d.inFlight++;
    this.counters.issued++;
    d.client.publish(d.topic, body, { qos: 1 }, (err) => {
      d.inFlight--;
      if (err) this.counters.failed++;
      else {
        this.counters.acked++;
        if (track) d.acked.push(seq);
      }
      then?.();
    });
  }

  /** Publishes `total` messages as fast as the broker acknowledges them, `window` in flight per device. */
  closedLoop(total: number, window: number, shouldStop: () => boolean): Promise<void> {
    let left = total;
    return new Promise((resolve) => {
      let running = 0;
      const pump = (d: DevicePublisher) => {
        while (d.inFlight < window && left > 0 && !shouldStop()) {
          left--;
          running++;
          this.publish(d, () => {
            running--;
            pump(d);
            if (running === 0 && (left === 0 || shouldStop())) resolve();
          });
        }
      };
      for (const d of this.devices) pump(d);
      if (running === 0) resolve();
    });
  }

  /**
   * Offers `rate` messages/s for `seconds`, round-robin over the devices, on a 5 ms tick. `onTick`
   * runs after each tick (the caller samples offered counts there); returning true stops early.
   * At most `maxInFlight` publishes wait for a PUBACK: beyond that the offer is skipped and counted.
   */
  async openLoop(
    rate: number,
    seconds: number,
    maxInFlight: number,
    onTick: (now: number) => boolean,
  ): Promise<{ seconds: number; issued: number; aborted: boolean }> {
    const t0 = performance.now();
    const issued0 = this.counters.issued;
    let due = 0;
    let aborted = false;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const now = performance.now();
        const elapsed = Math.min((now - t0) / 1000, seconds);
        const target = Math.floor(rate * elapsed);
        while (due < target) {
          due++;
          if (this.inFlight >= maxInFlight) {
            this.counters.skipped++;
            continue;
          }
          const d = this.devices[this.next]!;
          this.next = (this.next + 1) % this.devices.length;
          this.publish(d);
        }
        if (onTick(now)) aborted = true;
        if (aborted || elapsed >= seconds) {
          clearInterval(timer);
          resolve();
        }
      };
      const timer = setInterval(tick, 5);
    });
    return { seconds: (performance.now() - t0) / 1000, issued: this.counters.issued - issued0, aborted };
  }

  /** Resolves once every publish has been acknowledged or failed, or after `timeoutMs`. */
  async settle(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.inFlight === 0;
  }

  async close(): Promise<void> {
    await Promise.all(this.devices.filter(Boolean).map((d) => d.client.endAsync(true).catch(() => {})));
  }
}
