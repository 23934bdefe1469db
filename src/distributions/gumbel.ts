import * as tf from '@tensorflow/tfjs';

import type { DistributionOptions } from './distribution.js';
import { LocScaleFamily } from './loc-scale.js';
import type { TensorLike } from './tensor-like.js';

/** The Euler–Mascheroni constant. */
const EULER_GAMMA = 0.5772156649015329;

/**
 * The Gumbel (type-I extreme value) distribution with location `loc` and scale `scale`.
 * @public
 */
export class Gumbel extends LocScaleFamily {
  protected readonly standardEntropy = EULER_GAMMA + 1;

  /**
   * @param loc - location (the mode)
   * @param scale - scale, > 0
   * @throws {ValueError} when scale <= 0 (with validation on)
   */
  constructor(loc: TensorLike = 0, scale: TensorLike = 1, options: DistributionOptions = {}) {
    super('Gumbel', loc, scale, options);
  }

  /** -log(-log p) */
  protected standardIcdf(p: tf.Tensor): tf.Tensor {
    return tf.neg(tf.log(tf.neg(tf.log(p))));
  }
  protected standardCdf(z: tf.Tensor): tf.Tensor {
    return tf.exp(tf.neg(tf.exp(tf.neg(z))));
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const z = this.standardize(value);
      return tf.neg(tf.add(tf.add(z, tf.exp(tf.neg(z))), tf.log(this.scale)));
    });
  }

  override get mean(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.add(this.loc, tf.mul(EULER_GAMMA, this.scale)), this.batchShape));
  }
  override get variance(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.mul((Math.PI * Math.PI) / 6, tf.square(this.scale)), this.batchShape));
  }
}
