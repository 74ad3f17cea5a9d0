// Daily summary per county (issue 9 item 6): what the county agency reads each morning about the day
// before, for itself and each judicial office below it. Pure: the job (daily-summary-job.ts) reads the
// rows and stores the result; this decides which day is due and computes and flattens the figures.
import type { HandlingInput, HandlingReport } from './handling.js';
import { scopeTotal } from './handling-series.js';
import { type LostContactRow, lostContactEpisodes } from './lost-contact.js';
import { DAY_MS } from './stats.js';

/** China Standard Time: days are counted as officers count them. */
export const DEFAULT_UTC_OFFSET_MIN = 480;

export interface SummaryDay {
  /** The local calendar day, YYYY-MM-DD. */
  readonly day: string;
  readonly from: number;
  readonly to: number;
}

/** The local day [00:00, 24:00) of `day` at a fixed UTC offset (minutes east of UTC). */
export function localDay(day: string, utcOffsetMin: number): SummaryDay {
  const from = Date.parse(`${day}T00:00:00Z`) - utcOffsetMin * 60_000;
  if (Number.isNaN(from)) throw new RangeError(`not a day: ${day}`);
  return { day, from, to: from + DAY_MS };
}

/** The last local day that has ended by `now`: the one a run at `now` must have summarized. */
export function lastCompleteDay(now: number, utcOffsetMin: number): SummaryDay {
  const localNow = now + utcOffsetMin * 60_000;
  const yesterday = new Date(localNow - (localNow % DAY_MS) - DAY_MS).toISOString().slice(0, 10);
  return localDay(yesterday, utcOffsetMin);
}

export interface SummaryFigures {
  incidentsOpened: number;
  supervisedPersonDays: number;
  incidentsPerPersonDay: number | null;
  acknowledgeP50S: number | null;
  acknowledgeP95S: number | null;
  resolveP50S: number | null;
  resolveP95S: number | null;
  escalatedToCounty: number;
  escalatedToCity: number;
  /** Unresolved when the summary was generated (any opening day). */
  openAtGeneration: number;
  /** Lost-contact cases that began during the day / still unresolved at generation. */
  lostContactStarted: number;
  lostContactOngoing: number;
}

export interface DailySummaryContent {
  countyId: string;
  countyName: string;
  day: string;
  from: string;
  to: string;
  utcOffsetMinutes: number;
  generatedAt: string;
  county: SummaryFigures & {
    ordersEndingWithin7Days: number;
    ordersExpiredUnrevoked: number;
    fixesOutsideOrder: number;
    incidentsOutsideOrder: number;
    ordersWithoutGroundOrApprover: number;
  };
  offices: (SummaryFigures & { orgUnitId: string; name: string })[];
}

export interface DailySummaryInput {
  readonly county: { id: string; name: string };
  readonly day: SummaryDay;
  readonly utcOffsetMin: number;
  readonly now: number;
  /** readHandling over [day.from, day.to) at `now`, and its report. */
  readonly handlingInput: HandlingInput;
  readonly handling: HandlingReport;
  readonly lostContact: readonly LostContactRow[];
  readonly legality: {
    ordersEndingWithin7Days: number;
    ordersExpiredUnrevoked: number;
    fixesOutsideOrder: number;
    incidentsOutsideOrder: number;
    ordersWithoutGroundOrApprover: number;
  };
}

type HandlingFigures = Pick<
  HandlingReport['offices'][number],
  | 'incidentsOpened'
  | 'supervisedPersonDays'
  | 'incidentsPerPersonDay'
  | 'acknowledge'
  | 'resolve'
  | 'escalated'
  | 'openByAge'
>;

function figures(h: HandlingFigures, rows: readonly LostContactRow[], day: SummaryDay): SummaryFigures {
  // Cases, not incidents: a silence raised again after a resolution is one case (lost-contact.ts).
  const lost = lostContactEpisodes(rows);
  return {
    incidentsOpened: h.incidentsOpened,
    supervisedPersonDays: h.supervisedPersonDays,
    incidentsPerPersonDay: h.incidentsPerPersonDay,
    acknowledgeP50S: h.acknowledge.p50S,
    acknowledgeP95S: h.acknowledge.p95S,
    resolveP50S: h.resolve.p50S,
    resolveP95S: h.resolve.p95S,
    escalatedToCounty: h.escalated.toCounty,
    escalatedToCity: h.escalated.toCity,
    openAtGeneration: Object.values(h.openByAge).reduce((a, b) => a + b, 0),
    lostContactStarted: lost.filter((l) => l.startedAt >= day.from && l.startedAt < day.to).length,
    lostContactOngoing: lost.filter((l) => l.resolvedAt === null).length,
  };
}

export function buildDailySummary(input: DailySummaryInput): DailySummaryContent {
  const { day } = input;
  return {
    countyId: input.county.id,
    countyName: input.county.name,
    day: day.day,
    from: new Date(day.from).toISOString(),
    to: new Date(day.to).toISOString(),
    utcOffsetMinutes: input.utcOffsetMin,
    generatedAt: new Date(input.now).toISOString(),
    county: {
      ...figures(scopeTotal(input.handlingInput), input.lostContact, day),
      ...input.legality,
    },
    offices: input.handling.offices.map((o) => ({
      orgUnitId: o.orgUnitId,
      name: o.name,
      ...figures(
        o,
        input.lostContact.filter((l) => l.orgUnitId === o.orgUnitId),
        day,
      ),
    })),
  };
}

const CSV_FIGURES: (keyof SummaryFigures)[] = [
  'incidentsOpened',
  'supervisedPersonDays',
  'incidentsPerPersonDay',
  'acknowledgeP50S',
  'acknowledgeP95S',
  'resolveP50S',
  'resolveP95S',
  'escalatedToCounty',
  'escalatedToCity',
  'openAtGeneration',
  'lostContactStarted',
  'lostContactOngoing',
];

/**
 * One field of RFC 4180 CSV. A text cell starting with = + - @ is prefixed with ' so a spreadsheet
 * does not run it as a formula (names come from users).
 */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One row per county and day (unit = the county) and one per office below it. */
export function dailySummariesCsv(summaries: readonly { content: DailySummaryContent; sha256: string }[]) {
  const header = ['day', 'county_id', 'unit_id', 'unit_name', ...CSV_FIGURES, 'generated_at', 'sha256'];
  const lines = [header.join(',')];
  for (const { content: c, sha256 } of summaries) {
    const row = (unitId: string, name: string, f: SummaryFigures) =>
      [c.day, c.countyId, unitId, name, ...CSV_FIGURES.map((k) => f[k]), c.generatedAt, sha256]
        .map(csvField)
        .join(',');
    lines.push(row(c.countyId, c.countyName, c.county));
    for (const o of c.offices) lines.push(row(o.orgUnitId, o.name, o));
  }
  return `${lines.join('\r\n')}\r\n`;
}
