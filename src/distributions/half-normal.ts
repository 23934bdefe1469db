import * as tf from '@tensorflow/tfjs';

import { type PRNGKey, normal } from '../kernel/rng.js';
import type { DistributionOptions } from './distribution.js';
import { HalfScaleFamily } from './loc-scale.js';
import { erf, erfinv } from './special.js';
import type { TensorLike } from './tensor-like.js';

// log(2) - log(sqrt(2π)) = 0.5 log(2/π): the half-normal density is twice the normal one.
const HALF_LOG_2_OVER_PI = 0.5 * Math.log(2 / Math.PI);

/**
 * The half-normal distribution: |X| for X ~ Normal(0, scale).
 * @public
 */
export class HalfNormal extends HalfScaleFamily {
  /** 0.5 log(π e / 2) */
  protected readonly standardEntropy = 0.5 * Math.log((Math.PI * Math.E) / 2);

  /**
   * @param scale - scale of the underlying normal, > 0
   * @throws {ValueError} when scale <= 0 (with validation on)
   */
  constructor(scale: TensorLike = 1, options: DistributionOptions = {}) {
    super('HalfNormal', scale, options);
  }

  /** √2 erfinv(p), used by icdf; sampling folds normal draws instead (below). */
  protected standardIcdf(p: tf.Tensor): tf.Tensor {
    return tf.mul(Math.SQRT2, erfinv(p));
  }
  protected standardCdf(z: tf.Tensor): tf.Tensor {
    return erf(tf.div(z, Math.SQRT2));
  }

  /** |N(0, 1)| from the double-precision normal sampler; float32 uniforms through erfinv would cut the tail near 5.3σ. */
  protected override sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    return tf.tidy(() => tf.mul(this.scale, tf.abs(normal(key, this.shape(sampleShape)))));
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const z = this.standardize(value);
      return tf.sub(HALF_LOG_2_OVER_PI, tf.add(tf.mul(0.5, tf.square(z)), tf.log(this.scale)));
    });
  }

  override get mean(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.mul(this.scale, Math.sqrt(2 / Math.PI)), this.batchShape));
  }
  override get variance(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.mul(tf.square(this.scale), 1 - 2 / Math.PI), this.batchShape));
  }
}
