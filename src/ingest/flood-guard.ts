// Per-device token bucket against floods (DEVELOPERS.md non-negotiable 4). A device reports at most
// every 15 s in fast mode and sends store-and-forward as batches, so a sustained message rate far
// above that is a fault or an attack: it is refused and counted, and other devices are not slowed.
export interface FloodGuardOptions {
  /** Messages a device may send in a burst (reconnect after an outage sends its backlog). */
  burst: number;
  /** Sustained messages per second per device. */
  perSecond: number;
}

export const DEFAULT_FLOOD_GUARD: FloodGuardOptions = { burst: 120, perSecond: 2 };

interface Bucket {
  tokens: number;
  at: number;
}

export class FloodGuard {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly options: FloodGuardOptions = DEFAULT_FLOOD_GUARD) {}

  /** True when the device may send one more message at `now` (ms). */
  allow(deviceId: string, now: number): boolean {
    const { burst, perSecond } = this.options;
    const b = this.buckets.get(deviceId);
    if (!b) {
      this.buckets.set(deviceId, { tokens: burst - 1, at: now });
      return true;
    }
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
