import * as tf from '@tensorflow/tfjs';

import type { PRNGKey } from '../kernel/rng.js';
import { type Constraint, positive } from './constraints.js';
import { Distribution, type DistributionOptions } from './distribution.js';
import { openUniform, positive01 } from './family-utils.js';
import { promoteParams } from './params.js';
import { type TensorLike, toTensor } from './tensor-like.js';

/**
 * The exponential distribution with rate `rate` (mean 1 / rate).
 * @public
 */
export class Exponential extends Distribution {
  readonly rate: tf.Tensor;

  /**
   * @param rate - rate λ, > 0
   * @throws {ValueError} when rate <= 0 (with validation on)
   */
  constructor(rate: TensorLike = 1, options: DistributionOptions = {}) {
    const { tensors, batchShape } = promoteParams('Exponential', { rate });
    super(batchShape, [], options);
    this.rate = tensors.rate!;
    if (this.validateArgs) tf.tidy(() => this.checkParam(() => positive01(this.rate), 'rate', '> 0', this.rate));
  }

  get support(): Constraint {
    return positive;
  }
  override get hasRsample(): boolean {
    return true;
  }

  protected sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    // -log(u) with u < 1 strictly, so draws are strictly positive.
    return tf.tidy(() => tf.div(tf.neg(tf.log(openUniform(key, this.shape(sampleShape)))), this.rate));
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.sub(tf.log(this.rate), tf.mul(this.rate, value)));
  }

  override get mean(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.reciprocal(this.rate), this.batchShape));
  }
  override get variance(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.reciprocal(tf.square(this.rate)), this.batchShape));
  }
  override entropy(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.sub(1, tf.log(this.rate)), this.batchShape));
  }
  override cdf(value: TensorLike): tf.Tensor {
    return tf.tidy(() => tf.neg(tf.expm1(tf.neg(tf.mul(this.rate, toTensor(value))))));
  }
  override icdf(q: TensorLike): tf.Tensor {
    return tf.tidy(() => tf.div(tf.neg(tf.log1p(tf.neg(toTensor(q)))), this.rate));
  }
}
