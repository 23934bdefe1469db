import * as tf from '@tensorflow/tfjs';

import type { DistributionOptions } from './distribution.js';
import { LocScaleFamily } from './loc-scale.js';
import type { TensorLike } from './tensor-like.js';

/**
 * The Cauchy distribution with location `loc` and scale `scale`. It has no mean or variance;
 * both are NaN, as in NumPyro.
 * @public
 */
export class Cauchy extends LocScaleFamily {
  protected readonly standardEntropy = Math.log(4 * Math.PI);

  /**
   * @param loc - location (the median)
   * @param scale - half-width at half-maximum, > 0
   * @throws {ValueError} when scale <= 0 (with validation on)
   */
  constructor(loc: TensorLike = 0, scale: TensorLike = 1, options: DistributionOptions = {}) {
    super('Cauchy', loc, scale, options);
  }

  /**
   * The standard Cauchy quantile tan(π(p - 1/2)), as -cot(πp) below 1/2 and cot(π(1 - p)) above:
   * p - 1/2 would round away the small p (or 1 - p) that sets the far tails.
   */
  protected standardIcdf(p: tf.Tensor): tf.Tensor {
    return tf.where(
      tf.less(p, 0.5),
      tf.neg(tf.reciprocal(tf.tan(tf.mul(Math.PI, p)))),
      tf.reciprocal(tf.tan(tf.mul(Math.PI, tf.sub(1, p)))),
    );
  }
  protected standardCdf(z: tf.Tensor): tf.Tensor {
    return tf.add(0.5, tf.div(tf.atan(z), Math.PI));
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const z = this.standardize(value);
      return tf.neg(tf.add(tf.add(tf.log1p(tf.square(z)), tf.log(this.scale)), Math.log(Math.PI)));
    });
  }

  override get mean(): tf.Tensor {
    return tf.fill(this.batchShape, NaN);
  }
  override get variance(): tf.Tensor {
    return tf.fill(this.batchShape, NaN);
  }
}
