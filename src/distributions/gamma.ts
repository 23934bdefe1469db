import * as tf from '@tensorflow/tfjs';

import type { PRNGKey } from '../kernel/rng.js';
import { ConcentrationRateFamily } from './concentration-rate.js';
import type { DistributionOptions } from './distribution.js';
import { standardGammaRsample } from './gamma-sampler.js';
import { checkProbabilities } from './family-utils.js';
import { digamma, gammainc, gammaincinv, lgamma, xlogy } from './special.js';
import { type TensorLike, toTensor } from './tensor-like.js';

/**
 * The gamma distribution with shape `concentration` and inverse scale `rate`:
 * density rate^a x^(a-1) exp(-rate x) / Gamma(a). Draws are reparameterised: their gradient with
 * respect to the concentration is the implicit one (gamma-sampler.ts).
 * @public
 */
export class Gamma extends ConcentrationRateFamily {
  /**
   * @param concentration - shape parameter a > 0
   * @param rate - inverse scale > 0. @defaultValue 1
   * @throws {ValueError} when a parameter is not positive (with validation on)
   */
  constructor(concentration: TensorLike, rate: TensorLike = 1, options: DistributionOptions = {}) {
    super(concentration, rate, options);
  }

  protected sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    return tf.tidy(() => tf.div(standardGammaRsample(key, this.concentration, this.shape(sampleShape)), this.rate));
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    // (a - 1) log x - rate x - (lgamma(a) - a log rate), with 0 log 0 = 0 for a = 1 at x = 0.
    return tf.tidy(() => {
      const a = this.concentration;
      const norm = tf.sub(lgamma(a), tf.mul(a, tf.log(this.rate)));
      return tf.sub(tf.sub(xlogy(tf.sub(a, 1), value), tf.mul(this.rate, value)), norm);
    });
  }

  override get mean(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.div(this.concentration, this.rate), this.batchShape));
  }
  override get variance(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.div(this.concentration, tf.square(this.rate)), this.batchShape));
  }
  override entropy(): tf.Tensor {
    // a - log rate + lgamma(a) + (1 - a) digamma(a)
    return tf.tidy(() => {
      const a = this.concentration;
      const h = tf.add(tf.sub(a, tf.log(this.rate)), tf.add(lgamma(a), tf.mul(tf.sub(1, a), digamma(a))));
      return tf.broadcastTo(h, this.batchShape);
    });
  }
  /**
   * P(X <= value) = P(a, rate · value), the regularised lower incomplete gamma function (0 for
   * value <= 0), computed in double precision; differentiable in value, rate and concentration.
   */
  override cdf(value: TensorLike): tf.Tensor {
    return tf.tidy(() => gammainc(this.concentration, tf.mul(this.rate, toTensor(value))));
  }
  /**
   * The quantile function: the Gamma(a, 1) quantile, solved in double precision, over rate.
   * @throws {ValueError} when q is outside [0, 1] (with validation on; NaN otherwise)
   */
  override icdf(q: TensorLike): tf.Tensor {
    return tf.tidy(() => {
      const p = toTensor(q);
      if (this.validateArgs) checkProbabilities(`${this.familyName}.icdf`, p);
      return tf.div(gammaincinv(this.concentration, p), this.rate);
    });
  }
}
