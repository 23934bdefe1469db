import * as tf from '@tensorflow/tfjs';

import type { PRNGKey } from '../kernel/rng.js';
import { type Constraint, interval } from './constraints.js';
import { Distribution, type DistributionOptions } from './distribution.js';
import { betweenMask, openUniform, whereMask } from './family-utils.js';
import { promoteParams } from './params.js';
import { type TensorLike, toTensor } from './tensor-like.js';

/**
 * The continuous uniform distribution on [low, high]. Bounds may differ per element; the support
 * is then an interval constraint with tensor bounds.
 *
 * With validation off, logProb of a value outside [low, high] is -Infinity (NumPyro returns the
 * inside density there); the mask is built so that gradients still flow to low and high.
 * @public
 */
export class Uniform extends Distribution {
  readonly low: tf.Tensor;
  readonly high: tf.Tensor;
  private readonly supportConstraint: Constraint;

  /**
   * @param low - lower bound
   * @param high - upper bound, > low elementwise
   * @throws {ValueError} when high <= low anywhere (with validation on)
   */
  constructor(low: TensorLike = 0, high: TensorLike = 1, options: DistributionOptions = {}) {
    const { tensors, batchShape } = promoteParams('Uniform', { low, high });
    super(batchShape, [], options);
    this.low = tensors.low!;
    this.high = tensors.high!;
    // Number bounds give a number-bounded interval (no tensors held by the constraint).
    this.supportConstraint =
      typeof low === 'number' && typeof high === 'number' ? interval(low, high) : interval(this.low, this.high);
    if (this.validateArgs) {
      tf.tidy(() => {
        const gap = tf.sub(this.high, this.low);
        this.checkParam(() => tf.cast(tf.greater(gap, 0), 'float32'), 'high', "> 'low' elementwise (values shown: high - low)", gap);
      });
    }
  }

  get support(): Constraint {
    return this.supportConstraint;
  }
  override get hasRsample(): boolean {
    return true;
  }

  protected sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    return tf.tidy(() => {
      const u = openUniform(key, this.shape(sampleShape));
      return tf.add(this.low, tf.mul(tf.sub(this.high, this.low), u));
    });
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const inside = betweenMask(value, this.low, this.high);
      const lp = tf.add(tf.zerosLike(value), tf.neg(tf.log(tf.sub(this.high, this.low))));
      return whereMask(inside, lp, -Infinity);
    });
  }

  override get mean(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.mul(0.5, tf.add(this.low, this.high)), this.batchShape));
  }
  override get variance(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.div(tf.square(tf.sub(this.high, this.low)), 12), this.batchShape));
  }
  override entropy(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.log(tf.sub(this.high, this.low)), this.batchShape));
  }
  override cdf(value: TensorLike): tf.Tensor {
    return tf.tidy(() => tf.clipByValue(tf.div(tf.sub(toTensor(value), this.low), tf.sub(this.high, this.low)), 0, 1));
  }
  override icdf(q: TensorLike): tf.Tensor {
    return tf.tidy(() => tf.add(this.low, tf.mul(toTensor(q), tf.sub(this.high, this.low))));
  }
}
