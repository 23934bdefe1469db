/**
 * Bases for the families that are an affine image of one standard member Z: loc + scale · Z
 * (Cauchy, Laplace, Gumbel, logistic) or scale · Z on the half-line (half-Cauchy, half-normal).
 * A family supplies Z's quantile, CDF and entropy in closed form; sampling, cdf, icdf and
 * entropy of the scaled family follow from them here.
 */
import * as tf from '@tensorflow/tfjs';

import type { PRNGKey } from '../kernel/rng.js';
import { type Constraint, positive, real } from './constraints.js';
import { Distribution, type DistributionOptions } from './distribution.js';
import { openUniform, positive01 } from './family-utils.js';
import { promoteParams } from './params.js';
import { type TensorLike, toTensor } from './tensor-like.js';

/** What the two bases below share: a validated positive `scale` and the standard-member hooks. */
abstract class ScaledFamily extends Distribution {
  readonly scale: tf.Tensor;

  protected constructor(batchShape: number[], scale: tf.Tensor, options: DistributionOptions) {
    super(batchShape, [], options);
    this.scale = scale;
    if (this.validateArgs) tf.tidy(() => this.checkParam(() => positive01(this.scale), 'scale', '> 0', this.scale));
  }

  /** Entropy of the standard member; scaling by `scale` adds log scale. */
  protected abstract readonly standardEntropy: number;
  /** Quantile function of the standard member. */
  protected abstract standardIcdf(p: tf.Tensor): tf.Tensor;
  /** CDF of the standard member. */
  protected abstract standardCdf(z: tf.Tensor): tf.Tensor;
  /** Maps a value of the family to the standard member. */
  protected abstract standardize(value: tf.Tensor): tf.Tensor;
  /** Maps a draw of the standard member to the family. */
  protected abstract unstandardize(z: tf.Tensor): tf.Tensor;

  override get hasRsample(): boolean {
    return true;
  }

  /** Inverse-CDF sampling; open uniforms keep the tail quantiles finite. */
  protected sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    return tf.tidy(() => this.unstandardize(this.standardIcdf(openUniform(key, this.shape(sampleShape)))));
  }

  override entropy(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.add(tf.log(this.scale), this.standardEntropy), this.batchShape));
  }
  override cdf(value: TensorLike): tf.Tensor {
    return tf.tidy(() => this.standardCdf(this.standardize(toTensor(value))));
  }
  override icdf(q: TensorLike): tf.Tensor {
    return tf.tidy(() => this.unstandardize(this.standardIcdf(toTensor(q))));
  }
}

/** A family on the real line: X = loc + scale · Z. */
export abstract class LocScaleFamily extends ScaledFamily {
  readonly loc: tf.Tensor;

  /** @param family - the class name, for error messages from parameter promotion */
  protected constructor(family: string, loc: TensorLike, scale: TensorLike, options: DistributionOptions) {
    const { tensors, batchShape } = promoteParams(family, { loc, scale });
    super(batchShape, tensors.scale!, options);
    this.loc = tensors.loc!;
  }

  get support(): Constraint {
    return real;
  }
  protected standardize(value: tf.Tensor): tf.Tensor {
    return tf.div(tf.sub(value, this.loc), this.scale);
  }
  protected unstandardize(z: tf.Tensor): tf.Tensor {
    return tf.add(this.loc, tf.mul(this.scale, z));
  }
}

/** A family on the positive half-line: X = scale · Z with Z >= 0. */
export abstract class HalfScaleFamily extends ScaledFamily {
  /** @param family - the class name, for error messages from parameter promotion */
  protected constructor(family: string, scale: TensorLike, options: DistributionOptions) {
    const { tensors, batchShape } = promoteParams(family, { scale });
    super(batchShape, tensors.scale!, options);
  }

  get support(): Constraint {
    return positive;
  }
  protected standardize(value: tf.Tensor): tf.Tensor {
    return tf.div(value, this.scale);
  }
  protected unstandardize(z: tf.Tensor): tf.Tensor {
    return tf.mul(this.scale, z);
  }
}
