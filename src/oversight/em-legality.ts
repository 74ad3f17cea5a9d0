// EM legality (Art. 29) and missed intake (漏管), the parts computed from order rows. An order is in
// force over [starts_at, min(ends_at, revoked_at)); outside that, no location may be stored.
import { DAY_MS } from './stats.js';

export interface OrderRow {
  readonly id: string;
  readonly superviseeId: string;
  readonly orgUnitId: string;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly revokedAt: number | null;
  readonly renewsOrderId: string | null;
}

export const effectiveEnd = (o: OrderRow): number =>
  o.revokedAt === null ? o.endsAt : Math.min(o.endsAt, o.revokedAt);

export const inForce = (o: OrderRow, now: number): boolean => o.startsAt <= now && now < effectiveEnd(o);

const iso = (t: number) => new Date(t).toISOString();

function orderView(o: OrderRow, renewed: ReadonlySet<string>) {
  return {
    orderId: o.id,
    superviseeId: o.superviseeId,
    orgUnitId: o.orgUnitId,
    startsAt: iso(o.startsAt),
    endsAt: iso(o.endsAt),
    /** A later order names this one in renews_order_id. */
    renewed: renewed.has(o.id),
  };
}

/**
 * Orders in force now that end within `soonDays`; unrevoked orders whose end has passed; and, per
 * person with an order, how many orders are extensions (renews_order_id set) and the longest chain
 * of renewals (1 = a single order).
 */
export function emLegality(orders: readonly OrderRow[], now: number, soonDays = 7) {
  const renewed = new Set(orders.map((o) => o.renewsOrderId).filter((id): id is string => id !== null));
  const byId = new Map(orders.map((o) => [o.id, o]));
  const endingSoon = orders
    .filter((o) => inForce(o, now) && o.revokedAt === null && o.endsAt - now <= soonDays * DAY_MS)
    .sort((a, b) => a.endsAt - b.endsAt)
    .map((o) => ({
      ...orderView(o, renewed),
      daysLeft: Math.round(((o.endsAt - now) / DAY_MS) * 100) / 100,
    }));
  const expired = orders
    .filter((o) => o.revokedAt === null && o.endsAt <= now)
    .sort((a, b) => b.endsAt - a.endsAt)
    .map((o) => orderView(o, renewed));
  const chainLength = (o: OrderRow): number => {
    let n = 1;
    const seen = new Set([o.id]);
    let cur = o;
    while (cur.renewsOrderId !== null) {
      const prev = byId.get(cur.renewsOrderId);
      if (!prev || seen.has(prev.id)) break;
      seen.add(prev.id);
      cur = prev;
      n++;
    }
    return n;
  };
  const people = new Map<
    string,
    { superviseeId: string; orgUnitId: string; orders: number; extensions: number; longestChain: number }
  >();
  for (const o of orders) {
    const p = people.get(o.superviseeId) ?? {
      superviseeId: o.superviseeId,
      orgUnitId: o.orgUnitId,
      orders: 0,
      extensions: 0,
      longestChain: 0,
    };
    p.orders++;
    if (o.renewsOrderId !== null) p.extensions++;
    p.longestChain = Math.max(p.longestChain, chainLength(o));
    people.set(o.superviseeId, p);
  }
  return {
    endingSoon,
    expired,
    extensionsPerPerson: [...people.values()].sort((a, b) => a.superviseeId.localeCompare(b.superviseeId)),
  };
}

export type IntakeFinding = 'never_reported' | 'late_first_fix';

/**
 * An order in force whose person's first fix inside it came more than `graceDays` after it began,
 * or has not come although that grace has passed. Null when intake was on time (or is still within
 * the grace: a person whose order began an hour ago is not yet a finding).
 */
export function intakeFinding(
  order: OrderRow,
  firstFixAt: number | null,
  now: number,
  graceDays = 1,
): IntakeFinding | null {
  const deadline = order.startsAt + graceDays * DAY_MS;
  if (firstFixAt === null) return now >= deadline ? 'never_reported' : null;
  return firstFixAt > deadline ? 'late_first_fix' : null;
}
