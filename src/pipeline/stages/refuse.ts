import type { RefusalReason } from '../../../schemas/wire/refusal.js';
import type { Batch, EventItem, FixItem } from '../types.js';

/** Marks an item refused with a reason; the persist stage dead-letters it and metrics count it. */
export function refuseItem(
  batch: Batch,
  item: FixItem | EventItem,
  reason: RefusalReason,
  detail: string,
): void {
  item.refusal = { reason, detail };
  batch.refusalCounts.set(reason, (batch.refusalCounts.get(reason) ?? 0) + 1);
}
