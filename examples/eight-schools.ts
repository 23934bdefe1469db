/**
 * Eight schools (Rubin 1981; Gelman et al., Bayesian Data Analysis, section 5.5): the effect of a
 * coaching programme on test scores in eight schools, each measured with a known standard error.
 * A hierarchical model pools the schools' effects towards a common mean μ with spread τ.
 *
 * Non-centred parameterisation (the centred one gives SVI and MCMC a funnel to fall into):
 *   μ ~ Normal(0, 5),  τ ~ HalfCauchy(5),  θ̃_j ~ Normal(0, 1),  θ_j = μ + τ θ̃_j,
 *   y_j ~ Normal(θ_j, σ_j),  j = 1..8.
 * Fitted with AutoNormal and Adam (lr 0.01) for 5000 steps. For comparison, Pyro with the same
 * guide reaches μ 4.56 ± 3.09, τ 2.57 ± 1.89 and a final loss of 31.71; the exact posterior
 * (numerical integration) has μ ≈ 4.40 ± 3.32, τ ≈ 3.60 ± 3.22 — a mean-field Normal guide in
 * log τ underestimates τ's heavy right tail.
 *
 * Run it either way:
 *   vinfer fit examples/eight-schools.ts    (or `npm start`: summary table, report in out/eight-schools)
 *   npx tsx examples/eight-schools.ts
 */
import { fileURLToPath } from 'node:url';

import { type AutoNormal, PRNGKey, createContainer, createSVI, deterministic, dist, formatSummary, plate, posteriorSummary, sample, tf } from '../src/index.js';

/** Observed effects and their standard errors. */
export const y = [28, 8, -3, 7, -1, 1, 18, 12];
export const sigma = [15, 10, 16, 11, 9, 11, 10, 18];

/** The model's arguments: the standard errors, then the observations. */
export const data = [sigma, y];

export function model(sigma: number[], y?: number[]): void {
  const mu = sample('mu', new dist.Normal(0, 5));
  const tau = sample('tau', new dist.HalfCauchy(5));
  plate('schools', sigma.length, () => {
    const thetaTilde = sample('theta_tilde', new dist.Normal(0, 1));
    const theta = deterministic('theta', tf.add(mu, tf.mul(tau, thetaTilde)));
    sample('obs', new dist.Normal(theta, sigma), y === undefined ? {} : { obs: y });
  });
}

/** The settings `vinfer fit` uses for this module (command-line flags override them). */
export const fit = { guide: 'AutoNormal', optim: { name: 'adam', lr: 0.01 }, steps: 5000 };

async function main(): Promise<void> {
  // The same settings through the registry and container, as the command line builds them.
  const container = await createContainer({ backend: 'cpu' });
  const guide = container.create<AutoNormal>('guide', fit.guide, model);
  const svi = createSVI(container, { model, guide, optim: fit.optim, loss: 'Trace_ELBO' });
  const { params, losses } = await svi.run(PRNGKey(0), fit.steps, [sigma, y]);
  console.log(formatSummary(posteriorSummary(guide, params, [sigma, y])));
  console.log(`\nmean loss over the last 500 steps: ${meanOfLast(losses, 500).toFixed(2)} (Pyro: 31.71)`);
}

/** The mean of the last `n` losses: single SVI losses are noisy. */
export function meanOfLast(losses: ArrayLike<number>, n: number): number {
  let s = 0;
  const from = Math.max(0, losses.length - n);
  for (let i = from; i < losses.length; i++) s += losses[i]!;
  return s / (losses.length - from);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) void main();
