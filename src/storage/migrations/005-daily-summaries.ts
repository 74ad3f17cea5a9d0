// Daily summary per county (issue 9 item 6): generated once per county and local day by the service
// (src/oversight/daily-summary-job.ts); the primary key makes a second generation a no-op, even with
// several instances racing.
import type { Migration } from './migration.js';

export const dailySummaries: Migration = {
  version: 5,
  name: 'daily-summaries',
  up() {
    return [
      `create table daily_summaries (
         county_id text not null references org_units(id),
         day date not null,
         generated_at timestamptz not null,
         content jsonb not null,
         sha256 text not null,
         primary key (county_id, day))`,
    ];
  },
};
