// Hourly per-device summary used by track queries over long ranges. With the community licence it is a
// continuous aggregate refreshed by TimescaleDB; elsewhere a table the service refreshes (time-partitions.ts).
import type { Migration } from './migration.js';

export const hourlySummary: Migration = {
  version: 3,
  name: 'hourly-summary',
  up(mode) {
    if (mode === 'timescaledb') {
      return [
        `create materialized view device_hourly with (timescaledb.continuous) as
           select device_id, time_bucket(interval '1 hour', ts) as hour, count(*)::int as fixes,
                  avg(lat) as lat, avg(lon) as lon, min(acc) as best_acc,
                  min(ts) as first_ts, max(ts) as last_ts, min(batt) as min_batt
           from fixes group by device_id, hour with no data`,
        `select add_continuous_aggregate_policy('device_hourly', start_offset => interval '3 days',
           end_offset => interval '1 hour', schedule_interval => interval '15 minutes')`,
        `alter table fixes set (timescaledb.compress, timescaledb.compress_segmentby = 'device_id',
           timescaledb.compress_orderby = 'ts desc')`,
        `select add_compression_policy('fixes', interval '7 days')`,
      ];
    }
    return [
      `create table device_hourly (
         device_id text not null, hour timestamptz not null, fixes integer not null,
         lat double precision not null, lon double precision not null, best_acc double precision,
         first_ts timestamptz not null, last_ts timestamptz not null, min_batt double precision,
         primary key (device_id, hour))`,
    ];
  },
};
