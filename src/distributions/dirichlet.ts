import * as tf from '@tensorflow/tfjs';

import { ValueError, fmtShape } from '../kernel/errors.js';
import type { PRNGKey } from '../kernel/rng.js';
import { type Constraint, simplex } from './constraints.js';
import { Distribution, type DistributionOptions } from './distribution.js';
import { positive01 } from './family-utils.js';
import { constant } from './grad-utils.js';
import { logStandardGammaRsample } from './gamma-sampler.js';
import { digamma, lgamma, xlogy } from './special.js';
import { type TensorLike, toTensor } from './tensor-like.js';

// Draws are kept inside [tiny, 1 - 2^-24], as NumPyro clips them.
const TINY = 1.1754943508222875e-38;
const ONE_MINUS_EPS = 1 - 2 ** -24;

/**
 * The Dirichlet distribution over the probability simplex, with density
 * prod_i x_i^(a_i - 1) / B(a), B(a) = prod_i Gamma(a_i) / Gamma(sum_i a_i). Event dim 1: the last
 * dim of `concentration` indexes the categories. Draws normalise independent gamma draws, in log
 * space (a softmax of log-gammas) so that small concentrations keep their ratios; they are
 * reparameterised through the implicit gamma gradients.
 * @public
 */
export class Dirichlet extends Distribution {
  readonly concentration: tf.Tensor;

  /**
   * @param concentration - a > 0, shape [..., K] with K >= 1
   * @throws {ValueError} when it is not at least 1-dimensional or not positive (with validation on)
   */
  constructor(concentration: TensorLike, options: DistributionOptions = {}) {
    const c = toTensor(concentration);
    if (c.rank < 1) {
      throw new ValueError(`Dirichlet: argument 'concentration' must have at least one dim (the categories), got shape ${fmtShape(c.shape)}`);
    }
    super(c.shape.slice(0, -1), c.shape.slice(-1), options);
    this.concentration = c;
    if (this.validateArgs) tf.tidy(() => this.checkParam(() => positive01(c), 'concentration', '> 0', c));
  }

  get support(): Constraint {
    return simplex;
  }
  override get hasRsample(): boolean {
    return true;
  }

  protected sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    return tf.tidy(() => {
      const logG = logStandardGammaRsample(key, this.concentration, this.shape(sampleShape));
      // w / sum(w) with w = exp(log G - max log G): dividing by the float32 sum keeps the draw on
      // the simplex to rounding, where exp(log G - logSumExp) would carry the absolute error of a
      // log of size ~100 (small concentrations) into every weight. The shift is a constant: the
      // ratio does not depend on it.
      const w = tf.exp(tf.sub(logG, constant(() => tf.max(logG, -1, true))));
      return tf.clipByValue(tf.div(w, tf.sum(w, -1, true)), TINY, ONE_MINUS_EPS);
    });
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    // sum_i (a_i - 1) log x_i - (sum_i lgamma(a_i) - lgamma(sum_i a_i))
    return tf.tidy(() => {
      const a = this.concentration;
      const norm = tf.sub(tf.sum(lgamma(a), -1), lgamma(tf.sum(a, -1)));
      return tf.sub(tf.sum(xlogy(tf.sub(a, 1), value), -1), norm);
    });
  }

  override get mean(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.div(this.concentration, tf.sum(this.concentration, -1, true)), this.shape()));
  }
  override get variance(): tf.Tensor {
    // a_i (a0 - a_i) / (a0^2 (a0 + 1))
    return tf.tidy(() => {
      const a = this.concentration;
      const a0 = tf.sum(a, -1, true);
      return tf.broadcastTo(tf.div(tf.mul(a, tf.sub(a0, a)), tf.mul(tf.square(a0), tf.add(a0, 1))), this.shape());
    });
  }
  override entropy(): tf.Tensor {
    // log B(a) + (a0 - K) psi(a0) - sum_i (a_i - 1) psi(a_i)
    return tf.tidy(() => {
      const a = this.concentration;
      const k = this.eventShape[0]!;
      const a0 = tf.sum(a, -1);
      const logB = tf.sub(tf.sum(lgamma(a), -1), lgamma(a0));
      const h = tf.sub(tf.add(logB, tf.mul(tf.sub(a0, k), digamma(a0))), tf.sum(tf.mul(tf.sub(a, 1), digamma(a)), -1));
      return tf.broadcastTo(h, this.batchShape);
    });
  }
}
