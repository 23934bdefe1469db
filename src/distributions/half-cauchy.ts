import * as tf from '@tensorflow/tfjs';

import type { DistributionOptions } from './distribution.js';
import { HalfScaleFamily } from './loc-scale.js';
import type { TensorLike } from './tensor-like.js';

/**
 * The half-Cauchy distribution: |X| for X ~ Cauchy(0, scale). Mean and variance are infinite.
 * @public
 */
export class HalfCauchy extends HalfScaleFamily {
  protected readonly standardEntropy = Math.log(2 * Math.PI);

  /**
   * @param scale - scale (the median), > 0
   * @throws {ValueError} when scale <= 0 (with validation on)
   */
  constructor(scale: TensorLike = 1, options: DistributionOptions = {}) {
    super('HalfCauchy', scale, options);
  }

  /**
   * The standard half-Cauchy quantile tan(πp/2), as cot(π(1 - p)/2) above 1/2 so that p near 1
   * (the far tail) keeps its precision.
   */
  protected standardIcdf(p: tf.Tensor): tf.Tensor {
    return tf.where(tf.less(p, 0.5), tf.tan(tf.mul(Math.PI / 2, p)), tf.reciprocal(tf.tan(tf.mul(Math.PI / 2, tf.sub(1, p)))));
  }
  protected standardCdf(z: tf.Tensor): tf.Tensor {
    return tf.mul(2 / Math.PI, tf.atan(z));
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    // Twice the Cauchy(0, scale) density: log 2 - log π - log scale - log(1 + z²).
    return tf.tidy(() => {
      const z = this.standardize(value);
      return tf.sub(Math.log(2 / Math.PI), tf.add(tf.log1p(tf.square(z)), tf.log(this.scale)));
    });
  }

  override get mean(): tf.Tensor {
    return tf.fill(this.batchShape, Infinity);
  }
  override get variance(): tf.Tensor {
    return tf.fill(this.batchShape, Infinity);
  }
}
