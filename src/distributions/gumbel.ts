import * as tf from '@tensorflow/tfjs';

import type { PRNGKey } from '../kernel/rng.js';
import { type Constraint, real } from './constraints.js';
import { Distribution, type DistributionOptions } from './distribution.js';
import { openUniform, positive01 } from './family-utils.js';
import { promoteParams } from './params.js';
import { type TensorLike, toTensor } from './tensor-like.js';

/** The Euler–Mascheroni constant. */
const EULER_GAMMA = 0.5772156649015329;

/**
 * The Gumbel (type-I extreme value) distribution with location `loc` and scale `scale`.
 * @public
 */
export class Gumbel extends Distribution {
  readonly loc: tf.Tensor;
  readonly scale: tf.Tensor;

  /**
   * @param loc - location (the mode)
   * @param scale - scale, > 0
   * @throws {ValueError} when scale <= 0 (with validation on)
   */
  constructor(loc: TensorLike = 0, scale: TensorLike = 1, options: DistributionOptions = {}) {
    const { tensors, batchShape } = promoteParams('Gumbel', { loc, scale });
    super(batchShape, [], options);
    this.loc = tensors.loc!;
    this.scale = tensors.scale!;
    if (this.validateArgs) tf.tidy(() => this.checkParam(() => positive01(this.scale), 'scale', '> 0', this.scale));
  }

  get support(): Constraint {
    return real;
  }
  override get hasRsample(): boolean {
    return true;
  }

  protected sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    // Inverse CDF: loc - scale · log(-log u).
    return tf.tidy(() => {
      const u = openUniform(key, this.shape(sampleShape));
      return tf.sub(this.loc, tf.mul(this.scale, tf.log(tf.neg(tf.log(u)))));
    });
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const z = tf.div(tf.sub(value, this.loc), this.scale);
      return tf.neg(tf.add(tf.add(z, tf.exp(tf.neg(z))), tf.log(this.scale)));
    });
  }

  override get mean(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.add(this.loc, tf.mul(EULER_GAMMA, this.scale)), this.batchShape));
  }
  override get variance(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.mul((Math.PI * Math.PI) / 6, tf.square(this.scale)), this.batchShape));
  }
  override entropy(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.add(tf.log(this.scale), EULER_GAMMA + 1), this.batchShape));
  }
  override cdf(value: TensorLike): tf.Tensor {
    return tf.tidy(() => tf.exp(tf.neg(tf.exp(tf.neg(tf.div(tf.sub(toTensor(value), this.loc), this.scale))))));
  }
  override icdf(q: TensorLike): tf.Tensor {
    return tf.tidy(() => tf.sub(this.loc, tf.mul(this.scale, tf.log(tf.neg(tf.log(toTensor(q)))))));
  }
}
