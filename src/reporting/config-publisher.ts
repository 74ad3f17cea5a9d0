// Publishes each device's retained config when it changes: after a directory reload (new device,
// changed level) and when a violation switches fast mode on or off. [MQTT-3.3.1-5] a retained message
// is delivered to a device as soon as it subscribes, so a device that was offline learns its rule.

import type { DeviceConfig } from '../../schemas/wire/config.js';
import { nativeTopic } from '../../schemas/wire/topics.js';
import type { Directory } from '../directory/directory.js';
import type { PersonState } from '../domain/rules/person-state.js';
import type { PersonAlertChange } from '../pipeline/types.js';
import { deviceConfigFor, ReportingModes } from './reporting-mode.js';

/** Retained config publishes in flight during a full sync. */
const SYNC_IN_FLIGHT = 200;

export type RetainedPublish = (topic: string, payload: string) => Promise<void>;

export class DeviceConfigPublisher {
  private readonly modes = new ReportingModes();
  /** deviceId → the mode key ("interval|mode") and the payload last published. */
  private readonly published = new Map<string, { key: string; payload: string }>();
  /** deviceId → the last version sent to it, failed publishes included: it never goes back. */
  private readonly versions = new Map<string, number>();
  private index: { snapshot: object; byPerson: Map<string, string[]> } | undefined;

  constructor(
    private readonly directory: Directory,
    private readonly publish: RetainedPublish,
    private readonly onError: (err: unknown) => void,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Re-derives every device's config; publishes only those that differ from what was sent. */
  async syncAll(): Promise<number> {
    // Up to SYNC_IN_FLIGHT publishes wait for their PUBACK at once: one at a time, a first start with
    // 100,000 devices spent ~100 s here before the service was ready (bench/e2e.ts).
    let sent = 0;
    const ids = [...this.directory.current.devices.keys()];
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < ids.length; i = next++) {
        // Not `sent += await …`: that reads `sent` before the await, and concurrent workers overwrite.
        if (await this.syncDevice(ids[i]!)) sent++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(SYNC_IN_FLIGHT, ids.length) }, worker));
    return sent;
  }

  /**
   * Publishes every device's config again, changed or not: for a broker that lost its retained
   * messages, where nothing else would send them until each person's next change.
   */
  async republishAll(): Promise<number> {
    this.published.clear();
    return this.syncAll();
  }

  /** After a commit: flips fast mode for persons whose evidence or violations started or all ended. */
  onCommitted(changes: readonly PersonAlertChange[], states: ReadonlyMap<string, PersonState>): void {
    const flipped = this.modes.apply(changes, states);
    if (flipped.size === 0) return;
    const devices = this.devicesByPerson();
    for (const personId of flipped) {
      for (const id of devices.get(personId) ?? []) this.syncDevice(id).catch(this.onError);
    }
  }

  /** Person → their devices, built once per directory snapshot (a scan of 100,000 devices per flip was not). */
  private devicesByPerson(): ReadonlyMap<string, readonly string[]> {
    const snapshot = this.directory.current;
    if (this.index?.snapshot !== snapshot) {
      const byPerson = new Map<string, string[]>();
      for (const d of snapshot.devices.values()) {
        if (!d.superviseeId) continue;
        const list = byPerson.get(d.superviseeId);
        if (list) list.push(d.id);
        else byPerson.set(d.superviseeId, [d.id]);
      }
      this.index = { snapshot, byPerson };
    }
    return this.index.byPerson;
  }

  current(deviceId: string): DeviceConfig | null {
    const sent = this.published.get(deviceId);
    return sent ? (JSON.parse(sent.payload) as DeviceConfig) : null;
  }

  private async syncDevice(deviceId: string): Promise<boolean> {
    const device = this.directory.device(deviceId);
    const fast = device?.superviseeId ? this.modes.isFast(device.superviseeId) : false;
    const config = deviceConfigFor(this.directory.current, deviceId, fast, 0);
    if (!config) return false;
    const key = `${config.interval}|${config.mode}`;
    if (this.published.get(deviceId)?.key === key) return false;
    // A device ignores an older version (schemas/wire/config.ts). One counter for all devices, started
    // at the clock's second, ran ahead of the clock by every publish (100,000 at a start), so a
    // restarted instance, or another one sharing the devices, sent versions below those the devices
    // held and was ignored. Per device: the clock's second, or one more than the last sent to it.
    const version = Math.max(Math.floor(this.clock() / 1000), (this.versions.get(deviceId) ?? 0) + 1);
    this.versions.set(deviceId, version);
    const payload = JSON.stringify({ ...config, version });
    const previous = this.published.get(deviceId);
    const entry = { key, payload };
    // Recorded before the publish so that concurrent syncs do not send it twice.
    this.published.set(deviceId, entry);
    try {
      await this.publish(nativeTopic(deviceId, 'config'), payload);
    } catch (err) {
      // Not retained by the broker (it was down, or refused it): forget it, so the next sync sends
      // it again; otherwise the device would keep its old interval for good ([MQTT-3.3.1-5] only a
      // stored retained message reaches a device when it subscribes).
      if (this.published.get(deviceId) === entry) {
        if (previous) this.published.set(deviceId, previous);
        else this.published.delete(deviceId);
      }
      throw err;
    }
    return true;
  }
}
