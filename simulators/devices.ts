// A simulated device: turns its carrier's true position into the messages the real device would
// send, in the wire formats of schemas/ (native MQTT, OwnTracks, OsmAnd). Stepped by `advance(now)`;
// a native device also obeys its retained config (fast mode), as firmware does.
import type { DeviceEventType } from '../schemas/enums.js';
import type { DeviceConfig } from '../schemas/wire/config.js';
import type { NativeEvent, NativeFix } from '../schemas/wire/native.js';
import type { OwnTracksLocation } from '../schemas/wire/owntracks.js';
import { nativeTopic } from '../schemas/wire/topics.js';
import { ankleFix, inWindow, type NoisyFix, phoneFix } from './noise.js';
import { createRng, type Rng } from './rng.js';
import type { DeviceSpec, ScheduledEvent } from './scenario.js';

export interface DeviceIdentity {
  readonly id: string;
  readonly secret: string;
  readonly owntracks?: { readonly user: string; readonly device: string };
}

export type Outbound =
  | { readonly at: number; readonly via: 'mqtt'; readonly topic: string; readonly payload: string }
  | { readonly at: number; readonly via: 'osmand'; readonly params: Readonly<Record<string, string>> };

const STILL_BEFORE_NO_MOTION_MS = 30 * 60_000;
/** Motion-triggered report: commercial monitors wake and report soon after a still period ends. */
const WAKE_FIX_AFTER_MS = 90_000;
const BATTERY_LOW_EVENT_PCT = 15;
const CHARGE_PCT_PER_HOUR = 45;
const MAX_BATCH = 500;
const KNOTS_PER_MPS = 1.943_844;

const round7 = (x: number) => Math.round(x * 1e7) / 1e7;

export class DeviceSim {
  readonly spec: DeviceSpec;
  readonly identity: DeviceIdentity;
  private readonly rng: Rng;
  private intervalMs: number;
  private nextPeriodic: number;
  private lastFixAt = Number.NEGATIVE_INFINITY;
  private advancedTo: number;
  private seq = 0;
  private readonly events: ScheduledEvent[];
  private eventIdx = 0;
  private readonly wakeFixes: number[];
  private wakeIdx = 0;
  private fixQueue: NativeFix[] = [];
  private eventQueue: NativeEvent[] = [];
  private battery: number;
  private batteryAt: number;
  private lowSent = false;
  private ignoreConfig = false;
  /** Messages produced so far, by kind (for summaries). */
  readonly sent = { fixes: 0, events: 0, batches: 0, duplicates: 0 };

  constructor(spec: DeviceSpec, identity: DeviceIdentity) {
    this.spec = spec;
    this.identity = identity;
    this.rng = createRng(spec.seed);
    const start = spec.carrier.start;
    this.intervalMs = spec.intervalMs;
    const phase = Math.floor(this.rng.uniform(0, spec.intervalMs));
    // A protected person's phone (no supervisee) has been reporting before any run starts: its first
    // fix is at the start. Otherwise the service, knowing no fix of hers yet, rightly reports
    // "proximity unknown" for a supervisee whose first fix comes first (quality bench: two at the
    // first minute of the run, an artefact of every device starting together from silence).
    this.nextPeriodic = spec.personKey === null ? start : start + phase;
    this.advancedTo = start - 1;
    this.battery = spec.behaviour.batteryStartPct;
    this.batteryAt = start;
    const b = spec.behaviour;
    const generated: ScheduledEvent[] = [];
    const wake: number[] = [];
    if (b.motionSensor) {
      for (const s of spec.carrier.segments) {
        if (s.kind !== 'stay' || s.to - s.from < STILL_BEFORE_NO_MOTION_MS) continue;
        generated.push({ at: s.from + STILL_BEFORE_NO_MOTION_MS, type: 'no_motion' });
        if (s.to < spec.carrier.end) wake.push(s.to + WAKE_FIX_AFTER_MS);
      }
    }
    for (const c of b.charging) {
      generated.push({ at: c.from, type: 'charging_start' }, { at: c.to, type: 'charging_stop' });
    }
    this.events = [...b.events, ...generated].sort((x, y) => x.at - y.at);
    this.wakeFixes = wake;
  }

  get id(): string {
    return this.identity.id;
  }

  /** Joins its timeline at `t` (real-time runs start mid-day): nothing before `t` is sent. */
  startAt(t: number): void {
    while ((this.events[this.eventIdx]?.at ?? Number.POSITIVE_INFINITY) < t) this.eventIdx++;
    while ((this.wakeFixes[this.wakeIdx] ?? Number.POSITIVE_INFINITY) < t) this.wakeIdx++;
    if (this.nextPeriodic < t)
      this.nextPeriodic += Math.ceil((t - this.nextPeriodic) / this.intervalMs) * this.intervalMs;
    this.batteryAtTime(t);
    this.advancedTo = t - 1;
  }

  /** Load generation: a fixed interval, whatever the service's config says. */
  fixInterval(ms: number): void {
    this.intervalMs = ms;
    this.ignoreConfig = true;
  }

  /** The service's retained config ([MQTT-3.3.1-6]): report at its interval from now on. */
  applyConfig(config: DeviceConfig): void {
    const interval = config.interval * 1000;
    if (this.ignoreConfig || interval === this.intervalMs) return;
    this.intervalMs = interval;
    const due = Math.max(this.advancedTo + 1, this.lastFixAt + interval);
    if (due < this.nextPeriodic) this.nextPeriodic = due;
  }

  /** Everything the device sends in (previous call, now], in order. */
  advance(now: number): Outbound[] {
    const out: Outbound[] = [];
    const end = Math.min(now, this.spec.carrier.end);
    for (;;) {
      const tEvent = this.events[this.eventIdx]?.at ?? Number.POSITIVE_INFINITY;
      const tWake = this.wakeFixes[this.wakeIdx] ?? Number.POSITIVE_INFINITY;
      const t = Math.min(this.nextPeriodic, tEvent, tWake);
      if (t > end) break;
      if (t <= this.advancedTo) {
        // Scheduled before the last step (a config arrived late): skip, never send into the past.
        if (t === tEvent) this.eventIdx++;
        else if (t === tWake) this.wakeIdx++;
        else this.nextPeriodic = this.advancedTo + 1;
        continue;
      }
      if (t === tEvent) {
        const e = this.events[this.eventIdx++]!;
        this.emitEvent(out, t, e.type, e.detail);
      } else {
        if (t === tWake) {
          this.wakeIdx++;
          this.nextPeriodic = t + this.intervalMs;
        } else this.nextPeriodic += this.intervalMs;
        this.emitFix(out, t);
      }
    }
    this.advancedTo = Math.max(this.advancedTo, end);
    return out;
  }

  private deviceTime(t: number): number {
    return Math.round(t + this.spec.behaviour.skewMs);
  }

  /** Battery at `t`, integrated minute by minute so a charging window starts when it starts. */
  private batteryAtTime(t: number): number {
    const b = this.spec.behaviour;
    for (let at = this.batteryAt; at < t; at += 60_000) {
      const hours = Math.min(60_000, t - at) / 3_600_000;
      this.battery =
        inWindow(b.charging, at) !== null
          ? Math.min(100, this.battery + hours * CHARGE_PCT_PER_HOUR)
          : Math.max(0, this.battery - hours * b.drainPctPerHour);
    }
    this.batteryAt = Math.max(this.batteryAt, t);
    return Math.round(this.battery);
  }

  private outageAt(t: number) {
    return inWindow(this.spec.behaviour.outages, t) as (typeof this.spec.behaviour.outages)[number] | null;
  }

  private emitEvent(out: Outbound[], t: number, type: DeviceEventType, detail?: string): void {
    if (this.spec.protocol !== 'native') return;
    const event: NativeEvent = {
      ts: this.deviceTime(t),
      seq: this.seq++,
      type,
      ...(detail ? { detail } : {}),
    };
    const outage = this.outageAt(t);
    if (outage) {
      if (outage.storeAndForward) this.eventQueue.push(event);
      return;
    }
    this.flush(out, t);
    this.sent.events++;
    out.push({ at: t, via: 'mqtt', topic: nativeTopic(this.id, 'events'), payload: JSON.stringify(event) });
  }

  private emitFix(out: Outbound[], t: number): void {
    const b = this.spec.behaviour;
    const truth = this.spec.carrier.at(t);
    const batt = this.batteryAtTime(t);
    this.lastFixAt = t;
    if (batt <= 0) return; // flat: silent until charged
    if (!this.lowSent && batt < BATTERY_LOW_EVENT_PCT) {
      this.lowSent = true;
      this.emitEvent(out, t, 'battery_low', `${batt}%`);
    } else if (batt >= BATTERY_LOW_EVENT_PCT + 10) this.lowSent = false;
    if (this.spec.kind === 'ankle' && truth.env === 'indoor' && inWindow(b.noFix, t)) {
      this.emitEvent(out, t, 'heartbeat', 'no position indoors');
      return;
    }
    const canyon = truth.env === 'urban' && inWindow(b.canyon, t) !== null;
    const noisy =
      this.spec.kind === 'ankle'
        ? ankleFix(this.rng, truth.pos, truth.env, canyon)
        : phoneFix(this.rng, truth.pos, truth.env, canyon);
    const outage = this.outageAt(t);
    if (this.spec.protocol === 'native') {
      const fix = this.nativeFix(t, noisy, truth.speed, batt);
      if (outage) {
        if (outage.storeAndForward) this.fixQueue.push(fix);
        return;
      }
      this.flush(out, t);
      this.send(out, {
        at: t,
        via: 'mqtt',
        topic: nativeTopic(this.id, 'telemetry'),
        payload: JSON.stringify(fix),
      });
      return;
    }
    if (outage) return; // phone apps here do not buffer: the fix is simply lost
    this.send(out, this.phoneMessage(t, noisy, truth.speed, batt));
  }

  private send(out: Outbound[], message: Outbound): void {
    this.sent.fixes++;
    out.push(message);
    if (this.rng.chance(this.spec.behaviour.duplicateRate)) {
      this.sent.duplicates++;
      out.push(message);
    }
  }

  private nativeFix(t: number, n: NoisyFix, speed: number, batt: number): NativeFix {
    return {
      ts: this.deviceTime(t),
      lat: round7(n.pos.lat),
      lon: round7(n.pos.lon),
      acc: n.acc,
      src: n.src,
      seq: this.seq++,
      ...(speed > 0 ? { spd: Math.round(speed * 10) / 10 } : {}),
      batt,
    };
  }

  private phoneMessage(t: number, n: NoisyFix, speed: number, batt: number): Outbound {
    const ts = this.deviceTime(t);
    if (this.spec.protocol === 'owntracks') {
      const location: OwnTracksLocation = {
        _type: 'location',
        lat: round7(n.pos.lat),
        lon: round7(n.pos.lon),
        tst: Math.floor(ts / 1000),
        acc: Math.max(1, Math.round(n.acc)),
        vel: Math.round(speed * 3.6),
        batt,
        bs: 1,
        tid: 'sm',
        conn: 'm',
      };
      const ot = this.identity.owntracks!;
      return {
        at: t,
        via: 'mqtt',
        topic: `owntracks/${ot.user}/${ot.device}`,
        payload: JSON.stringify(location),
      };
    }
    return {
      at: t,
      via: 'osmand',
      params: {
        id: this.id,
        lat: String(round7(n.pos.lat)),
        lon: String(round7(n.pos.lon)),
        timestamp: String(Math.floor(ts / 1000)),
        accuracy: String(Math.round(n.acc)),
        speed: (speed * KNOTS_PER_MPS).toFixed(1),
        batt: String(batt),
      },
    };
  }

  /** Back in coverage: what was kept goes first, oldest first, in batches the contract allows. */
  private flush(out: Outbound[], t: number): void {
    for (let i = 0; i < this.eventQueue.length; i += MAX_BATCH) {
      const events = this.eventQueue.slice(i, i + MAX_BATCH);
      this.sent.events += events.length;
      out.push({
        at: t,
        via: 'mqtt',
        topic: nativeTopic(this.id, 'events'),
        payload: JSON.stringify({ events }),
      });
    }
    for (let i = 0; i < this.fixQueue.length; i += MAX_BATCH) {
      const fixes = this.fixQueue.slice(i, i + MAX_BATCH);
      this.sent.fixes += fixes.length;
      this.sent.batches++;
      out.push({
        at: t,
        via: 'mqtt',
        topic: nativeTopic(this.id, 'telemetry'),
        payload: JSON.stringify({ fixes }),
      });
    }
    this.eventQueue = [];
    this.fixQueue = [];
  }
}
