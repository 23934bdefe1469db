/**
 * The report's charts as Vega-Lite specifications: the loss curve, one posterior-marginal panel
 * per latent site (a histogram for a scalar site, a forest plot of 5–95% intervals for a vector
 * site), and a pair plot of two components.
 */
import type { VegaLiteSpec } from './render.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const BLUE = '#4c78a8';
const RED = '#e45756';
/** Points drawn at most per series: an SVG path of a few thousand points stays light. */
const MAX_POINTS = 2000;

const base = (extra: VegaLiteSpec): VegaLiteSpec => ({
  $schema: SCHEMA,
  background: 'white',
  config: { view: { stroke: '#ddd' }, axis: { labelFontSize: 11, titleFontSize: 12 }, title: { fontSize: 13 } },
  ...extra,
});

/** Mean of a sliding window ending at each step (shorter at the start). */
export function movingAverage(xs: ArrayLike<number>, window: number): Float64Array {
  const out = new Float64Array(xs.length);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    if (Number.isFinite(x)) {
      sum += x;
      count++;
    }
    if (i >= window) {
      const old = xs[i - window]!;
      if (Number.isFinite(old)) {
        sum -= old;
        count--;
      }
    }
    out[i] = count > 0 ? sum / count : NaN;
  }
  return out;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))]!;
}

/**
 * The loss per step (light) and its moving average (dark). The y axis spans the later steps'
 * range: the first steps' losses are often orders of magnitude larger and would flatten the rest.
 * @param firstStep - the step number of `losses[0]`
 */
export function lossChart(losses: ArrayLike<number>, firstStep = 1): VegaLiteSpec {
  const n = losses.length;
  const window = Math.max(1, Math.min(200, Math.round(n / 50)));
  const smooth = movingAverage(losses, window);
  const stride = Math.max(1, Math.ceil(n / MAX_POINTS));
  const values: { step: number; loss: number; series: string }[] = [];
  for (let i = 0; i < n; i += stride) {
    const x = losses[i]!;
    if (Number.isFinite(x)) values.push({ step: firstStep + i, loss: x, series: 'loss' });
    if (Number.isFinite(smooth[i]!)) values.push({ step: firstStep + i, loss: smooth[i]!, series: `mean of ${window}` });
  }
  const later = values.filter((v) => v.step >= firstStep + Math.floor(n * 0.05)).map((v) => v.loss);
  const lo = Math.min(...later);
  const hi = quantile(later, 0.995);
  const domain = Number.isFinite(lo) && Number.isFinite(hi) && hi > lo ? [lo - 0.05 * (hi - lo), hi] : undefined;
  return base({
    title: 'Loss (negative ELBO) per step',
    width: 640,
    height: 260,
    data: { values },
    mark: { type: 'line', clip: true, strokeWidth: 1.2 },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field: 'loss', type: 'quantitative', title: 'loss', scale: { zero: false, ...(domain ? { domain } : {}) } },
      color: { field: 'series', type: 'nominal', title: null, scale: { range: ['#a6c8e8', BLUE] }, legend: { orient: 'top-right' } },
    },
  });
}

/**
 * A histogram of a scalar site's draws with a rule at the posterior mean. The bins span the
 * central 99% of the draws: a heavy tail (a scale parameter's) would otherwise squeeze the bulk of
 * the mass into one or two bins.
 */
export function histogramChart(site: string, draws: ArrayLike<number>, mean: number, sd: number): VegaLiteSpec {
  const sorted = Float64Array.from(draws).sort();
  const lo = sorted[Math.floor(0.005 * (sorted.length - 1))] ?? 0;
  const hi = sorted[Math.ceil(0.995 * (sorted.length - 1))] ?? 0;
  const values = Array.from(sorted.filter((v) => v >= lo && v <= hi), (v) => ({ v }));
  const trimmed = values.length < sorted.length ? '; central 99% of draws shown' : '';
  return base({
    title: { text: site, subtitle: `mean ${mean.toPrecision(4)}, sd ${sd.toPrecision(3)}${trimmed}` },
    width: 280,
    height: 170,
    layer: [
      {
        data: { values },
        mark: { type: 'bar', color: BLUE, opacity: 0.85 },
        encoding: {
          x: { field: 'v', type: 'quantitative', bin: { maxbins: 30 }, title: site },
          y: { aggregate: 'count', type: 'quantitative', title: 'draws' },
        },
      },
      {
        data: { values: [{ m: mean }] },
        mark: { type: 'rule', color: RED, strokeWidth: 2 },
        encoding: { x: { field: 'm', type: 'quantitative' } },
      },
    ],
  });
}

export interface IntervalRow {
  readonly label: string;
  readonly mean: number;
  readonly q05: number;
  readonly q50: number;
  readonly q95: number;
}

/** A forest plot: one row per component of a vector site, 5–95% interval, median tick, mean dot. */
export function intervalChart(site: string, rows: readonly IntervalRow[], note = ''): VegaLiteSpec {
  const values = rows.map((r, i) => ({ ...r, order: i }));
  const y = { field: 'label', type: 'nominal', sort: { field: 'order' }, title: null };
  return base({
    title: { text: site, subtitle: `5%–95% intervals, median and mean of ${rows.length} components${note}` },
    width: 280,
    height: Math.max(60, 16 * rows.length),
    data: { values },
    layer: [
      { mark: { type: 'rule', color: BLUE, strokeWidth: 2 }, encoding: { y, x: { field: 'q05', type: 'quantitative', title: site, scale: { zero: false } }, x2: { field: 'q95' } } },
      { mark: { type: 'tick', color: BLUE, thickness: 2 }, encoding: { y, x: { field: 'q50', type: 'quantitative' } } },
      { mark: { type: 'point', filled: true, color: RED }, encoding: { y, x: { field: 'mean', type: 'quantitative' } } },
    ],
  });
}

/** A scatter plot of paired draws of two components. */
export function pairChart(a: { label: string; values: ArrayLike<number> }, b: { label: string; values: ArrayLike<number> }, corr: number): VegaLiteSpec {
  const n = Math.min(a.values.length, b.values.length, 1000);
  const values = Array.from({ length: n }, (_, i) => ({ a: a.values[i]!, b: b.values[i]! }));
  return base({
    title: { text: `${a.label} vs ${b.label}`, subtitle: `posterior correlation ${corr.toFixed(3)} (${n} draws)` },
    width: 320,
    height: 280,
    data: { values },
    mark: { type: 'circle', size: 14, opacity: 0.45, color: BLUE },
    encoding: {
      x: { field: 'a', type: 'quantitative', title: a.label, scale: { zero: false } },
      y: { field: 'b', type: 'quantitative', title: b.label, scale: { zero: false } },
    },
  });
}
