// The order & dedupe stage on its own: a repeated event (a QoS 1 redelivery) is refused as a
// duplicate, and events without a seq are told apart by time and type, never all by a missing seq.
import { describe, expect, it } from 'vitest';
import type { DeviceEvent } from '../../src/domain/fix.js';
import { emptyBatch } from '../../src/pipeline/pipeline.js';
import { orderAndDedupeStage } from '../../src/pipeline/stages/order-dedupe.js';
import type { Batch, EventItem } from '../../src/pipeline/types.js';

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
