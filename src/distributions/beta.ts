import * as tf from '@tensorflow/tfjs';

import { type PRNGKey, split } from '../kernel/rng.js';
import { type Constraint, unitInterval } from './constraints.js';
import { Distribution, type DistributionOptions } from './distribution.js';
import { positive01 } from './family-utils.js';
import { logStandardGammaRsample } from './gamma-sampler.js';
import { promoteParams } from './params.js';
import { digamma, lbeta, xlog1py, xlogy } from './special.js';
import type { TensorLike } from './tensor-like.js';

// Draws are kept inside [tiny, 1 - 2^-24], the float32 open unit interval, as NumPyro clips them.
const TINY = 1.1754943508222875e-38;
const ONE_MINUS_EPS = 1 - 2 ** -24;

/**
 * The beta distribution with density x^(a-1) (1-x)^(b-1) / B(a, b), a = concentration1,
 * b = concentration0. Draws are X / (X + Y) for independent gamma draws X ~ Gamma(a),
 * Y ~ Gamma(b), computed as sigmoid(log X - log Y) so that small concentrations (whose gamma
 * draws underflow float32) still give the right ratio; they are reparameterised through the
 * implicit gamma gradients.
 * @public
 */
export class Beta extends Distribution {
  readonly concentration1: tf.Tensor;
  readonly concentration0: tf.Tensor;

  /**
   * @param concentration1 - a > 0 (the exponent of x)
   * @param concentration0 - b > 0 (the exponent of 1 - x)
   * @throws {ValueError} when a parameter is not positive (with validation on)
   */
  constructor(concentration1: TensorLike, concentration0: TensorLike, options: DistributionOptions = {}) {
    const { tensors, batchShape } = promoteParams('Beta', { concentration1, concentration0 });
    super(batchShape, [], options);
    this.concentration1 = tensors.concentration1!;
    this.concentration0 = tensors.concentration0!;
    if (this.validateArgs) {
      tf.tidy(() => {
        this.checkParam(() => positive01(this.concentration1), 'concentration1', '> 0', this.concentration1);
        this.checkParam(() => positive01(this.concentration0), 'concentration0', '> 0', this.concentration0);
      });
    }
  }

  get support(): Constraint {
    return unitInterval;
  }
  override get hasRsample(): boolean {
    return true;
  }

  protected sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    const [k1, k0] = split(key, 2) as [PRNGKey, PRNGKey];
    const shape = this.shape(sampleShape);
    return tf.tidy(() => {
      const logX = logStandardGammaRsample(k1, this.concentration1, shape);
      const logY = logStandardGammaRsample(k0, this.concentration0, shape);
      return tf.clipByValue(tf.sigmoid(tf.sub(logX, logY)), TINY, ONE_MINUS_EPS);
    });
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    // (a - 1) log x + (b - 1) log(1 - x) - log B(a, b), with 0 log 0 = 0 at the ends.
    return tf.tidy(() => {
      const a = this.concentration1;
      const b = this.concentration0;
      return tf.sub(tf.add(xlogy(tf.sub(a, 1), value), xlog1py(tf.sub(b, 1), tf.neg(value))), lbeta(a, b));
    });
  }

  override get mean(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.div(this.concentration1, tf.add(this.concentration1, this.concentration0)), this.batchShape));
  }
  override get variance(): tf.Tensor {
    // a b / ((a + b)^2 (a + b + 1))
    return tf.tidy(() => {
      const a = this.concentration1;
      const b = this.concentration0;
      const t = tf.add(a, b);
      return tf.broadcastTo(tf.div(tf.mul(a, b), tf.mul(tf.square(t), tf.add(t, 1))), this.batchShape);
    });
  }
  override entropy(): tf.Tensor {
    // log B(a, b) - (a - 1) psi(a) - (b - 1) psi(b) + (a + b - 2) psi(a + b)
    return tf.tidy(() => {
      const a = this.concentration1;
      const b = this.concentration0;
      const t = tf.add(a, b);
      const h = tf.add(
        tf.sub(tf.sub(lbeta(a, b), tf.mul(tf.sub(a, 1), digamma(a))), tf.mul(tf.sub(b, 1), digamma(b))),
        tf.mul(tf.sub(t, 2), digamma(t)),
      );
      return tf.broadcastTo(h, this.batchShape);
    });
  }
}
