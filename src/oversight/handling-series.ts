// Handling quality as a time series (issue 9: "people would rather look than read"): the same figures
// as handling.ts, for each day-long bucket [from + k·day, from + (k+1)·day) of the period, per office
// and for the whole scope. Buckets start at `from`, so the caller chooses the day boundary (the
// console passes local midnight). Pure: it re-slices the rows readHandling already returned.
import { aggregateHandling, type HandlingInput } from './handling.js';
import { DAY_MS } from './stats.js';

export interface HandlingDay {
  /** Start of the bucket. */
  day: string;
  /** Per office and, under `all`, the whole scope. */
  offices: Record<
    string,
    {
      incidentsOpened: number;
      supervisedPersonDays: number;
      incidentsPerPersonDay: number | null;
      acknowledgeP50S: number | null;
      acknowledgeP95S: number | null;
      resolveP50S: number | null;
      resolveP95S: number | null;
      escalatedToCounty: number;
    }
  >;
}

export const SCOPE_TOTAL = 'all';

export function handlingByDay(input: HandlingInput): HandlingDay[] {
  const whole = asOneOffice(input);
  const days: HandlingDay[] = [];
  for (let start = input.from; start < input.to; start += DAY_MS) {
    const end = Math.min(start + DAY_MS, input.to);
    const offices: HandlingDay['offices'] = {};
    for (const source of [{ ...input, officers: [] }, whole]) {
      const report = aggregateHandling({ ...source, from: start, to: end });
      for (const o of report.offices) {
        offices[o.orgUnitId] = {
          incidentsOpened: o.incidentsOpened,
          supervisedPersonDays: o.supervisedPersonDays,
          incidentsPerPersonDay: o.incidentsPerPersonDay,
          acknowledgeP50S: o.acknowledge.p50S,
          acknowledgeP95S: o.acknowledge.p95S,
          resolveP50S: o.resolve.p50S,
          resolveP95S: o.resolve.p95S,
          escalatedToCounty: o.escalated.toCounty,
        };
      }
    }
    days.push({ day: new Date(start).toISOString(), offices });
  }
  return days;
}

/** The scope-wide figures for [from, to): the whole scope treated as one office. */
export function scopeTotal(input: HandlingInput) {
  return aggregateHandling(asOneOffice(input)).offices[0]!;
}

/** The whole scope as one office: every row relabelled, so person-days are a union per person. */
function asOneOffice(input: HandlingInput): HandlingInput {
  return {
    ...input,
    offices: [{ id: SCOPE_TOTAL, name: SCOPE_TOTAL }],
    officers: [],
    incidents: input.incidents.map((i) => ({ ...i, orgUnitId: SCOPE_TOTAL })),
    periods: input.periods.map((p) => ({ ...p, orgUnitId: SCOPE_TOTAL })),
  };
}
