import * as tf from '@tensorflow/tfjs';

import type { PRNGKey } from '../kernel/rng.js';
import { type Constraint, real } from './constraints.js';
import { Distribution, type DistributionOptions } from './distribution.js';
import { openUniform, positive01 } from './family-utils.js';
import { promoteParams } from './params.js';
import { type TensorLike, toTensor } from './tensor-like.js';

/**
 * The standard Cauchy quantile tan(π(p - 1/2)), as -cot(πp) below 1/2 and cot(π(1 - p)) above:
 * p - 1/2 would round away the small p (or 1 - p) that sets the far tails.
 */
function standardCauchyQuantile(p: tf.Tensor): tf.Tensor {
  return tf.where(
    tf.less(p, 0.5),
    tf.neg(tf.reciprocal(tf.tan(tf.mul(Math.PI, p)))),
    tf.reciprocal(tf.tan(tf.mul(Math.PI, tf.sub(1, p)))),
  );
}

/**
 * The Cauchy distribution with location `loc` and scale `scale`. It has no mean or variance;
 * both are NaN, as in NumPyro.
 * @public
 */
export class Cauchy extends Distribution {
  readonly loc: tf.Tensor;
  readonly scale: tf.Tensor;

  /**
   * @param loc - location (the median)
   * @param scale - half-width at half-maximum, > 0
   * @throws {ValueError} when scale <= 0 (with validation on)
   */
  constructor(loc: TensorLike = 0, scale: TensorLike = 1, options: DistributionOptions = {}) {
    const { tensors, batchShape } = promoteParams('Cauchy', { loc, scale });
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
    return tf.tidy(() => tf.add(this.loc, tf.mul(this.scale, standardCauchyQuantile(openUniform(key, this.shape(sampleShape))))));
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const z = tf.div(tf.sub(value, this.loc), this.scale);
      return tf.neg(tf.add(tf.add(tf.log1p(tf.square(z)), tf.log(this.scale)), Math.log(Math.PI)));
    });
  }

  override get mean(): tf.Tensor {
    return tf.fill(this.batchShape, NaN);
  }
  override get variance(): tf.Tensor {
    return tf.fill(this.batchShape, NaN);
  }
  override entropy(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.add(tf.log(this.scale), Math.log(4 * Math.PI)), this.batchShape));
  }
  override cdf(value: TensorLike): tf.Tensor {
    return tf.tidy(() => tf.add(0.5, tf.div(tf.atan(tf.div(tf.sub(toTensor(value), this.loc), this.scale)), Math.PI)));
  }
  override icdf(q: TensorLike): tf.Tensor {
    return tf.tidy(() => tf.add(this.loc, tf.mul(this.scale, standardCauchyQuantile(toTensor(q)))));
  }
}
