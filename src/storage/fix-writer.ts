// Batched, idempotent writes of the time series: one multi-row insert per table through unnest(),
// which every mode (TimescaleDB, PostgreSQL, PGlite) runs the same. ON CONFLICT on (device_id, ts)
// makes a redelivered batch a no-op (ARCHITECTURE.md: on redelivery, duplicate nothing).
import type pg from 'pg';
import type { DeviceEvent, Fix } from '../domain/fix.js';
import { pgText } from './pg-text.js';

export interface StoredFix extends Fix {
  readonly superviseeId: string | null;
  readonly late: boolean;
}

export interface StoredEvent extends DeviceEvent {
  readonly superviseeId: string | null;
}

type Queryable = Pick<pg.PoolClient, 'query'>;

/**
 * Returns how many fixes were new (the rest were already stored). `onAlreadyStored`, when given, is
 * called with the index of every fix the database already held (or held earlier in this batch), so
 * that it is counted as a duplicate rather than as a fix stored.
 */
export async function writeFixes(
  db: Queryable,
  fixes: readonly StoredFix[],
  onAlreadyStored?: (index: number) => void,
): Promise<number> {
  if (fixes.length === 0) return 0;
  const n = fixes.length;
  const cols = {
    device: new Array<string>(n),
    ts: new Array<string>(n),
    seq: new Array<number | null>(n),
    person: new Array<string | null>(n),
    lat: new Array<number>(n),
    lon: new Array<number>(n),
    acc: new Array<number>(n),
    src: new Array<string>(n),
    spd: new Array<number | null>(n),
    hdg: new Array<number | null>(n),
    alt: new Array<number | null>(n),
    batt: new Array<number | null>(n),
    received: new Array<string>(n),
    protocol: new Array<string>(n),
    late: new Array<boolean>(n),
  };
  for (let i = 0; i < n; i++) {
    const f = fixes[i]!;
    cols.device[i] = f.deviceId;
    cols.ts[i] = new Date(f.ts).toISOString();
    cols.seq[i] = f.seq;
    cols.person[i] = f.superviseeId;
    cols.lat[i] = f.lat;
    cols.lon[i] = f.lon;
    cols.acc[i] = f.accuracyM;
    cols.src[i] = f.source;
    cols.spd[i] = f.speedMps ?? null;
    cols.hdg[i] = f.headingDeg ?? null;
    cols.alt[i] = f.altitudeM ?? null;
    cols.batt[i] = f.batteryPct ?? null;
    cols.received[i] = new Date(f.receivedAt).toISOString();
    cols.protocol[i] = f.protocol;
    cols.late[i] = f.late;
  }
  const res = await db.query(
    `insert into fixes (device_id, ts, seq, supervisee_id, lat, lon, acc, src, spd, hdg, alt, batt,
                        received_at, protocol, late)
     select * from unnest($1::text[], $2::timestamptz[], $3::bigint[], $4::text[], $5::float8[], $6::float8[],
                          $7::float8[], $8::text[], $9::float8[], $10::float8[], $11::float8[], $12::float8[],
                          $13::timestamptz[], $14::text[], $15::boolean[])
     on conflict (device_id, ts) do nothing${onAlreadyStored ? ' returning device_id, ts' : ''}`,
    [
      cols.device,
      cols.ts,
      cols.seq,
      cols.person,
      cols.lat,
      cols.lon,
      cols.acc,
      cols.src,
      cols.spd,
      cols.hdg,
      cols.alt,
      cols.batt,
      cols.received,
      cols.protocol,
      cols.late,
    ],
  );
  if (onAlreadyStored) {
    const inserted = new Set<string>();
    for (const row of res.rows as Array<{ device_id: string; ts: Date }>) {
      inserted.add(`${row.device_id}|${row.ts.getTime()}`);
    }
    for (let i = 0; i < n; i++) {
      // Deleted once matched: a second fix with the same key in this batch was not the one stored.
      if (!inserted.delete(`${cols.device[i]}|${new Date(fixes[i]!.ts).getTime()}`)) onAlreadyStored(i);
    }
  }
  return res.rowCount ?? 0;
}

export async function writeDeviceEvents(db: Queryable, events: readonly StoredEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const res = await db.query(
    `insert into device_events (device_id, ts, type, seq, supervisee_id, detail, received_at, protocol)
     select * from unnest($1::text[], $2::timestamptz[], $3::text[], $4::bigint[], $5::text[], $6::text[],
                          $7::timestamptz[], $8::text[])
     on conflict (device_id, ts, type) do nothing`,
    [
      events.map((e) => e.deviceId),
      events.map((e) => new Date(e.ts).toISOString()),
      events.map((e) => e.type),
      events.map((e) => e.seq),
      events.map((e) => e.superviseeId),
      events.map((e) => pgText(e.detail ?? null)),
      events.map((e) => new Date(e.receivedAt).toISOString()),
      events.map((e) => e.protocol),
    ],
  );
  return res.rowCount ?? 0;
}
