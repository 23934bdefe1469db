import * as tf from '@tensorflow/tfjs';

import { type PRNGKey, normal } from '../kernel/rng.js';
import { type Constraint, real } from './constraints.js';
import { Distribution, type DistributionOptions } from './distribution.js';
import { customOp, sumToShape } from './grad-utils.js';
import { canUseJsNormal, normalLogDensityJs } from './normal-density.js';
import { promoteParams } from './params.js';
import { erfc, ndtri } from './special.js';
import { type TensorLike, broadcastShapes, toTensor } from './tensor-like.js';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * log N(value; loc, scale) as one fused op. The plain composition records eight ops on the
 * gradient tape (each saving its inputs) and backpropagates through all of them; with the
 * closed-form derivatives d/dvalue = -z/scale, d/dloc = z/scale and d/dscale = (z² - 1)/scale
 * a step of a small model runs far fewer kernels. The backward pass is made of ordinary ops on
 * the saved inputs, so it can itself be differentiated (Hessians for Laplace approximations).
 */
const normalLogDensity = customOp((value: tf.Tensor, loc: tf.Tensor, scale: tf.Tensor) => {
  const z = tf.div(tf.sub(value, loc), scale);
  return {
    value: tf.neg(tf.add(tf.add(tf.mul(0.5, tf.square(z)), tf.log(scale)), HALF_LOG_2PI)),
    gradFunc: (dy, [v, l, s]) => {
      const zz = tf.div(tf.sub(v!, l!), s!);
      const dv = tf.mul(dy, tf.neg(tf.div(zz, s!)));
      return [
        sumToShape(dv, v!.shape),
        sumToShape(tf.neg(dv), l!.shape),
        sumToShape(tf.mul(dy, tf.div(tf.sub(tf.square(zz), 1), s!)), s!.shape),
      ];
    },
  };
});

/** The normal distribution with mean `loc` and standard deviation `scale`. */
export class Normal extends Distribution {
  readonly loc: tf.Tensor;
  readonly scale: tf.Tensor;

  constructor(loc: TensorLike = 0, scale: TensorLike = 1, options: DistributionOptions = {}) {
    const { tensors, batchShape } = promoteParams('Normal', { loc, scale });
    super(batchShape, [], options);
    this.loc = tensors.loc!;
    this.scale = tensors.scale!;
    if (this.validateArgs) this.checkParam(() => tf.tidy(() => tf.cast(tf.greater(this.scale, 0), 'float32')), 'scale', '> 0', this.scale);
  }

  get support(): Constraint {
    return real;
  }
  override get hasRsample(): boolean {
    return true;
  }

  protected sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    return tf.tidy(() => tf.add(this.loc, tf.mul(this.scale, normal(key, this.shape(sampleShape)))));
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    // Small densities outside nested gradients run as JS loops (normal-density.ts).
    const shape = broadcastShapes(value.shape, this.loc.shape, this.scale.shape);
    if (shape !== undefined && canUseJsNormal(shape, value, this.loc, this.scale)) return normalLogDensityJs(value, this.loc, this.scale, shape);
    return normalLogDensity(value, this.loc, this.scale);
  }

  override get mean(): tf.Tensor {
    return tf.broadcastTo(this.loc, this.batchShape);
  }
  override get variance(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.square(this.scale), this.batchShape));
  }
  override entropy(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.add(tf.log(this.scale), 0.5 + HALF_LOG_2PI), this.batchShape));
  }
  /** P(X <= value), as erfc of -z/√2 so that the lower tail keeps its relative accuracy. */
  override cdf(value: TensorLike): tf.Tensor {
    return tf.tidy(() => {
      const z = tf.div(tf.sub(toTensor(value), this.loc), this.scale);
      return tf.mul(0.5, erfc(tf.mul(z, -Math.SQRT1_2)));
    });
  }
  /** The quantile function loc + scale · Φ⁻¹(q). */
  override icdf(q: TensorLike): tf.Tensor {
    return tf.tidy(() => tf.add(this.loc, tf.mul(this.scale, ndtri(toTensor(q)))));
  }
}
