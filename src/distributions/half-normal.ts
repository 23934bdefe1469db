import * as tf from '@tensorflow/tfjs';

import { type PRNGKey, normal } from '../kernel/rng.js';
import { type Constraint, positive } from './constraints.js';
import { Distribution, type DistributionOptions } from './distribution.js';
import { positive01 } from './family-utils.js';
import { promoteParams } from './params.js';
import { erf, erfinv } from './special.js';
import { type TensorLike, toTensor } from './tensor-like.js';

// log(2) - log(sqrt(2π)) = 0.5 log(2/π): the half-normal density is twice the normal one.
const HALF_LOG_2_OVER_PI = 0.5 * Math.log(2 / Math.PI);

/**
 * The half-normal distribution: |X| for X ~ Normal(0, scale).
 * @public
 */
export class HalfNormal extends Distribution {
  readonly scale: tf.Tensor;

  /**
   * @param scale - scale of the underlying normal, > 0
   * @throws {ValueError} when scale <= 0 (with validation on)
   */
  constructor(scale: TensorLike = 1, options: DistributionOptions = {}) {
    const { tensors, batchShape } = promoteParams('HalfNormal', { scale });
    super(batchShape, [], options);
    this.scale = tensors.scale!;
    if (this.validateArgs) tf.tidy(() => this.checkParam(() => positive01(this.scale), 'scale', '> 0', this.scale));
  }

  get support(): Constraint {
    return positive;
  }
  override get hasRsample(): boolean {
    return true;
  }

  protected sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    return tf.tidy(() => tf.mul(this.scale, tf.abs(normal(key, this.shape(sampleShape)))));
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const z = tf.div(value, this.scale);
      return tf.sub(HALF_LOG_2_OVER_PI, tf.add(tf.mul(0.5, tf.square(z)), tf.log(this.scale)));
    });
  }

  override get mean(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.mul(this.scale, Math.sqrt(2 / Math.PI)), this.batchShape));
  }
  override get variance(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.mul(tf.square(this.scale), 1 - 2 / Math.PI), this.batchShape));
  }
  override entropy(): tf.Tensor {
    // 0.5 log(π e σ² / 2)
    return tf.tidy(() => tf.broadcastTo(tf.add(tf.log(this.scale), 0.5 * Math.log((Math.PI * Math.E) / 2)), this.batchShape));
  }
  override cdf(value: TensorLike): tf.Tensor {
    return tf.tidy(() => erf(tf.div(toTensor(value), tf.mul(this.scale, Math.SQRT2))));
  }
  override icdf(q: TensorLike): tf.Tensor {
    return tf.tidy(() => tf.mul(tf.mul(this.scale, Math.SQRT2), erfinv(toTensor(q))));
  }
}
