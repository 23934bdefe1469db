import * as tf from '@tensorflow/tfjs';

import type { PRNGKey } from '../kernel/rng.js';
import { type Constraint, positive } from './constraints.js';
import { Distribution, type DistributionOptions } from './distribution.js';
import { positive01 } from './family-utils.js';
import { standardGammaRsample } from './gamma-sampler.js';
import { promoteParams } from './params.js';
import { digamma, lgamma, xlogy } from './special.js';
import type { TensorLike } from './tensor-like.js';

/**
 * The gamma distribution with shape `concentration` and inverse scale `rate`:
 * density rate^a x^(a-1) exp(-rate x) / Gamma(a). Draws are reparameterised: their gradient with
 * respect to the concentration is the implicit one (gamma-sampler.ts).
 * @public
 */
export class Gamma extends Distribution {
  readonly concentration: tf.Tensor;
  readonly rate: tf.Tensor;

  /**
   * @param concentration - shape parameter a > 0
   * @param rate - inverse scale > 0. @defaultValue 1
   * @throws {ValueError} when a parameter is not positive (with validation on)
   */
  constructor(concentration: TensorLike, rate: TensorLike = 1, options: DistributionOptions = {}) {
    const { tensors, batchShape } = promoteParams(new.target.name, { concentration, rate });
    super(batchShape, [], options);
    this.concentration = tensors.concentration!;
    this.rate = tensors.rate!;
    if (this.validateArgs) this.validateParams();
  }

  /** Checks the parameters; subclasses that reparameterise (Chi2) report their own names. */
  protected validateParams(): void {
    tf.tidy(() => {
      this.checkParam(() => positive01(this.concentration), 'concentration', '> 0', this.concentration);
      this.checkParam(() => positive01(this.rate), 'rate', '> 0', this.rate);
    });
  }

  get support(): Constraint {
    return positive;
  }
  override get hasRsample(): boolean {
    return true;
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
}
