/**
 * Bayesian linear regression on ten points, after NumPyro's SVI lesson: a hand-written mean-field
 * guide, then AutoDelta (MAP), then AutoMultivariateNormal, then Predictive over a grid of test
 * inputs.
 *
 *   w ~ Normal(0, 10),  b ~ Normal(0, 10),  s ~ HalfCauchy(10),
 *   y_i ~ Normal(x_i w + b, s)  in a plate over the data.
 *
 * AutoMultivariateNormal starts from the origin of the unconstrained space (w = 0, b = 0, s = 1,
 * initToFeasible), as the hand-written guide does: from a random start (the default) the first
 * losses are in the hundreds (x reaches ±16) and Adam at lr 0.01 needs well over 4000 steps.
 *
 * Data: examples/data/linreg10.json (y = 0.5 x − 0.7 + ε, ε ~ N(0, 1)). Reference posterior:
 * w 0.5149 ± 0.0570, b −0.6894 ± 0.4635, s 1.399 ± 0.445; MAP w 0.5149, b −0.6901, s 1.044.
 *
 * Run it either way:
 *   vinfer fit examples/linear-regression.ts                        (the hand-written guide)
 *   vinfer fit examples/linear-regression.ts --guide AutoMultivariateNormal --steps 4000
 *   npx tsx examples/linear-regression.ts                           (all three guides + Predictive)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import {
  Adam,
  AutoDelta,
  AutoMultivariateNormal,
  type Guide,
  type ModelFn,
  PRNGKey,
  Predictive,
  SVI,
  type SummaryRow,
  TraceELBO,
  deterministic,
  dist,
  formatSummary,
  initToFeasible,
  param,
  plate,
  posteriorSummary,
  sample,
  setBackend,
  tf,
} from '../src/index.js';

/** Inputs and responses of the ten data points. */
export function loadData(): { x: number[]; y: number[] } {
  const raw = JSON.parse(readFileSync(new URL('./data/linreg10.json', import.meta.url), 'utf8')) as { x: number[]; y: number[] };
  return { x: raw.x, y: raw.y };
}

/** The model's arguments: the inputs, then the responses. */
export function data(): [number[], number[]] {
  const { x, y } = loadData();
  return [x, y];
}

/** Without `y` the model draws responses: that is how Predictive uses it on new inputs. */
export function model(x: number[], y?: number[]): void {
  const w = sample('w', new dist.Normal(0, 10));
  const b = sample('b', new dist.Normal(0, 10));
  const s = sample('s', new dist.HalfCauchy(10));
  plate('data', x.length, () => {
    const mu = deterministic('mu', tf.add(tf.mul(tf.tensor1d(x), w), b));
    sample('y', new dist.Normal(mu, s), y === undefined ? {} : { obs: y });
  });
}

/** The lesson's guide: independent Normals for w and b, a log-Normal for s (a Normal pushed through exp). */
export function guide(_x: number[], _y?: number[]): void {
  const positive = dist.constraints.positive;
  const wLoc = param('w_loc', 0);
  const wScale = param('w_scale', 0.1, { constraint: positive });
  sample('w', new dist.Normal(wLoc, wScale));
  const bLoc = param('b_loc', 0);
  const bScale = param('b_scale', 0.1, { constraint: positive });
  sample('b', new dist.Normal(bLoc, bScale));
  const sLoc = param('s_log_loc', 0);
  const sScale = param('s_log_scale', 0.1, { constraint: positive });
  sample('s', new dist.TransformedDistribution(new dist.Normal(sLoc, sScale), new dist.transforms.Exp()));
}

/** The settings `vinfer fit` uses for this module (command-line flags override them). */
export const fit = { optim: { name: 'adam', lr: 0.01 }, steps: 2000 };

export interface FitOutcome {
  readonly params: Record<string, tf.Tensor>;
  readonly rows: SummaryRow[];
  readonly guide: ModelFn | Guide;
}

/** Fits one guide with Adam and summarises 2000 posterior draws. */
export async function fitWith(guideToFit: ModelFn | Guide, steps: number, { lr = 0.01, seed = 0 } = {}): Promise<FitOutcome> {
  const [x, y] = data();
  const svi = new SVI(model, guideToFit, new Adam({ lr }), new TraceELBO());
  const { params } = await svi.run(PRNGKey(seed), steps, [x, y], { progressBar: false });
  const rows = posteriorSummary(guideToFit, params, [x, y], { numSamples: 2000 });
  return { params, rows, guide: guideToFit };
}

/** Posterior predictive mean and 90% band of the regression line on a grid of inputs. */
export function predictLine(outcome: FitOutcome, xTest: number[], numSamples = 1000): { x: number; lo: number; mid: number; hi: number }[] {
  const predictive = new Predictive(model, { guide: outcome.guide, params: outcome.params, numSamples, returnSites: ['mu'] });
  const mu = predictive.run(PRNGKey(1), xTest).mu!;
  const cols = tf.tidy(() => tf.transpose(mu).arraySync() as number[][]);
  mu.dispose();
  return cols.map((draws, i) => {
    const s = [...draws].sort((a, b) => a - b);
    const at = (q: number): number => s[Math.round(q * (s.length - 1))]!;
    return { x: xTest[i]!, lo: at(0.05), mid: at(0.5), hi: at(0.95) };
  });
}

async function main(): Promise<void> {
  await setBackend('cpu');
  console.log('1. Hand-written mean-field guide (Adam 0.01, 2000 steps)');
  console.log(formatSummary((await fitWith(guide, 2000)).rows));
  console.log('\n2. AutoDelta: the MAP estimate (reference w 0.5149, b -0.6901, s 1.044)');
  console.log(formatSummary((await fitWith(new AutoDelta(model), 2000)).rows));
  console.log('\n3. AutoMultivariateNormal (reference w 0.5149 ± 0.0570, b -0.6894 ± 0.4635, s 1.399 ± 0.445)');
  const mvn = await fitWith(new AutoMultivariateNormal(model, { initLocFn: initToFeasible() }), 4000);
  console.log(formatSummary(mvn.rows));
  console.log('\n4. Predictive: the regression line on x in [-12, 12], median and 90% band');
  const grid = Array.from({ length: 100 }, (_, i) => -12 + (24 * i) / 99);
  for (const p of predictLine(mvn, grid).filter((_, i) => i % 11 === 0)) {
    console.log(`  x = ${p.x.toFixed(2).padStart(6)}   mu = ${p.mid.toFixed(3).padStart(7)}   [${p.lo.toFixed(3)}, ${p.hi.toFixed(3)}]`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) void main();
