// The handling-quality charts (虚管): rates and response times over the period, by day and by office,
// escalations, the open backlog by age, dispositions and per-officer work. Each is a ChartSpec built
// from the API's figures; chart-card.ts draws it and lists its numbers.
import { t } from '../i18n/index.js';
import type { HandlingDaily, HandlingReport } from '../oversight-types.js';
import type { ChartSpec } from './chart-card.js';

const AGE_BUCKETS = ['under1h', 'h1to24', 'd1to7', 'over7d'] as const;
const TOTAL = 'all';

/** A bucket's start as its China Standard Time calendar day, MM-DD. */
export function dayLabel(iso: string): string {
  return new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(5, 10);
}

const minutes = (s: number | null) => (s === null ? null : s / 60);
const fixed = (digits: number) => (v: number) =>
  v.toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: 0 });

export function dailySpecs(daily: HandlingDaily): ChartSpec[] {
  const d = t().oversight;
  const labels = daily.days.map((day) => dayLabel(day.day));
  const offices = [...daily.offices, { id: TOTAL, name: d.total }];
  return [
    {
      id: 'daily-rate',
      title: d.charts.dailyRate,
      kind: 'line',
      labels,
      series: offices.map((o) => ({
        label: o.name,
        values: daily.days.map((day) => day.offices[o.id]?.incidentsPerPersonDay ?? null),
        ...(o.id === TOTAL ? { color: '#111827' } : {}),
      })),
      format: fixed(3),
    },
    {
      id: 'daily-ack',
      title: d.charts.dailyAck,
      kind: 'line',
      labels,
      // Seconds for most, days for a lost contact resolved without a separate acknowledgement.
      logScale: true,
      series: [
        {
          label: d.series.ackP50,
          values: daily.days.map((day) => minutes(day.offices[TOTAL]?.acknowledgeP50S ?? null)),
        },
        {
          label: d.series.ackP95,
          values: daily.days.map((day) => minutes(day.offices[TOTAL]?.acknowledgeP95S ?? null)),
        },
      ],
      format: fixed(1),
    },
  ];
}

export function periodSpecs(report: HandlingReport): ChartSpec[] {
  const d = t().oversight;
  const offices = report.offices;
  const labels = offices.map((o) => o.name);
  const dispositionKeys = [...new Set(offices.flatMap((o) => Object.keys(o.dispositions)))].sort();
  const dispositionName = (k: string) => (t().disposition as Record<string, string>)[k] ?? k;
  const officers = report.officers.filter((o) => o.handled > 0);
  return [
    {
      id: 'response-times',
      title: d.charts.responseTimes,
      kind: 'bar',
      labels,
      logScale: true,
      series: [
        { label: d.series.ackP50, values: offices.map((o) => minutes(o.acknowledge.p50S)) },
        { label: d.series.ackP95, values: offices.map((o) => minutes(o.acknowledge.p95S)) },
        { label: d.series.resolveP50, values: offices.map((o) => minutes(o.resolve.p50S)) },
        { label: d.series.resolveP95, values: offices.map((o) => minutes(o.resolve.p95S)) },
      ],
      format: fixed(1),
    },
    {
      id: 'escalations',
      title: d.charts.escalations,
      kind: 'bar',
      labels,
      series: [
        { label: d.series.toCounty, values: offices.map((o) => o.escalated.toCounty), color: '#d97706' },
        { label: d.series.toCity, values: offices.map((o) => o.escalated.toCity), color: '#dc2626' },
      ],
    },
    {
      id: 'open-by-age',
      title: d.charts.openByAge,
      kind: 'bar',
      labels,
      stacked: true,
      series: AGE_BUCKETS.map((bucket, i) => ({
        label: d.age[bucket] ?? bucket,
        values: offices.map((o) => o.openByAge[bucket]),
        color: ['#93c5fd', '#60a5fa', '#f59e0b', '#dc2626'][i]!,
      })),
    },
    {
      id: 'dispositions',
      title: d.charts.dispositions,
      kind: 'bar',
      labels,
      stacked: true,
      horizontal: true,
      series: dispositionKeys.map((k) => ({
        label: dispositionName(k),
        values: offices.map((o) => o.dispositions[k] ?? 0),
      })),
    },
    {
      id: 'officers',
      title: d.charts.officers,
      kind: 'bar',
      labels: officers.map((o) => o.name),
      horizontal: true,
      series: [{ label: d.series.handled, values: officers.map((o) => o.handled) }],
    },
  ];
}
