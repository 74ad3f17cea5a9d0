// Small-multiple line charts of time series as a standalone SVG, rendered headless by Vega-Lite
// (no browser, no canvas): the soak and fault benches commit their charts next to their JSON.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface SeriesPanel {
  /** Panel title, with its unit. */
  title: string;
  /** Field of each row plotted on this panel. */
  field: string;
}

/**
 * One panel per series, stacked, sharing the x axis (`xField`, minutes or hours since the start).
 * Rows missing a panel's field are left out of that panel only.
 */
export async function timeSeriesSvg(
  rows: ReadonlyArray<Record<string, number | null>>,
  xField: string,
  xTitle: string,
  panels: readonly SeriesPanel[],
  title: string,
): Promise<string> {
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values: rows.map((r) => ({ ...r })) },
    vconcat: panels.map((p) => ({
      width: 640,
      height: 110,
      title: { text: p.title, anchor: 'start', fontSize: 12 },
      transform: [{ filter: `isValid(datum['${p.field}'])` }],
      mark: { type: 'line', point: false, strokeWidth: 1.5 },
      encoding: {
        x: { field: xField, type: 'quantitative', title: xTitle },
        y: { field: p.field, type: 'quantitative', title: null, scale: { zero: true } },
      },
    })),
    config: { background: 'white', font: 'sans-serif' },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
