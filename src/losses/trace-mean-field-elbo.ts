import * as tf from '@tensorflow/tfjs';

import type { Distribution } from '../distributions/distribution.js';
import { klDivergence } from '../distributions/kl.js';
import type { ModelFn } from '../guides/guide.js';
import { stopGradient } from '../kernel/autodiff.js';
import { VinferError } from '../kernel/errors.js';
import type { PluginMeta } from '../kernel/plugin-meta.js';
import type { PRNGKey } from '../kernel/rng.js';
import { applySiteMask, scaleAndSum, siteLogProb, siteLogProbSum } from '../kernel/trace-data.js';
import { ELBO, type ELBOOptions, getTraces } from './elbo.js';
import { meanOverParticles } from './particles.js';
import { valueWithGradientOf } from './trace-elbo.js';

/**
 * Trace_ELBO for mean-field guides (NumPyro's TraceMeanField_ELBO): for each latent site whose
 * guide and prior distributions have a closed-form KL divergence, −KL(q‖p) replaces the Monte
 * Carlo term log p(z) − log q(z), which lowers the variance of the estimate. Valid when every
 * latent site's guide distribution does not depend on other latent sites' draws (mean field).
 */
export class TraceMeanFieldELBO extends ELBO {
  static override readonly plugin = { kind: 'loss', name: 'TraceMeanField_ELBO' } as const satisfies PluginMeta;
  /** Whether a closed form exists for a (guide family, model family) pair, learnt on first use. */
  private readonly hasClosedForm = new Map<string, boolean>();

  constructor(options: ELBOOptions = {}) {
    super(options, 1, ['numParticles']);
  }

  loss(key: PRNGKey, params: Record<string, tf.Tensor>, model: ModelFn, guide: ModelFn, ...args: unknown[]): tf.Tensor {
    return meanOverParticles(key, this.numParticles, (k) => {
      const { modelTrace, guideTrace } = getTraces(k, params, model, guide, args);
      let elbo: tf.Tensor = tf.scalar(0);
      let scoreLogQ: tf.Tensor | null = null;
      for (const site of modelTrace.values()) {
        if (site.type !== 'sample') continue;
        if (site.isObserved) {
          elbo = tf.add(elbo, siteLogProbSum(site)!);
          continue;
        }
        const g = guideTrace.get(site.name)!;
        const kl = this.tryKL(g.fn!, site.fn!);
        if (kl !== null) {
          elbo = tf.sub(elbo, scaleAndSum(applySiteMask(kl, site), site.scale));
        } else {
          const lq = siteLogProbSum(g)!;
          elbo = tf.add(elbo, tf.sub(siteLogProbSum(site)!, lq));
          if (!g.fn!.hasRsample) {
            // Unscaled, as in Trace_ELBO: the cost it multiplies already carries the plate scale.
            const slq = tf.sum(siteLogProb(g)!);
            scoreLogQ = scoreLogQ === null ? slq : tf.add(scoreLogQ, slq);
          }
        }
      }
      for (const g of guideTrace.values()) {
        // Auxiliary guide sites have no model counterpart: their entropy term stays Monte Carlo.
        if (g.type === 'sample' && !modelTrace.has(g.name)) elbo = tf.sub(elbo, siteLogProbSum(g)!);
      }
      if (scoreLogQ === null) return tf.neg(elbo);
      const surrogate = tf.add(elbo, tf.mul(scoreLogQ, stopGradient(elbo)));
      return valueWithGradientOf(tf.neg(elbo), tf.neg(surrogate));
    });
  }

  private tryKL(q: Distribution, p: Distribution): tf.Tensor | null {
    const pair = `${q.constructor.name}|${p.constructor.name}|${q.batchShape}|${p.batchShape}`;
    if (this.hasClosedForm.get(pair) === false) return null;
    try {
      const kl = klDivergence(q, p);
      this.hasClosedForm.set(pair, true);
      return kl;
    } catch (e) {
      if (!VinferError.is(e) || this.hasClosedForm.get(pair) === true) throw e;
      this.hasClosedForm.set(pair, false);
      return null;
    }
  }
}
