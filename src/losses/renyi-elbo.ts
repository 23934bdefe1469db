import * as tf from '@tensorflow/tfjs';

import { logSumExp } from '../distributions/special.js';
import type { ModelFn } from '../guides/guide.js';
import { stopGradient } from '../kernel/autodiff.js';
import { ValueError } from '../kernel/errors.js';
import type { PluginMeta } from '../kernel/plugin-meta.js';
import { type PRNGKey, split } from '../kernel/rng.js';
import { siteLogProbSum } from '../kernel/trace-data.js';
import { ELBO, type ELBOOptions, getTraces } from './elbo.js';

export interface RenyiELBOOptions extends ELBOOptions {
  /** Order of the Rényi divergence; 0 gives the importance-weighted bound. Must not be 1. @defaultValue 0 */
  readonly alpha?: number;
}

/**
 * The variational Rényi bound (Li and Turner 2016), NumPyro's RenyiELBO:
 * (1/(1−α)) log mean_k exp((1−α)(log p − log q)_k). With α = 0 it is the importance-weighted
 * bound, never looser than Trace_ELBO's. Its gradient is the self-normalised, weighted mean of the
 * particles' pathwise gradients, so every guide site must be reparameterisable.
 */
export class RenyiELBO extends ELBO {
  static override readonly plugin = { kind: 'loss', name: 'RenyiELBO' } as const satisfies PluginMeta;
  readonly alpha: number;

  constructor(options: RenyiELBOOptions = {}) {
    super(options, 2, ['numParticles', 'alpha']);
    const alpha = options.alpha ?? 0;
    if (typeof alpha !== 'number' || !Number.isFinite(alpha) || alpha === 1) {
      throw new ValueError(`RenyiELBO: option 'alpha' must be a finite number other than 1 (for alpha = 1 use Trace_ELBO), got ${alpha}`);
    }
    this.alpha = alpha;
  }

  loss(key: PRNGKey, params: Record<string, tf.Tensor>, model: ModelFn, guide: ModelFn, ...args: unknown[]): tf.Tensor {
    const keys = split(key, this.numParticles);
    const elbos = tf.stack(
      keys.map((k) => {
        const { modelTrace, guideTrace } = getTraces(k, params, model, guide, args);
        let e: tf.Tensor = tf.scalar(0);
        for (const site of modelTrace.values()) if (site.type === 'sample') e = tf.add(e, siteLogProbSum(site)!);
        for (const site of guideTrace.values()) {
          if (site.type !== 'sample') continue;
          if (!site.fn!.hasRsample) {
            throw new ValueError(
              `RenyiELBO: guide site '${site.name}' (${site.fn!.familyName}) is not reparameterisable; RenyiELBO needs reparameterised guide sites. Use Trace_ELBO.`,
            );
          }
          e = tf.sub(e, siteLogProbSum(site)!);
        }
        return e;
      }),
    );
    const scaled = tf.mul(elbos, 1 - this.alpha);
    const lse = logSumExp(scaled, 0);
    const renyi = tf.div(tf.sub(lse, Math.log(this.numParticles)), 1 - this.alpha);
    const weights = stopGradient(tf.exp(tf.sub(scaled, lse)));
    const weighted = tf.sum(tf.mul(weights, elbos));
    // Value of the Rényi bound, gradient of the weighted particle ELBOs.
    return tf.neg(tf.add(stopGradient(tf.sub(renyi, weighted)), weighted));
  }
}
