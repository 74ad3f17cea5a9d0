// The order & dedupe stage on its own: a repeated fix or event (a QoS 1 redelivery) is refused as a
// duplicate, and events without a seq are told apart by time and type, never all by a missing seq.
// A fix or event is identified as the database identifies it (device and time; and type for an
// event): a device that reboots starts its seq again, and a new fix under an old seq is not a repeat.
import { describe, expect, it } from 'vitest';
import type { DeviceEvent, Fix } from '../../src/domain/fix.js';
import { emptyBatch } from '../../src/pipeline/pipeline.js';
import { orderAndDedupeStage } from '../../src/pipeline/stages/order-dedupe.js';
import type { Batch, EventItem, FixItem } from '../../src/pipeline/types.js';

const T = Date.UTC(2026, 11, 1, 4, 0, 0);

function batchOf(events: DeviceEvent[]): Batch {
  const items: EventItem[] = events.map((event) => ({
    event,
    submission: 0,
    superviseeId: 'p1',
    refusal: null,
  }));
  return { ...emptyBatch(T), events: items };
}

const event = (ts: number, type: DeviceEvent['type'], seq: number | null): DeviceEvent => ({
  deviceId: 'd1',
  seq,
  ts,
  receivedAt: ts + 1000,
  type,
  protocol: 'native',
});

const refused = (b: Batch) => b.events.map((e) => e.refusal?.reason ?? null);

const fix = (ts: number, seq: number | null): Fix => ({
  deviceId: 'd1',
  seq,
  ts,
  receivedAt: ts + 1000,
  lat: 30.12,
  lon: 104.63,
  accuracyM: 6,
  source: 'gnss',
  protocol: 'native',
});

function batchOfFixes(fixes: Fix[]): Batch {
  const items: FixItem[] = fixes.map((f) => ({
    fix: f,
    submission: 0,
    superviseeId: 'p1',
    late: false,
    refusal: null,
    evaluated: false,
  }));
  return { ...emptyBatch(T), fixes: items };
}

const refusedFixes = (b: Batch) => b.fixes.map((f) => f.refusal?.reason ?? null);

describe('order & dedupe of fixes', () => {
  it('refuses a redelivered fix, in the same batch and after commit', () => {
    const stage = orderAndDedupeStage();
    const first = batchOfFixes([fix(T, 1), fix(T, 1), fix(T + 60_000, 2)]);
    stage.run(first);
    expect(refusedFixes(first)).toEqual([null, 'duplicate', null]);
    for (const f of first.afterCommit) f();
    const again = batchOfFixes([fix(T + 60_000, 2), fix(T + 120_000, 3)]);
    stage.run(again);
    expect(refusedFixes(again)).toEqual(['duplicate', null]);
  });

  it('keeps the fixes of a device that rebooted and counts seq from the start again', () => {
    // A boot loop: each boot sends one fix, seq 0, a minute apart. Refused as repeats of the first,
    // the person would look silent (lost contact) while their monitor reports.
    const stage = orderAndDedupeStage();
    for (let boot = 0; boot < 4; boot++) {
      const b = batchOfFixes([fix(T + boot * 60_000, 0), fix(T + boot * 60_000 + 15_000, 1)]);
      stage.run(b);
      expect(refusedFixes(b)).toEqual([null, null]);
      for (const f of b.afterCommit) f();
    }
    // Within one batch too (a reboot between two fixes of a store-and-forward upload).
    const b = batchOfFixes([fix(T + 600_000, 5), fix(T + 660_000, 5)]);
    stage.run(b);
    expect(refusedFixes(b)).toEqual([null, null]);
  });
});

describe('order & dedupe of device events', () => {
  it('refuses a redelivered event, in the same batch and after commit', () => {
    const stage = orderAndDedupeStage();
    const first = batchOf([event(T, 'battery_low', 7), event(T, 'battery_low', 7)]);
    stage.run(first);
    expect(refused(first)).toEqual([null, 'duplicate']);
    for (const f of first.afterCommit) f();
    const again = batchOf([event(T, 'battery_low', 7), event(T + 60_000, 'charging_start', 8)]);
    stage.run(again);
    expect(refused(again)).toEqual(['duplicate', null]);
  });

  it('keeps the events of a device that rebooted and counts seq from the start again', () => {
    const stage = orderAndDedupeStage();
    const first = batchOf([event(T, 'power_on', 0), event(T + 60_000, 'strap_tamper', 1)]);
    stage.run(first);
    for (const f of first.afterCommit) f();
    // Rebooted: seq 0 and 1 again, for new events. The strap cut again must reach the rules.
    const again = batchOf([event(T + 120_000, 'power_on', 0), event(T + 180_000, 'strap_tamper', 1)]);
    stage.run(again);
    expect(refused(again)).toEqual([null, null]);
  });

  it('tells events without a seq apart by time and type', () => {
    const stage = orderAndDedupeStage();
    const first = batchOf([event(T, 'battery_low', null), event(T + 60_000, 'charging_start', null)]);
    stage.run(first);
    expect(refused(first)).toEqual([null, null]);
    for (const f of first.afterCommit) f();
    const again = batchOf([event(T, 'battery_low', null), event(T + 120_000, 'power_off', null)]);
    stage.run(again);
    expect(refused(again)).toEqual(['duplicate', null]);
  });
});
