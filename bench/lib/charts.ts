/**
 * Charts as SVG files, drawn headless with Vega-Lite compiled to Vega and rendered by vega's View.toSVG
 * (no browser, no canvas). Both packages are ESM-only, hence the dynamic imports.
 */
import fs from 'node:fs';

export interface LineChart {
  file: string;
  title: string;
  x: { field: string; title: string };
  y: { field: string; title: string };
  /** Field whose values become separate lines. */
  series: string;
  rows: Record<string, string | number>[];
}

export async function renderLineChart(c: LineChart): Promise<void> {
  const vl = await import('vega-lite');
  const vega = await import('vega');
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: c.title,
    width: 560,
    height: 300,
    background: 'white',
    data: { values: c.rows },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: c.x.field, type: 'quantitative', title: c.x.title, scale: { zero: false } },
      y: { field: c.y.field, type: 'quantitative', title: c.y.title },
      color: { field: c.series, type: 'nominal', title: null },
    },
  };
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  fs.writeFileSync(c.file, svg);
}
