import * as tf from '@tensorflow/tfjs';

import type { PRNGKey } from '../kernel/rng.js';
import { type Constraint, real } from './constraints.js';
import { Distribution, type DistributionOptions } from './distribution.js';
import { openUniform, positive01 } from './family-utils.js';
import { promoteParams } from './params.js';
import { softplus } from './special.js';
import { type TensorLike, toTensor } from './tensor-like.js';

/**
 * The logistic distribution with location `loc` and scale `scale`.
 * @public
 */
export class Logistic extends Distribution {
  readonly loc: tf.Tensor;
  readonly scale: tf.Tensor;

  /**
   * @param loc - location (mean and median)
   * @param scale - scale, > 0 (variance π²·scale²/3)
   * @throws {ValueError} when scale <= 0 (with validation on)
   */
  constructor(loc: TensorLike = 0, scale: TensorLike = 1, options: DistributionOptions = {}) {
    const { tensors, batchShape } = promoteParams('Logistic', { loc, scale });
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
    // Inverse CDF: loc + scale · logit(u).
    return tf.tidy(() => {
      const u = openUniform(key, this.shape(sampleShape));
      return tf.add(this.loc, tf.mul(this.scale, tf.sub(tf.log(u), tf.log1p(tf.neg(u)))));
    });
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    // -z - log scale - 2 log(1 + exp(-z)), finite for any z.
    return tf.tidy(() => {
      const z = tf.div(tf.sub(value, this.loc), this.scale);
      return tf.neg(tf.add(tf.add(z, tf.log(this.scale)), tf.mul(2, softplus(tf.neg(z)))));
    });
  }

  override get mean(): tf.Tensor {
    return tf.broadcastTo(this.loc, this.batchShape);
  }
  override get variance(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.mul((Math.PI * Math.PI) / 3, tf.square(this.scale)), this.batchShape));
  }
  override entropy(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.add(tf.log(this.scale), 2), this.batchShape));
  }
  override cdf(value: TensorLike): tf.Tensor {
    return tf.tidy(() => tf.sigmoid(tf.div(tf.sub(toTensor(value), this.loc), this.scale)));
  }
  override icdf(q: TensorLike): tf.Tensor {
    return tf.tidy(() => {
      const p = toTensor(q);
      return tf.add(this.loc, tf.mul(this.scale, tf.sub(tf.log(p), tf.log1p(tf.neg(p)))));
    });
  }
}
