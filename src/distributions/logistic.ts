import * as tf from '@tensorflow/tfjs';

import type { DistributionOptions } from './distribution.js';
import { LocScaleFamily } from './loc-scale.js';
import { softplus } from './special.js';
import type { TensorLike } from './tensor-like.js';

/**
 * The logistic distribution with location `loc` and scale `scale`.
 * @public
 */
export class Logistic extends LocScaleFamily {
  protected readonly standardEntropy = 2;

  /**
   * @param loc - location (mean and median)
   * @param scale - scale, > 0 (variance π²·scale²/3)
   * @throws {ValueError} when scale <= 0 (with validation on)
   */
  constructor(loc: TensorLike = 0, scale: TensorLike = 1, options: DistributionOptions = {}) {
    super('Logistic', loc, scale, options);
  }

  /** logit(p) */
  protected standardIcdf(p: tf.Tensor): tf.Tensor {
    return tf.sub(tf.log(p), tf.log1p(tf.neg(p)));
  }
  protected standardCdf(z: tf.Tensor): tf.Tensor {
    return tf.sigmoid(z);
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    // -z - log scale - 2 log(1 + exp(-z)), finite for any z.
    return tf.tidy(() => {
      const z = this.standardize(value);
      return tf.neg(tf.add(tf.add(z, tf.log(this.scale)), tf.mul(2, softplus(tf.neg(z)))));
    });
  }

  override get mean(): tf.Tensor {
    return tf.broadcastTo(this.loc, this.batchShape);
  }
  override get variance(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.mul((Math.PI * Math.PI) / 3, tf.square(this.scale)), this.batchShape));
  }
}
