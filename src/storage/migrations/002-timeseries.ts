// Fixes and device events: the time series. Idempotent on the device's identity of a fix (device, ts),
// so a redelivered batch stores nothing twice. Layout by storage mode (ARCHITECTURE.md).
import type { Migration } from './migration.js';

const fixesColumns = `
  device_id text not null,
  ts timestamptz not null,
  seq bigint,
  supervisee_id text,
  lat double precision not null,
  lon double precision not null,
  acc double precision not null,
  src text not null,
  spd double precision,
  hdg double precision,
  alt double precision,
  batt double precision,
  received_at timestamptz not null,
  protocol text not null,
  late boolean not null default false,
  primary key (device_id, ts)`;

const eventsColumns = `
  device_id text not null,
  ts timestamptz not null,
  type text not null,
  seq bigint,
  supervisee_id text,
  detail text,
  received_at timestamptz not null,
  protocol text not null,
  primary key (device_id, ts, type)`;

export const timeseries: Migration = {
  version: 2,
  name: 'timeseries',
  up(mode) {
    if (mode === 'postgres') {
      return [
        `create table fixes (${fixesColumns}) partition by range (ts)`,
        `create table device_events (${eventsColumns}) partition by range (ts)`,
        `create index fixes_supervisee_ts on fixes(supervisee_id, ts desc)`,
      ];
    }
    return [
      `create table fixes (${fixesColumns})`,
      `select create_hypertable('fixes', 'ts', chunk_time_interval => interval '1 day')`,
      `create table device_events (${eventsColumns})`,
      `select create_hypertable('device_events', 'ts', chunk_time_interval => interval '7 days')`,
      `create index fixes_supervisee_ts on fixes(supervisee_id, ts desc)`,
    ];
  },
};
