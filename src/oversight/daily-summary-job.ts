// Generates the daily summary of every county for the last complete local day, once: a summary that
// exists is never recomputed (the figures of a day are what was known when it was first summarized),
// and the insert ignores a concurrent one from another instance (primary key county + day). The
// service runs it at start and every few minutes on its injected clock (service.ts).
import type pg from 'pg';
import {
  buildDailySummary,
  type DailySummaryContent,
  lastCompleteDay,
  type SummaryDay,
} from './daily-summary.js';
import { emLegality } from './em-legality.js';
import { aggregateHandling } from './handling.js';
import { readHandling, readLegalityChecks, readLostContact, readOrders } from './readers.js';
import { contentHash } from './sample.js';

type Queryable = Pick<pg.Pool, 'query'>;

export interface SummaryRun {
  day: string;
  generated: string[];
  alreadyThere: string[];
}

export async function generateDailySummaries(
  db: Queryable,
  now: number,
  utcOffsetMin: number,
  day: SummaryDay = lastCompleteDay(now, utcOffsetMin),
): Promise<SummaryRun> {
  const counties = await db.query<{ id: string; name: string; path: string; done: boolean }>(
    `select u.id, u.name, u.path,
       exists (select 1 from daily_summaries d where d.county_id = u.id and d.day = $1::date) as done
     from org_units u where u.level = 'county' order by u.path`,
    [day.day],
  );
  const run: SummaryRun = { day: day.day, generated: [], alreadyThere: [] };
  for (const county of counties.rows) {
    if (county.done) {
      run.alreadyThere.push(county.id);
      continue;
    }
    const handlingInput = await readHandling(db, county.path, { from: day.from, to: day.to, now });
    const orders = await readOrders(db, county.path);
    const legality = emLegality(orders, now, 7);
    const checks = await readLegalityChecks(db, county.path);
    const content = buildDailySummary({
      county,
      day,
      utcOffsetMin,
      now,
      handlingInput,
      handling: aggregateHandling(handlingInput),
      lostContact: await readLostContact(db, county.path),
      legality: {
        ordersEndingWithin7Days: legality.endingSoon.length,
        ordersExpiredUnrevoked: legality.expired.length,
        fixesOutsideOrder: checks.fixesOutsideOrder,
        incidentsOutsideOrder: checks.incidentsOutsideOrder,
        ordersWithoutGroundOrApprover: checks.ordersWithoutGroundOrApprover,
      },
    });
    const res = await db.query(
      `insert into daily_summaries (county_id, day, generated_at, content, sha256) values ($1, $2::date, $3, $4, $5)
       on conflict (county_id, day) do nothing`,
      [county.id, day.day, new Date(now), JSON.stringify(content), contentHash(content)],
    );
    (res.rowCount ? run.generated : run.alreadyThere).push(county.id);
  }
  return run;
}

export interface StoredSummary {
  content: DailySummaryContent;
  sha256: string;
}

/** Stored summaries of the counties in scope (path prefix), days in [fromDay, toDay], oldest first. */
export async function readDailySummaries(
  db: Queryable,
  scope: string,
  fromDay: string,
  toDay: string,
): Promise<StoredSummary[]> {
  const res = await db.query<{ content: DailySummaryContent; sha256: string }>(
    `select d.content, d.sha256 from daily_summaries d join org_units u on u.id = d.county_id
     where u.path like $1 and d.day between $2::date and $3::date order by d.day, u.path`,
    [scope, fromDay, toDay],
  );
  return res.rows.map((r) => ({ content: r.content, sha256: r.sha256 }));
}
