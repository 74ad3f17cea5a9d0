// The retained device config follows fast mode: a violation opening switches exactly that person's
// devices (monitor and phone) to fast reporting, and only theirs; the last one clearing switches back.
import { describe, expect, it } from 'vitest';
import { type DeviceRecord, Directory, type DirectorySnapshot } from '../../src/directory/directory.js';
import { alertChange } from '../../src/domain/rules/alert-change.js';
import { DeviceConfigPublisher } from '../../src/reporting/config-publisher.js';
import { context } from '../domain/rules/fixture.js';

function device(id: string, superviseeId: string | null, kind: 'ankle' | 'phone'): [string, DeviceRecord] {
  return [
    id,
    { id, superviseeId, kind, secretHash: '', disabled: false, owntracksUser: null, owntracksDevice: null },
  ];
}

const snapshot: DirectorySnapshot = {
  devices: new Map([
    device('ankle-1', 'p1', 'ankle'),
    device('phone-1', 'p1', 'phone'),
    device('ankle-2', 'p2', 'ankle'),
    device('spare', null, 'ankle'),
  ]),
  owntracks: new Map(),
  persons: new Map(
    ['p1', 'p2'].map((id) => [
      id,
      { id, orgUnitId: 'o', orgPath: '/c/', level: 'normal', context: context() },
    ]),
  ),
  protectedDevices: new Set(),
  invalidZones: [],
  loadedAt: 0,
};

const exit = (action: 'open' | 'clear') => ({
  superviseeId: 'p1',
  change: alertChange({ kind: 'jurisdiction_exit', action, startedAt: 1, at: 2, confidence: 0.99 }),
});

describe('device config publisher', () => {
  it('switches the flipped person’s devices, and only theirs, to fast reporting and back', async () => {
    const directory = new Directory(async () => snapshot);
    await directory.reload();
    const sent: Array<[string, { mode: string; interval: number }]> = [];
    const publisher = new DeviceConfigPublisher(
      directory,
      async (topic, payload) => {
        sent.push([topic, JSON.parse(payload)]);
      },
      (err) => {
        throw err;
      },
    );
    expect(await publisher.syncAll()).toBe(3);
    sent.length = 0;

    publisher.onCommitted([exit('open')], new Map());
    await new Promise((r) => setImmediate(r));
    expect(sent.map(([topic, c]) => `${topic} ${c.mode}`).sort()).toEqual([
      expect.stringMatching(/ankle-1.*config fast$/),
      expect.stringMatching(/phone-1.*config fast$/),
    ]);
    expect(publisher.current('ankle-2')?.mode).toBe('normal');

    sent.length = 0;
    publisher.onCommitted([exit('clear')], new Map());
    await new Promise((r) => setImmediate(r));
    expect(sent.map(([, c]) => c.mode)).toEqual(['normal', 'normal']);
    expect(publisher.current('ankle-1')?.interval).toBe(context().params.reportIntervalMs / 1000);
  });
});

describe('device config publisher when a publish fails', () => {
  it('publishes again on the next sync what the broker did not take', async () => {
    const directory = new Directory(async () => snapshot);
    await directory.reload();
    let brokerDown = true;
    const sent: string[] = [];
    const publisher = new DeviceConfigPublisher(
      directory,
      async (topic) => {
        if (brokerDown) throw new Error('broker unreachable');
        sent.push(topic);
      },
      () => {},
    );
    await expect(publisher.syncAll()).rejects.toThrow('broker unreachable');
    expect(publisher.current('ankle-1')).toBeNull();

    // The broker is back: every device still gets its retained config ([MQTT-3.3.1-5]: a device
    // that reconnects learns its rule only from a retained message that was actually stored).
    brokerDown = false;
    expect(await publisher.syncAll()).toBe(3);
    expect(sent.sort()).toEqual([
      expect.stringMatching(/ankle-1\/config$/),
      expect.stringMatching(/ankle-2\/config$/),
      expect.stringMatching(/phone-1\/config$/),
    ]);
  });

  it('a failed fast-mode switch is sent on the next sync', async () => {
    const directory = new Directory(async () => snapshot);
    await directory.reload();
    let brokerDown = false;
    const failures: unknown[] = [];
    const publisher = new DeviceConfigPublisher(
      directory,
      async () => {
        if (brokerDown) throw new Error('broker unreachable');
      },
      (err) => failures.push(err),
    );
    await publisher.syncAll();
    brokerDown = true;
    publisher.onCommitted([exit('open')], new Map());
    await new Promise((r) => setImmediate(r));
    expect(failures).toHaveLength(2);
    brokerDown = false;
    expect(await publisher.syncAll()).toBe(2);
    expect(publisher.current('ankle-1')?.mode).toBe('fast');
  });
});

describe('device config versions', () => {
  it('a restarted service’s configs are newer than what its devices hold', async () => {
    // A fleet large enough that one start's publishes outnumber the seconds until a restart.
    const fleet: DirectorySnapshot = {
      ...snapshot,
      devices: new Map([
        ...snapshot.devices,
        ...Array.from({ length: 5000 }, (_, i) => device(`ankle-x${i}`, 'p2', 'ankle')),
      ]),
    };
    const directory = new Directory(async () => fleet);
    await directory.reload();
    // What each device holds: schemas/wire/config.ts, a device ignores an older version.
    const held = new Map<string, { version: number; mode: string }>();
    const ignored: string[] = [];
    const deliver = async (topic: string, payload: string) => {
      const config = JSON.parse(payload) as { version: number; mode: string };
      const before = held.get(topic);
      if (before && config.version <= before.version) ignored.push(topic);
      else held.set(topic, config);
    };
    let now = Date.UTC(2026, 11, 7, 8);
    const first = new DeviceConfigPublisher(
      directory,
      deliver,
      (err) => {
        throw err;
      },
      () => now,
    );
    await first.syncAll();
    first.onCommitted([exit('open')], new Map());
    await new Promise((r) => setImmediate(r));
    expect(held.get('em/v1/devices/ankle-1/config')?.mode).toBe('fast');

    // Restarted an hour later, the violation over: every device must take its new config.
    now += 3_600_000;
    const second = new DeviceConfigPublisher(
      directory,
      deliver,
      (err) => {
        throw err;
      },
      () => now,
    );
    await second.syncAll();
    expect(ignored).toEqual([]);
    expect(held.get('em/v1/devices/ankle-1/config')?.mode).toBe('normal');
  });
});
