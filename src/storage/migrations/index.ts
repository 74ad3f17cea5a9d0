import { core } from './001-core.ts';
import { timeseries } from './002-timeseries.ts';
import { hourlySummary } from './003-hourly-summary.ts';
import type { Migration } from './migration.ts';

/** In order; never edit a released migration, add a new one. */
export const migrations: readonly Migration[] = [core, timeseries, hourlySummary];
