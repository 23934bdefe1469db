/**
 * report.html: a self-contained page (inline SVG and CSS, no scripts, no network) showing a fit's
 * loss curve, one posterior-marginal panel per latent site, a pair plot of the two most correlated
 * sites, and the summary table.
 */
import type { SiteColumns, SummaryRow } from './summary.js';
import { meanSd } from './summary.js';
import { histogramChart, intervalChart, lossChart, pairChart } from './charts.js';
import { renderSvg } from './render.js';

export interface ReportInput {
  /** Heading, e.g. the model's name. */
  readonly title: string;
  /** Loss per step; `firstStep` is the step number of the first entry. @defaultValue 1 */
  readonly losses: ArrayLike<number>;
  readonly firstStep?: number;
  /** Posterior draws of each latent site as columns (summary.ts siteColumns). */
  readonly columns: readonly SiteColumns[];
  readonly rows: readonly SummaryRow[];
  /** Settings shown in the header, e.g. `{ guide: 'AutoNormal', steps: '5000' }`. */
  readonly meta?: Readonly<Record<string, string>>;
}

/** Components compared for the pair plot, per site (the first ones). */
const MAX_PAIR_COMPONENTS = 20;
/** Components drawn in one site's forest plot. */
const MAX_INTERVAL_ROWS = 50;

function corr(a: Float64Array, b: Float64Array): number {
  const ma = meanSd(a);
  const mb = meanSd(b);
  if (!(ma.sd > 0) || !(mb.sd > 0)) return NaN;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - ma.mean) * (b[i]! - mb.mean);
  return s / (a.length - 1) / (ma.sd * mb.sd);
}

export interface Pair {
  readonly a: { label: string; values: Float64Array };
  readonly b: { label: string; values: Float64Array };
  readonly corr: number;
}

/**
 * The pair of scalar components with the largest |correlation|, taken from two different sites
 * when there are at least two; null when fewer than two components vary.
 */
export function mostCorrelatedPair(columns: readonly SiteColumns[]): Pair | null {
  const comps = columns.flatMap((c, s) => c.values.slice(0, MAX_PAIR_COMPONENTS).map((values, j) => ({ s, label: c.labels[j]!, values })));
  const multiSite = columns.length >= 2;
  let best: Pair | null = null;
  for (let i = 0; i < comps.length; i++) {
    for (let j = i + 1; j < comps.length; j++) {
      const x = comps[i]!;
      const y = comps[j]!;
      if (multiSite && x.s === y.s) continue;
      const r = corr(x.values, y.values);
      if (Number.isNaN(r)) continue;
      if (best === null || Math.abs(r) > Math.abs(best.corr)) best = { a: x, b: y, corr: r };
    }
  }
  return best;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a >= 1e6 || a < 1e-3) ? x.toExponential(3) : x.toPrecision(4);
}

function summaryTable(rows: readonly SummaryRow[]): string {
  const head = '<tr><th>site</th><th>mean</th><th>sd</th><th>5%</th><th>50%</th><th>95%</th></tr>';
  const body = rows
    .map((r) => `<tr><td>${escapeHtml(r.label)}</td>${[r.mean, r.sd, r.q05, r.q50, r.q95].map((x) => `<td>${fmt(x)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table class="summary"><thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
}

const CSS = `
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
.meta { color: #555; font-size: .9rem; } .meta span { margin-right: 1.2rem; white-space: nowrap; }
.sites { display: flex; flex-wrap: wrap; gap: 1rem; } .site-panel { margin: 0; }
table.summary { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: .9rem; }
table.summary th, table.summary td { padding: .2rem .7rem; text-align: right; border-bottom: 1px solid #eee; }
table.summary th:first-child, table.summary td:first-child { text-align: left; }
.note { color: #666; font-style: italic; }
svg { max-width: 100%; height: auto; }`;

/** Renders the report page (HTML text). */
export async function renderReport(input: ReportInput): Promise<string> {
  const warnings: string[] = [];
  const lossSvg = input.losses.length > 0 ? await renderSvg(lossChart(input.losses, input.firstStep ?? 1), warnings) : null;
  const panels: string[] = [];
  for (const c of input.columns) {
    let svg: string;
    if (c.values.length === 1) {
      const row = input.rows.find((r) => r.site === c.site)!;
      svg = await renderSvg(histogramChart(c.site, c.values[0]!, row.mean, row.sd), warnings);
    } else {
      const rows = input.rows.filter((r) => r.site === c.site);
      const extra = rows.length > MAX_INTERVAL_ROWS ? `; first ${MAX_INTERVAL_ROWS} shown` : '';
      svg = await renderSvg(intervalChart(c.site, rows.slice(0, MAX_INTERVAL_ROWS), extra), warnings);
    }
    panels.push(`<figure class="site-panel" data-site="${escapeHtml(c.site)}">${svg}</figure>`);
  }
  const pair = mostCorrelatedPair(input.columns);
  const pairHtml =
    pair === null
      ? '<p class="note">No pair plot: fewer than two latent components vary in the posterior draws.</p>'
      : `<figure class="chart" id="pair-plot" data-pair="${escapeHtml(`${pair.a.label},${pair.b.label}`)}">${await renderSvg(pairChart(pair.a, pair.b, pair.corr), warnings)}</figure>`;
  const meta = Object.entries(input.meta ?? {})
    .map(([k, v]) => `<span><b>${escapeHtml(k)}</b> ${escapeHtml(v)}</span>`)
    .join('\n');
  const title = escapeHtml(input.title);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vinfer fit report: ${title}</title>
<style>${CSS}</style>
</head>
<body>
<h1>vinfer fit report: ${title}</h1>
<p class="meta">${meta}</p>
<h2>Loss</h2>
${lossSvg === null ? '<p class="note">No steps were run.</p>' : `<figure class="chart" id="loss-curve">${lossSvg}</figure>`}
<h2>Posterior marginals</h2>
<div class="sites">
${panels.join('\n')}
</div>
<h2>Most correlated pair</h2>
${pairHtml}
<h2>Summary</h2>
${summaryTable(input.rows)}
</body>
</html>
`;
}
