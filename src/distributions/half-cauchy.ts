import * as tf from '@tensorflow/tfjs';

import type { PRNGKey } from '../kernel/rng.js';
import { type Constraint, positive } from './constraints.js';
import { Distribution, type DistributionOptions } from './distribution.js';
import { openUniform, positive01 } from './family-utils.js';
import { promoteParams } from './params.js';
import { type TensorLike, toTensor } from './tensor-like.js';

/**
 * The standard half-Cauchy quantile tan(πp/2), as cot(π(1 - p)/2) above 1/2 so that p near 1
 * (the far tail) keeps its precision.
 */
function halfCauchyQuantile(p: tf.Tensor): tf.Tensor {
  return tf.where(tf.less(p, 0.5), tf.tan(tf.mul(Math.PI / 2, p)), tf.reciprocal(tf.tan(tf.mul(Math.PI / 2, tf.sub(1, p)))));
}

/**
 * The half-Cauchy distribution: |X| for X ~ Cauchy(0, scale). Mean and variance are infinite.
 * @public
 */
export class HalfCauchy extends Distribution {
  readonly scale: tf.Tensor;

  /**
   * @param scale - scale (the median), > 0
   * @throws {ValueError} when scale <= 0 (with validation on)
   */
  constructor(scale: TensorLike = 1, options: DistributionOptions = {}) {
    const { tensors, batchShape } = promoteParams('HalfCauchy', { scale });
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
    return tf.tidy(() => tf.mul(this.scale, halfCauchyQuantile(openUniform(key, this.shape(sampleShape)))));
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    // Twice the Cauchy(0, scale) density: log 2 - log π - log scale - log(1 + z²).
    return tf.tidy(() => {
      const z = tf.div(value, this.scale);
      return tf.sub(Math.log(2 / Math.PI), tf.add(tf.log1p(tf.square(z)), tf.log(this.scale)));
    });
  }

  override get mean(): tf.Tensor {
    return tf.fill(this.batchShape, Infinity);
  }
  override get variance(): tf.Tensor {
    return tf.fill(this.batchShape, Infinity);
  }
  override entropy(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.add(tf.log(this.scale), Math.log(2 * Math.PI)), this.batchShape));
  }
  override cdf(value: TensorLike): tf.Tensor {
    return tf.tidy(() => tf.mul(2 / Math.PI, tf.atan(tf.div(toTensor(value), this.scale))));
  }
  override icdf(q: TensorLike): tf.Tensor {
    return tf.tidy(() => tf.mul(this.scale, halfCauchyQuantile(toTensor(q))));
  }
}
