import * as tf from '@tensorflow/tfjs';

import { type PRNGKey, normal, split } from '../kernel/rng.js';
import { type Constraint, real } from './constraints.js';
import { Distribution, type DistributionOptions } from './distribution.js';
import { checkProbabilities, positive01, whereMask } from './family-utils.js';
import { logStandardGammaRsample } from './gamma-sampler.js';
import { promoteParams } from './params.js';
import { digamma, lbeta, lgamma, stdtr, stdtrit } from './special.js';
import { type TensorLike, toTensor } from './tensor-like.js';

const HALF_LOG_PI = 0.5 * Math.log(Math.PI);

/**
 * Student's t distribution with `df` degrees of freedom, location `loc` and scale `scale`.
 * Draws are loc + scale * Z / sqrt(V / df) with Z standard normal and V ~ Chi2(df) = 2 Gamma(df/2),
 * reparameterised in loc, scale and (through the implicit gamma gradient) df.
 * @public
 */
export class StudentT extends Distribution {
  readonly df: tf.Tensor;
  readonly loc: tf.Tensor;
  readonly scale: tf.Tensor;

  /**
   * @param df - degrees of freedom > 0
   * @param loc - location. @defaultValue 0
   * @param scale - scale > 0. @defaultValue 1
   * @throws {ValueError} when df or scale is not positive (with validation on)
   */
  constructor(df: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1, options: DistributionOptions = {}) {
    const { tensors, batchShape } = promoteParams('StudentT', { df, loc, scale });
    super(batchShape, [], options);
    this.df = tensors.df!;
    this.loc = tensors.loc!;
    this.scale = tensors.scale!;
    if (this.validateArgs) {
      tf.tidy(() => {
        this.checkParam(() => positive01(this.df), 'df', '> 0', this.df);
        this.checkParam(() => positive01(this.scale), 'scale', '> 0', this.scale);
      });
    }
  }

  get support(): Constraint {
    return real;
  }
  override get hasRsample(): boolean {
    return true;
  }

  protected sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    const [kNormal, kGamma] = split(key, 2) as [PRNGKey, PRNGKey];
    const shape = this.shape(sampleShape);
    return tf.tidy(() => {
      // sqrt(df / V) = exp((log(df/2) - log G) / 2) with V = 2 G, G ~ Gamma(df/2): log space keeps
      // small df (whose gamma draws can underflow) finite.
      const halfDf = tf.mul(this.df, 0.5);
      const logG = logStandardGammaRsample(kGamma, halfDf, shape);
      const y = tf.mul(normal(kNormal, shape), tf.exp(tf.mul(0.5, tf.sub(tf.log(halfDf), logG))));
      return tf.add(this.loc, tf.mul(this.scale, y));
    });
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    // -(df + 1)/2 log1p(y^2 / df) - [log scale + log(df)/2 + log(pi)/2 + lgamma(df/2) - lgamma((df+1)/2)]
    return tf.tidy(() => {
      const df = this.df;
      const y = tf.div(tf.sub(value, this.loc), this.scale);
      const z = tf.add(
        tf.add(tf.log(this.scale), tf.add(tf.mul(0.5, tf.log(df)), HALF_LOG_PI)),
        tf.sub(lgamma(tf.mul(0.5, df)), lgamma(tf.mul(0.5, tf.add(df, 1)))),
      );
      return tf.sub(tf.mul(tf.mul(-0.5, tf.add(df, 1)), tf.log1p(tf.div(tf.square(y), df))), z);
    });
  }

  /** loc for df > 1, NaN otherwise. */
  override get mean(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(whereMask(tf.step(tf.sub(this.df, 1)), this.loc, NaN), this.batchShape));
  }
  /** scale^2 df / (df - 2) for df > 2, +Infinity for 1 < df <= 2, NaN for df <= 1. */
  override get variance(): tf.Tensor {
    return tf.tidy(() => {
      const df = this.df;
      const v = tf.div(tf.mul(tf.square(this.scale), df), tf.sub(df, 2));
      const finite = whereMask(tf.step(tf.sub(df, 2)), v, Infinity);
      return tf.broadcastTo(whereMask(tf.step(tf.sub(df, 1)), finite, NaN), this.batchShape);
    });
  }
  override entropy(): tf.Tensor {
    // (df + 1)/2 (psi((df + 1)/2) - psi(df/2)) + log(sqrt(df) B(df/2, 1/2)) + log scale
    return tf.tidy(() => {
      const df = this.df;
      const half = tf.mul(0.5, df);
      const halfP1 = tf.mul(0.5, tf.add(df, 1));
      const h = tf.add(
        tf.mul(halfP1, tf.sub(digamma(halfP1), digamma(half))),
        tf.add(tf.add(tf.mul(0.5, tf.log(df)), lbeta(half, 0.5)), tf.log(this.scale)),
      );
      return tf.broadcastTo(h, this.batchShape);
    });
  }
  /**
   * P(X <= value): the standard t CDF at (value - loc) / scale, through the incomplete beta
   * function I_x(df/2, 1/2) with x = df / (df + z^2), computed in double precision;
   * differentiable in value, loc, scale and df.
   */
  override cdf(value: TensorLike): tf.Tensor {
    return tf.tidy(() => stdtr(this.df, tf.div(tf.sub(toTensor(value), this.loc), this.scale)));
  }
  /**
   * The quantile function loc + scale · t_df(q), the standard quantile solved in double precision.
   * @throws {ValueError} when q is outside [0, 1] (with validation on; NaN otherwise)
   */
  override icdf(q: TensorLike): tf.Tensor {
    return tf.tidy(() => {
      const p = toTensor(q);
      if (this.validateArgs) checkProbabilities(`${this.familyName}.icdf`, p);
      return tf.add(this.loc, tf.mul(this.scale, stdtrit(this.df, p)));
    });
  }
}
