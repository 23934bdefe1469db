/**
 * Is the coin fair? The example of Pyro's "SVI Part I" tutorial.
 *
 * The coin's fairness f has a Beta(10, 10) prior (we believe it is roughly fair); we toss it ten
 * times and see six heads and four tails. The guide is a Beta(alpha_q, beta_q) with both
 * parameters starting at 15, fitted with Adam (lr 0.0005, betas 0.9/0.999) for 2000 steps.
 * Beta is conjugate to Bernoulli, so the exact posterior is known: Beta(16, 14), with mean
 * 16/30 = 0.5333 and sd 0.0896. Pyro's tutorial prints 0.532 ± 0.090.
 *
 * Run it either way:
 *   vinfer fit examples/coin.ts          (summary table, report in out/coin)
 *   npx tsx examples/coin.ts             (the code below the model: SVI by hand)
 */
import { fileURLToPath } from 'node:url';

import { Adam, PRNGKey, SVI, TraceELBO, dist, formatSummary, param, posteriorSummary, sample, setBackend } from '../src/index.js';

const { constraints } = dist;

/** 1 is heads, 0 is tails. */
export const tosses = [1, 1, 1, 1, 1, 1, 0, 0, 0, 0];

/** The model's arguments: one argument, the list of tosses. */
export const data = [tosses];

export function model(data: number[]): void {
  const f = sample('latent_fairness', new dist.Beta(10, 10));
  // One observed site per toss, as in the tutorial (a plate would vectorise this).
  data.forEach((x, i) => sample(`obs_${i}`, new dist.Bernoulli(f), { obs: x }));
}

export function guide(_data: number[]): void {
  // Positive parameters live unconstrained (log scale) for the optimiser.
  const alphaQ = param('alpha_q', 15, { constraint: constraints.positive });
  const betaQ = param('beta_q', 15, { constraint: constraints.positive });
  sample('latent_fairness', new dist.Beta(alphaQ, betaQ));
}

/** The settings `vinfer fit` uses for this module (command-line flags override them). */
export const fit = {
  optim: { name: 'adam', lr: 0.0005, betas: [0.9, 0.999] },
  loss: 'Trace_ELBO',
  steps: 2000,
};

/** Mean and sd of a Beta(a, b). */
export function betaMoments(a: number, b: number): { mean: number; sd: number } {
  const mean = a / (a + b);
  return { mean, sd: Math.sqrt((a * b) / ((a + b) ** 2 * (a + b + 1))) };
}

async function main(): Promise<void> {
  await setBackend('cpu'); // the default; 'wasm' is the faster choice for large tensors
  const svi = new SVI(model, guide, new Adam({ lr: 0.0005, betas: [0.9, 0.999] }), new TraceELBO());
  const { params } = await svi.run(PRNGKey(0), 2000, [tosses]);
  const a = params['alpha_q']!.dataSync()[0]!;
  const b = params['beta_q']!.dataSync()[0]!;
  const { mean, sd } = betaMoments(a, b);
  console.log(formatSummary(posteriorSummary(guide, params, [tosses])));
  console.log(`\nalpha_q = ${a.toFixed(3)}, beta_q = ${b.toFixed(3)}`);
  console.log(`Based on the data and our prior belief, the fairness of the coin is ${mean.toFixed(3)} ± ${sd.toFixed(3)}`);
  console.log('(exact posterior Beta(16, 14): 0.533 ± 0.090)');
}

// Run main only when this file is the program (`npx tsx examples/coin.ts`), not when imported.
if (process.argv[1] === fileURLToPath(import.meta.url)) void main();
