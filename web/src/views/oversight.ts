// The oversight page (issue 9) for the county, the city and the procuratorate: handling quality as
// figures and charts over a chosen period (虚管), the lost-supervision register (脱管), missed intake
// (漏管), EM legality (Art. 29), the daily county summaries and the sampled review. Everything is
// read-only and scoped by the API to the caller's unit; each report read is audited there.
// The period is in the address (?from=&to=, instants), so a view can be bookmarked and reproduced.
import type { ConsoleApp } from '../console-app.js';
import { h, replaceChildren } from '../dom.js';
import { t } from '../i18n/index.js';
import type {
  DailySummaries,
  EmLegalityReport,
  HandlingDaily,
  HandlingReport,
  LostContactRegister,
  MissedIntakeReport,
} from '../oversight-types.js';
import { type ChartCard, chartCard } from './chart-card.js';
import { dailySpecs, periodSpecs } from './oversight-charts.js';
import { legalityCard, lostContactCard, missedIntakeCard, type Names } from './oversight-registers.js';
import { dailySummariesCard, sampleCard } from './oversight-reviews.js';
import { card } from './widgets.js';

const DAY_MS = 86_400_000;
const CST_MS = 8 * 3_600_000;
/** The API draws at most this many daily buckets (routes/oversight-reports.ts). */
const MAX_SERIES_DAYS = 92;

const cstDay = (ms: number) => new Date(ms + CST_MS).toISOString().slice(0, 10);
const cstMidnight = (day: string) => Date.parse(`${day}T00:00:00+08:00`);

function periodFromAddress(now: number): { from: number; to: number } {
  const params = new URLSearchParams(location.search);
  const from = Date.parse(params.get('from') ?? '');
  const to = Date.parse(params.get('to') ?? '');
  if (to > from) return { from, to };
  // Default: the last 30 days up to the end of today, China Standard Time.
  const end = cstMidnight(cstDay(now)) + DAY_MS;
  return { from: end - 30 * DAY_MS, to: end };
}

const minutes = (s: number | null) => (s === null ? '—' : (s / 60).toFixed(1));

function officeTable(report: HandlingReport): HTMLElement {
  const d = t().oversight;
  const s = d.series;
  const head = [
    d.office,
    d.figures.incidents,
    d.figures.personDays,
    d.figures.rate,
    `${s.ackP50} (${d.units.minutes})`,
    `${s.ackP95} (${d.units.minutes})`,
    `${s.resolveP50} (${d.units.minutes})`,
    `${s.resolveP95} (${d.units.minutes})`,
  ];
  const cell = (field: string, value: number | null, text: string) =>
    h('td', { class: 'num', 'data-field': field, 'data-value': value === null ? '' : value }, text);
  return h(
    'table',
    { class: 'register', 'data-testid': 'office-figures' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        head.map((c) => h('th', {}, c)),
      ),
    ),
    h(
      'tbody',
      {},
      report.offices.map((o) =>
        h(
          'tr',
          { 'data-office': o.orgUnitId },
          h('th', {}, o.name),
          cell('incidentsOpened', o.incidentsOpened, String(o.incidentsOpened)),
          cell('supervisedPersonDays', o.supervisedPersonDays, String(o.supervisedPersonDays)),
          cell('incidentsPerPersonDay', o.incidentsPerPersonDay, o.incidentsPerPersonDay?.toFixed(3) ?? '—'),
          cell('acknowledgeP50S', o.acknowledge.p50S, minutes(o.acknowledge.p50S)),
          cell('acknowledgeP95S', o.acknowledge.p95S, minutes(o.acknowledge.p95S)),
          cell('resolveP50S', o.resolve.p50S, minutes(o.resolve.p50S)),
          cell('resolveP95S', o.resolve.p95S, minutes(o.resolve.p95S)),
        ),
      ),
    ),
  );
}

function officerTable(report: HandlingReport, names: Names): HTMLElement {
  const d = t().oversight;
  const s = d.series;
  return h(
    'table',
    { class: 'register', 'data-testid': 'officer-figures' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        [
          d.officer,
          d.office,
          d.figures.handled,
          s.ackP50,
          s.ackP95,
          s.resolveP50,
          s.resolveP95,
          d.figures.rate,
        ].map((c) => h('th', {}, c)),
      ),
    ),
    h(
      'tbody',
      {},
      report.officers.map((o) =>
        h(
          'tr',
          { 'data-user': o.userId },
          h('th', {}, o.name),
          h('td', {}, names.office(o.orgUnitId)),
          h('td', { class: 'num', 'data-field': 'handled' }, o.handled),
          h('td', { class: 'num' }, minutes(o.acknowledge.p50S)),
          h('td', { class: 'num' }, minutes(o.acknowledge.p95S)),
          h('td', { class: 'num' }, minutes(o.resolve.p50S)),
          h('td', { class: 'num' }, minutes(o.resolve.p95S)),
          h('td', { class: 'num' }, o.assigned.incidentsPerPersonDay?.toFixed(3) ?? '—'),
        ),
      ),
    ),
  );
}

export function oversightPage(app: ConsoleApp, navigate: (path: string) => void) {
  const d = t().oversight;
  const period = periodFromAddress(Date.now());
  const fromInput = h('input', { type: 'date', name: 'from', value: cstDay(period.from), required: true });
  const toInput = h('input', { type: 'date', name: 'to', value: cstDay(period.to), required: true });
  const form = h(
    'form',
    { class: 'period-form', 'data-testid': 'period-form' },
    h('strong', {}, d.period),
    h('label', {}, d.from, fromInput),
    h('label', {}, d.to, toInput),
    h('button', { type: 'submit' }, d.apply),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const from = new Date(cstMidnight(fromInput.value)).toISOString();
    const to = new Date(cstMidnight(toInput.value)).toISOString();
    navigate(`/oversight?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
  });
  const body = h('div', { class: 'oversight-body' }, h('p', { class: 'muted' }, d.loading));
  const root = h('div', { class: 'oversight', 'data-state': 'loading' }, h('h1', {}, d.title), form, body);
  const charts: ChartCard[] = [];
  let disposed = false;

  const load = async () => {
    const query = { from: new Date(period.from).toISOString(), to: new Date(period.to).toISOString() };
    const summariesTo = cstDay(Date.now());
    const [handling, daily, lost, legality, intake, summaries, units] = await Promise.allSettled([
      app.api.get<HandlingReport>('/oversight/handling', query),
      period.to - period.from <= MAX_SERIES_DAYS * DAY_MS
        ? app.api.get<HandlingDaily>('/oversight/handling/daily', query)
        : Promise.reject(new Error(`> ${MAX_SERIES_DAYS} d`)),
      app.api.get<LostContactRegister>('/oversight/lost-contact'),
      app.api.get<EmLegalityReport>('/oversight/em-legality'),
      app.api.get<MissedIntakeReport>('/oversight/missed-intake'),
      app.api.get<DailySummaries>('/oversight/daily-summaries', {
        from: cstDay(Date.parse(summariesTo) - 13 * DAY_MS),
        to: summariesTo,
      }),
      app.api.get<{ items: { id: string; name: string }[] }>('/org-units'),
    ]);
    if (disposed) return;
    // Units in scope by name (a county's own staff act on its offices' incidents too).
    const officeNames = new Map<string, string>();
    if (units.status === 'fulfilled') for (const u of units.value.items) officeNames.set(u.id, u.name);
    const names: Names = {
      office: (id) => officeNames.get(id) ?? id,
      person: (id) => app.personName(id),
    };
    const failed = (r: PromiseRejectedResult) =>
      h('p', { class: 'error' }, `${d.failed}${(r.reason as Error)?.message ?? r.reason}`);
    const draw = (spec: Parameters<typeof chartCard>[0]) => {
      const c = chartCard(spec);
      charts.push(c);
      return c.root;
    };
    replaceChildren(
      body,
      h(
        'div',
        { class: 'chart-grid' },
        daily.status === 'fulfilled' ? dailySpecs(daily.value).map(draw) : null,
        handling.status === 'fulfilled' ? periodSpecs(handling.value).map(draw) : failed(handling),
      ),
      handling.status === 'fulfilled'
        ? card(d.offices, officeTable(handling.value), officerTable(handling.value, names))
        : null,
      lost.status === 'fulfilled' ? lostContactCard(lost.value, names) : failed(lost),
      h(
        'div',
        { class: 'two-col' },
        intake.status === 'fulfilled' ? missedIntakeCard(intake.value, names) : failed(intake),
        legality.status === 'fulfilled' ? legalityCard(legality.value, names) : failed(legality),
      ),
      summaries.status === 'fulfilled' ? dailySummariesCard(app, summaries.value) : failed(summaries),
      sampleCard(app, names),
    );
    root.dataset.state = 'ready';
  };

  return {
    root,
    mount() {
      void load();
    },
    dispose() {
      disposed = true;
      for (const c of charts) c.dispose();
    },
  };
}
