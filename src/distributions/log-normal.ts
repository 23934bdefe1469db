import * as tf from '@tensorflow/tfjs';

import type { DistributionOptions } from './distribution.js';
import { positive01 } from './family-utils.js';
import { Normal } from './normal.js';
import { promoteParams } from './params.js';
import { erfc, ndtri } from './special.js';
import { type TensorLike, toTensor } from './tensor-like.js';
import { TransformedDistribution } from './transformed.js';
import { Exp } from './transforms-elementwise.js';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * The log-normal distribution: exp(X) for X ~ Normal(loc, scale), built as NumPyro builds it,
 * a TransformedDistribution of Normal through Exp, with closed-form moments added.
 * @public
 */
export class LogNormal extends TransformedDistribution {
  readonly loc: tf.Tensor;
  readonly scale: tf.Tensor;

  /**
   * @param loc - mean of log(X)
   * @param scale - standard deviation of log(X), > 0
   * @throws {ValueError} when scale <= 0 (with validation on)
   */
  constructor(loc: TensorLike = 0, scale: TensorLike = 1, options: DistributionOptions = {}) {
    const { tensors } = promoteParams('LogNormal', { loc, scale });
    // The base does not validate: LogNormal checks its own arguments so that errors name it.
    super(new Normal(tensors.loc!, tensors.scale!, { validateArgs: false }), [new Exp()], options);
    this.loc = tensors.loc!;
    this.scale = tensors.scale!;
    if (this.validateArgs) tf.tidy(() => this.checkParam(() => positive01(this.scale), 'scale', '> 0', this.scale));
  }

  override get mean(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.exp(tf.add(this.loc, tf.mul(0.5, tf.square(this.scale)))), this.batchShape));
  }
  override get variance(): tf.Tensor {
    // (exp(σ²) - 1) exp(2μ + σ²), with expm1 for small σ.
    return tf.tidy(() => {
      const s2 = tf.square(this.scale);
      return tf.broadcastTo(tf.mul(tf.expm1(s2), tf.exp(tf.add(tf.mul(2, this.loc), s2))), this.batchShape);
    });
  }
  override entropy(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.add(tf.add(this.loc, tf.log(this.scale)), 0.5 + HALF_LOG_2PI), this.batchShape));
  }
  override cdf(value: TensorLike): tf.Tensor {
    return tf.tidy(() => {
      const z = tf.div(tf.sub(tf.log(toTensor(value)), this.loc), this.scale);
      return tf.mul(0.5, erfc(tf.div(tf.neg(z), Math.SQRT2)));
    });
  }
  override icdf(q: TensorLike): tf.Tensor {
    return tf.tidy(() => tf.exp(tf.add(this.loc, tf.mul(this.scale, ndtri(toTensor(q))))));
  }
}
