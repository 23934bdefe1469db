/**
 * Posterior draws from any fitted guide: an automatic guide's own `samplePosterior`, or, for a
 * hand-written guide, the guide program run under seed + substitute(params) with its latent
 * sample sites read off the trace (what Predictive does with a guide), once per draw.
 */
import * as tf from '@tensorflow/tfjs';

import { type Guide, type ModelFn, guideFunction } from '../guides/guide.js';
import { seed, substitute, trace } from '../kernel/handlers/index.js';
import { PRNGKey, split } from '../kernel/rng.js';
import { type SummaryRow, siteColumns, summarize } from './summary.js';

/** Draws by site name, each with a leading dim of `numSamples` (float32, owned by the caller). */
export type Draws = Record<string, tf.Tensor>;

function hasSamplePosterior(g: unknown): g is Required<Pick<Guide, 'samplePosterior'>> {
  return typeof g === 'object' && g !== null && typeof (g as Guide).samplePosterior === 'function';
}

/**
 * `numSamples` posterior draws of the guide's latent sites at the fitted (constrained) `params`.
 * @param args - the model's arguments (a hand-written guide is called with them)
 */
export function posteriorDraws(guide: ModelFn | Guide, params: Record<string, tf.Tensor>, args: unknown[], key: PRNGKey, numSamples: number): Draws {
  if (hasSamplePosterior(guide)) {
    return tf.tidy(() => guide.samplePosterior(key, params, { sampleShape: [numSamples] })) as Draws;
  }
  const fn = guideFunction(guide);
  return tf.tidy(() => {
    const keys = split(key, numSamples);
    const draws: Record<string, tf.Tensor[]> = {};
    for (const k of keys) {
      const tr = trace(substitute(seed(fn, k), { data: params })).getTrace(...args);
      for (const site of tr.values()) {
        if (site.type !== 'sample' || site.isObserved || site.infer?.isAuxiliary === true || site.value === null) continue;
        (draws[site.name] ??= []).push(site.value);
      }
    }
    return Object.fromEntries(Object.entries(draws).map(([name, vs]) => [name, tf.cast(tf.stack(vs), 'float32')]));
  }) as Draws;
}

/**
 * The posterior summary of a fitted guide: mean, sd and 5/50/95% quantiles of `numSamples`
 * draws of every latent component (print it with formatSummary).
 * @example
 * const { params } = await svi.run(PRNGKey(0), 2000, data);
 * console.log(formatSummary(posteriorSummary(guide, params, data, { numSamples: 1000 })));
 * @public
 */
export function posteriorSummary(
  guide: ModelFn | Guide,
  params: Record<string, tf.Tensor>,
  args: unknown[],
  { key = PRNGKey(1), numSamples = 1000 }: { key?: PRNGKey; numSamples?: number } = {},
): SummaryRow[] {
  const draws = posteriorDraws(guide, params, args, key, numSamples);
  try {
    return summarize(siteColumns(draws));
  } finally {
    tf.dispose(Object.values(draws));
  }
}
