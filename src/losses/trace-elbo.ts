import * as tf from '@tensorflow/tfjs';

import type { ModelFn } from '../guides/guide.js';
import { stopGradient } from '../kernel/autodiff.js';
import { ValueError } from '../kernel/errors.js';
import type { PluginMeta } from '../kernel/plugin-meta.js';
import { type PRNGKey, foldIn } from '../kernel/rng.js';
import { type Trace, siteLogProb, siteLogProbSum } from '../kernel/trace-data.js';
import { ELBO, type ELBOOptions, getTraces } from './elbo.js';
import { maxPlateNesting, meanOverParticles, vectorizedPair } from './particles.js';

export interface TraceELBOOptions extends ELBOOptions {
  /** Draw all particles in one batched pass through an outer plate. @defaultValue false */
  readonly vectorizeParticles?: boolean;
}

/**
 * The ELBO terms of one particle: `elbo` = log p(x, z) − log q(z), with pathwise gradients through
 * reparameterised guide sites, and `surrogate`, whose gradient adds the score-function term
 * log q(z) · stop_gradient(elbo) for guide sites that cannot be reparameterised — so the gradient
 * of the surrogate stays an unbiased estimate of the ELBO's gradient.
 */
export function elboParticle(modelTrace: Trace, guideTrace: Trace): { elbo: tf.Tensor; surrogate: tf.Tensor } {
  let logP: tf.Tensor = tf.scalar(0);
  for (const site of modelTrace.values()) {
    if (site.type === 'sample') logP = tf.add(logP, siteLogProbSum(site)!);
  }
  let logQ: tf.Tensor = tf.scalar(0);
  let scoreLogQ: tf.Tensor | null = null;
  for (const site of guideTrace.values()) {
    if (site.type !== 'sample') continue;
    logQ = tf.add(logQ, siteLogProbSum(site)!);
    if (!site.fn!.hasRsample) {
      // The score term takes the unscaled log q: the cost it multiplies already carries the
      // subsampling scale, so scaling both would overweight subsampled sites by size/subsampleSize.
      const lq = tf.sum(siteLogProb(site)!);
      scoreLogQ = scoreLogQ === null ? lq : tf.add(scoreLogQ, lq);
    }
  }
  const elbo = tf.sub(logP, logQ);
  if (scoreLogQ === null) return { elbo, surrogate: elbo };
  return { elbo, surrogate: tf.add(elbo, tf.mul(scoreLogQ, stopGradient(elbo))) };
}

/**
 * The standard ELBO estimator (NumPyro's Trace_ELBO), with Pyro's score-function surrogate for
 * non-reparameterisable guide sites. The returned loss has the value of −ELBO and the gradient
 * of −surrogate.
 */
export class TraceELBO extends ELBO {
  static override readonly plugin = { kind: 'loss', name: 'Trace_ELBO' } as const satisfies PluginMeta;
  readonly vectorizeParticles: boolean;
  /** Plate nesting of each model seen, so the probe pass of vectorised particles runs once. */
  private readonly nesting = new WeakMap<ModelFn, number>();

  constructor(options: TraceELBOOptions = {}) {
    super(options, 1, ['numParticles', 'vectorizeParticles']);
    const v = options.vectorizeParticles ?? false;
    if (typeof v !== 'boolean') {
      throw new ValueError(`TraceELBO: option 'vectorizeParticles' must be true or false, got ${JSON.stringify(v)}`);
    }
    this.vectorizeParticles = v;
  }

  loss(key: PRNGKey, params: Record<string, tf.Tensor>, model: ModelFn, guide: ModelFn, ...args: unknown[]): tf.Tensor {
    const particleLoss = (k: PRNGKey, m: ModelFn, g: ModelFn): tf.Tensor => {
      const { modelTrace, guideTrace } = getTraces(k, params, m, g, args);
      const { elbo, surrogate } = elboParticle(modelTrace, guideTrace);
      return surrogate === elbo ? tf.neg(elbo) : valueWithGradientOf(tf.neg(elbo), tf.neg(surrogate));
    };
    if (!this.vectorizeParticles || this.numParticles === 1) {
      return meanOverParticles(key, this.numParticles, (k) => particleLoss(k, model, guide));
    }
    // A first plain pass finds how many plate dims the model uses, so the particle dim goes left of them.
    let nesting = this.nesting.get(model);
    if (nesting === undefined) {
      const probe = getTraces(foldIn(key, 0x7fffffff), params, model, guide, args);
      nesting = maxPlateNesting(probe.modelTrace, probe.guideTrace);
      this.nesting.set(model, nesting);
    }
    const [vm, vg] = vectorizedPair(model, guide, this.numParticles, nesting);
    return tf.div(particleLoss(key, vm, vg), this.numParticles);
  }
}

/**
 * A tensor with the value of `value` and the gradient of `grad` only: grad + stop_gradient(value − grad).
 * (Adding grad − stop_gradient(grad) to `value` instead would keep value's own gradient as well.)
 */
export function valueWithGradientOf(value: tf.Tensor, grad: tf.Tensor): tf.Tensor {
  if (value === grad) return value;
  return tf.add(grad, stopGradient(tf.sub(value, grad)));
}
