import * as tf from '@tensorflow/tfjs';

import type { DistributionOptions } from './distribution.js';
import { LocScaleFamily } from './loc-scale.js';
import type { TensorLike } from './tensor-like.js';

/**
 * The Laplace (double exponential) distribution with location `loc` and scale `scale`.
 * @public
 */
export class Laplace extends LocScaleFamily {
  protected readonly standardEntropy = 1 + Math.LN2;

  /**
   * @param loc - location (mean and median)
   * @param scale - scale, > 0 (variance 2·scale²)
   * @throws {ValueError} when scale <= 0 (with validation on)
   */
  constructor(loc: TensorLike = 0, scale: TensorLike = 1, options: DistributionOptions = {}) {
    super('Laplace', loc, scale, options);
  }

  /**
   * The standard Laplace quantile: log(2p) below 1/2 and -log(2(1 - p)) above. Written per half
   * rather than as -sign(p - 1/2) log(1 - 2|p - 1/2|), because p - 1/2 rounds to -1/2 in float32
   * for p below 2^-25 and the draw would be -Infinity.
   */
  protected standardIcdf(p: tf.Tensor): tf.Tensor {
    return tf.where(tf.less(p, 0.5), tf.log(tf.mul(2, p)), tf.neg(tf.log(tf.mul(2, tf.sub(1, p)))));
  }
  /** 1/2 - 1/2 · sign(z) · (exp(-|z|) - 1) */
  protected standardCdf(z: tf.Tensor): tf.Tensor {
    return tf.sub(0.5, tf.mul(tf.mul(0.5, tf.sign(z)), tf.expm1(tf.neg(tf.abs(z)))));
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const z = tf.div(tf.abs(tf.sub(value, this.loc)), this.scale);
      return tf.neg(tf.add(tf.add(z, tf.log(this.scale)), Math.LN2));
    });
  }

  override get mean(): tf.Tensor {
    return tf.broadcastTo(this.loc, this.batchShape);
  }
  override get variance(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.mul(2, tf.square(this.scale)), this.batchShape));
  }
}
