/**
 * The posterior summary table: for every scalar component of every latent site, the mean,
 * standard deviation and the 5%, 50% and 95% quantiles of the posterior draws.
 */
import type * as tf from '@tensorflow/tfjs';

import type { Draws } from './posterior.js';

export interface SummaryRow {
  /** `mu`, or `theta[3]` for a component of a vector site. */
  readonly label: string;
  readonly site: string;
  /** Index of the component within the site (row-major), [] for a scalar site. */
  readonly index: number[];
  readonly mean: number;
  readonly sd: number;
  readonly q05: number;
  readonly q50: number;
  readonly q95: number;
}

/** One site's draws as columns: `values[j]` holds every draw of component j. */
export interface SiteColumns {
  readonly site: string;
  readonly shape: number[];
  readonly labels: string[];
  readonly indices: number[][];
  readonly values: Float64Array[];
}

/** Row-major multi-index of flat position `j` in `shape`. */
function unravel(j: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = j % shape[d]!;
    j = Math.floor(j / shape[d]!);
  }
  return idx;
}

/** Splits draws `[n, ...shape]` into per-component columns. */
export function siteColumns(draws: Draws): SiteColumns[] {
  const out: SiteColumns[] = [];
  for (const [site, t] of Object.entries(draws)) {
    const n = t.shape[0] ?? 1;
    const shape = t.shape.slice(1);
    const d = shape.reduce((a, b) => a * b, 1);
    const flat = (t as tf.Tensor).dataSync();
    const values = Array.from({ length: d }, () => new Float64Array(n));
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) values[j]![i] = flat[i * d + j]!;
    const indices = Array.from({ length: d }, (_, j) => unravel(j, shape));
    const labels = indices.map((ix) => (ix.length === 0 ? site : `${site}[${ix.join(',')}]`));
    out.push({ site, shape, labels, indices, values });
  }
  return out;
}

/** The q-quantile of sorted values, interpolating linearly between order statistics (numpy's default). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Mean and sample standard deviation (n − 1). */
export function meanSd(xs: ArrayLike<number>): { mean: number; sd: number } {
  const n = xs.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += xs[i]!;
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (xs[i]! - mean) ** 2;
  return { mean, sd: n > 1 ? Math.sqrt(ss / (n - 1)) : 0 };
}

/** The summary rows of the draws, sites in order, components row-major. */
export function summarize(columns: readonly SiteColumns[]): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const c of columns) {
    c.values.forEach((v, j) => {
      const sorted = Float64Array.from(v).sort();
      const { mean, sd } = meanSd(v);
      rows.push({
        label: c.labels[j]!,
        site: c.site,
        index: c.indices[j]!,
        mean,
        sd,
        q05: quantileSorted(sorted, 0.05),
        q50: quantileSorted(sorted, 0.5),
        q95: quantileSorted(sorted, 0.95),
      });
    });
  }
  return rows;
}

/** A number in a fixed width: 4 significant digits, exponent form for very large or small values. */
export function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return x.toExponential(2);
  return x.toFixed(a >= 1000 ? 1 : a >= 100 ? 2 : a >= 10 ? 3 : 4);
}

/** The table as text, with at most `maxPerSite` rows per site (the rest is counted). */
export function formatSummary(rows: readonly SummaryRow[], maxPerSite = 50): string {
  const header = ['site', 'mean', 'sd', '5%', '50%', '95%'];
  const body: string[][] = [];
  const perSite = new Map<string, number>();
  for (const r of rows) perSite.set(r.site, (perSite.get(r.site) ?? 0) + 1);
  const shown = new Map<string, number>();
  for (const r of rows) {
    const k = shown.get(r.site) ?? 0;
    shown.set(r.site, k + 1);
    if (k < maxPerSite) body.push([r.label, ...[r.mean, r.sd, r.q05, r.q50, r.q95].map(fmtNum)]);
    else if (k === maxPerSite) body.push([`… ${perSite.get(r.site)! - maxPerSite} more of ${r.site}`, '', '', '', '', '']);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...body.map(line)].join('\n');
}
