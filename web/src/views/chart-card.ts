// A chart with its numbers: Chart.js draws the picture (docs/decisions/0008), and a table under it
// holds every value drawn, for people who read rather than look, for screen readers, and for the
// browser tests, which check the figures there and on the canvas's data attributes.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
} from 'chart.js';
import { h } from '../dom.js';
import { t } from '../i18n/index.js';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
);
Chart.defaults.font.family = getComputedStyle(document.body).fontFamily || 'sans-serif';
Chart.defaults.animation = false;

/** Series colours, in order; the first few match the console's palette. */
export const PALETTE = [
  '#2563eb',
  '#ea580c',
  '#15803d',
  '#9333ea',
  '#dc2626',
  '#0891b2',
  '#ca8a04',
  '#64748b',
];

export interface Series {
  label: string;
  /** One value per label; null draws a gap. */
  values: (number | null)[];
  color?: string;
}

export interface ChartSpec {
  /** Stable id for tests and styling (data-chart). */
  id: string;
  title: string;
  kind: 'line' | 'bar';
  labels: string[];
  series: Series[];
  stacked?: boolean;
  horizontal?: boolean;
  logScale?: boolean;
  /** Formats a value in the table; the raw value is kept in data-value. */
  format?: (value: number) => string;
}

export interface ChartCard {
  root: HTMLElement;
  dispose(): void;
}

function dataTable(spec: ChartSpec): HTMLElement {
  const format = spec.format ?? ((v: number) => String(v));
  return h(
    'table',
    { class: 'chart-data', 'data-chart': spec.id },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, ''),
        spec.series.map((s) => h('th', {}, s.label)),
      ),
    ),
    h(
      'tbody',
      {},
      spec.labels.map((label, i) =>
        h(
          'tr',
          { 'data-label': label },
          h('th', {}, label),
          spec.series.map((s) => {
            const v = s.values[i] ?? null;
            return h(
              'td',
              { 'data-series': s.label, 'data-value': v === null ? '' : String(v) },
              v === null ? '—' : format(v),
            );
          }),
        ),
      ),
    ),
  );
}

export function chartCard(spec: ChartSpec): ChartCard {
  const canvas = h('canvas', { 'data-chart': spec.id, role: 'img', 'aria-label': spec.title });
  const empty = spec.labels.length === 0 || spec.series.every((s) => s.values.every((v) => v === null));
  const root = h(
    'section',
    { class: 'card chart-card', 'data-chart': spec.id },
    h('h2', {}, spec.title),
    empty ? h('p', { class: 'muted empty' }, t().oversight.noData) : h('div', { class: 'chart-box' }, canvas),
    h('details', { class: 'chart-details' }, h('summary', {}, t().oversight.showData), dataTable(spec)),
  );
  if (empty) return { root, dispose() {} };
  const indexAxis = spec.horizontal ? 'y' : 'x';
  const valueAxis = spec.horizontal ? 'x' : 'y';
  const config: ChartConfiguration<'line' | 'bar'> = {
    type: spec.kind,
    data: {
      labels: spec.labels,
      datasets: spec.series.map((s, i) => {
        const color = s.color ?? PALETTE[i % PALETTE.length]!;
        return {
          label: s.label,
          data: s.values,
          borderColor: color,
          backgroundColor: spec.kind === 'line' ? color : `${color}cc`,
          spanGaps: false,
          pointRadius: spec.kind === 'line' ? 2 : 0,
          borderWidth: spec.kind === 'line' ? 2 : 0,
        };
      }),
    },
    options: {
      indexAxis,
      responsive: true,
      maintainAspectRatio: false,
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
      scales: {
        [indexAxis]: { stacked: spec.stacked ?? false, ticks: { autoSkip: true, maxRotation: 0 } },
        [valueAxis]: spec.logScale
          ? { type: 'logarithmic', stacked: false }
          : { beginAtZero: true, stacked: spec.stacked ?? false },
      },
    },
  };
  let chart: Chart<'line' | 'bar'> | null = null;
  // Drawn once the canvas is in the page (Chart.js measures its box).
  queueMicrotask(() => {
    if (!canvas.isConnected) return;
    chart = new Chart(canvas, config);
    canvas.dataset.datasets = JSON.stringify(
      chart.data.datasets.map((d) => ({ label: d.label, data: d.data })),
    );
    canvas.dataset.labels = JSON.stringify(chart.data.labels);
    canvas.dataset.rendered = 'true';
  });
  return {
    root,
    dispose() {
      chart?.destroy();
    },
  };
}
