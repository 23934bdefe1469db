import * as tf from '@tensorflow/tfjs';

import type { PRNGKey } from '../kernel/rng.js';
import { ConcentrationRateFamily } from './concentration-rate.js';
import type { DistributionOptions } from './distribution.js';
import { checkProbabilities, whereMask } from './family-utils.js';
import { standardGammaRsample } from './gamma-sampler.js';
import { constant } from './grad-utils.js';
import { digamma, gammaincc, gammainccinv, lgamma } from './special.js';
import { type TensorLike, toTensor } from './tensor-like.js';

/**
 * The inverse-gamma distribution: 1 / X for X ~ Gamma(concentration, rate), with density
 * rate^a x^(-a-1) exp(-rate / x) / Gamma(a). Reparameterised through the gamma draws.
 * @public
 */
export class InverseGamma extends ConcentrationRateFamily {
  /**
   * @param concentration - shape parameter a > 0
   * @param rate - scale > 0 (the rate of the gamma variable inverted). @defaultValue 1
   * @throws {ValueError} when a parameter is not positive (with validation on)
   */
  constructor(concentration: TensorLike, rate: TensorLike = 1, options: DistributionOptions = {}) {
    super(concentration, rate, options);
  }

  protected sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    return tf.tidy(() => tf.div(this.rate, standardGammaRsample(key, this.concentration, this.shape(sampleShape))));
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    // a log rate - lgamma(a) - (a + 1) log x - rate / x
    return tf.tidy(() => {
      const a = this.concentration;
      const norm = tf.sub(tf.mul(a, tf.log(this.rate)), lgamma(a));
      return tf.sub(tf.sub(norm, tf.mul(tf.add(a, 1), tf.log(value))), tf.div(this.rate, value));
    });
  }

  /** rate / (a - 1) for a > 1, +Infinity otherwise. */
  override get mean(): tf.Tensor {
    return tf.tidy(() => {
      const a = this.concentration;
      const m = tf.div(this.rate, tf.sub(a, 1));
      return tf.broadcastTo(whereMask(tf.step(tf.sub(a, 1)), m, Infinity), this.batchShape);
    });
  }
  /** rate^2 / ((a - 1)^2 (a - 2)) for a > 2, +Infinity otherwise. */
  override get variance(): tf.Tensor {
    return tf.tidy(() => {
      const a = this.concentration;
      const v = tf.div(tf.square(this.rate), tf.mul(tf.square(tf.sub(a, 1)), tf.sub(a, 2)));
      return tf.broadcastTo(whereMask(tf.step(tf.sub(a, 2)), v, Infinity), this.batchShape);
    });
  }
  override entropy(): tf.Tensor {
    // a + log rate + lgamma(a) - (1 + a) digamma(a)
    return tf.tidy(() => {
      const a = this.concentration;
      const h = tf.sub(tf.add(tf.add(a, tf.log(this.rate)), lgamma(a)), tf.mul(tf.add(1, a), digamma(a)));
      return tf.broadcastTo(h, this.batchShape);
    });
  }
  /**
   * P(X <= value) = Q(a, rate / value), the regularised upper incomplete gamma function (0 for
   * value <= 0), computed in double precision; differentiable in value, rate and concentration.
   */
  override cdf(value: TensorLike): tf.Tensor {
    return tf.tidy(() => {
      const v = toTensor(value);
      // Q(a, rate / v) would be 1 for v < 0; mask those (with a safe stand-in, so no NaN enters
      // the backward pass).
      const pos = constant(() => tf.greater(v, 0));
      const c = gammaincc(this.concentration, tf.div(this.rate, tf.where(pos, v, tf.onesLike(v))));
      return tf.where(constant(() => tf.broadcastTo(pos, c.shape)), c, tf.zerosLike(c));
    });
  }
  /**
   * The quantile function rate / z, z the Gamma(a, 1) quantile of the upper tail q (solved in
   * double precision, so small q keeps its digits).
   * @throws {ValueError} when q is outside [0, 1] (with validation on; NaN otherwise)
   */
  override icdf(q: TensorLike): tf.Tensor {
    return tf.tidy(() => {
      const p = toTensor(q);
      if (this.validateArgs) checkProbabilities(`${this.familyName}.icdf`, p);
      return tf.div(this.rate, gammainccinv(this.concentration, p));
    });
  }
}
