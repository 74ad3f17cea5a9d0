import { core } from './001-core.js';
import { timeseries } from './002-timeseries.js';
import { hourlySummary } from './003-hourly-summary.js';
import { brokerPasswordHash } from './004-broker-password-hash.js';
import { dailySummaries } from './005-daily-summaries.js';
import { directoryRevision } from './006-directory-revision.js';
import { incidentReopened } from './007-incident-reopened.js';
import { earlyEnd } from './008-early-end.js';
import type { Migration } from './migration.js';

/** In order; never edit a released migration, add a new one. */
export const migrations: readonly Migration[] = [
  core,
  timeseries,
  hourlySummary,
  brokerPasswordHash,
  dailySummaries,
  directoryRevision,
  incidentReopened,
  earlyEnd,
];
