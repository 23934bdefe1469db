import * as tf from '@tensorflow/tfjs';

import { type PRNGKey, split } from '../kernel/rng.js';
import { type Constraint, unitInterval } from './constraints.js';
import { Distribution, type DistributionOptions } from './distribution.js';
import { checkProbabilities, positive01 } from './family-utils.js';
import { logStandardGammaRsample } from './gamma-sampler.js';
import { promoteParams } from './params.js';
import { customOp, sumToShape } from './grad-utils.js';
import { betainc, betaincinv, digamma, lbeta } from './special.js';
import { type TensorLike, broadcastShapes, toTensor } from './tensor-like.js';

// Draws are kept inside [tiny, 1 - 2^-24], the float32 open unit interval, as NumPyro clips them.
const TINY = 1.1754943508222875e-38;

/** (c − 1)·log(y) with the term 0 where c = 1 (so a boundary value of the support stays finite). */
function powerTerm(c: tf.Tensor, logY: tf.Tensor): tf.Tensor {
  const cm1 = tf.sub(c, 1);
  const shape = broadcastShapes(cm1.shape, logY.shape)!;
  return tf.where(tf.broadcastTo(tf.equal(cm1, 0), shape), tf.zeros(shape), tf.mul(cm1, logY));
}

/**
 * log Beta(value; a, b) as one fused op with closed-form derivatives:
 * d/dvalue = (a−1)/value − (b−1)/(1−value), d/da = log value − ψ(a) + ψ(a+b),
 * d/db = log(1−value) − ψ(b) + ψ(a+b). A step of the coin example then records one node for the
 * density instead of a dozen, and the backward pass is made of differentiable ops.
 */
const betaLogDensity = customOp((value: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => ({
  value: tf.sub(tf.add(powerTerm(a, tf.log(value)), powerTerm(b, tf.log1p(tf.neg(value)))), lbeta(a, b)),
  gradFunc: (dy, [v, a1, b1]) => {
    const psiAB = digamma(tf.add(a1!, b1!));
    const dv = tf.sub(tf.div(tf.sub(a1!, 1), v!), tf.div(tf.sub(b1!, 1), tf.sub(1, v!)));
    const da = tf.add(tf.sub(tf.log(v!), digamma(a1!)), psiAB);
    const db = tf.add(tf.sub(tf.log1p(tf.neg(v!)), digamma(b1!)), psiAB);
    return [sumToShape(tf.mul(dy, dv), v!.shape), sumToShape(tf.mul(dy, da), a1!.shape), sumToShape(tf.mul(dy, db), b1!.shape)];
  },
}));
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
    return betaLogDensity(value, this.concentration1, this.concentration0);
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
  /**
   * P(X <= value) = I_value(a, b), the regularised incomplete beta function (0 below 0, 1 above 1),
   * computed in double precision; differentiable in value and both concentrations.
   */
  override cdf(value: TensorLike): tf.Tensor {
    return tf.tidy(() => betainc(this.concentration1, this.concentration0, toTensor(value)));
  }
  /**
   * The quantile function, solved in double precision.
   * @throws {ValueError} when q is outside [0, 1] (with validation on; NaN otherwise)
   */
  override icdf(q: TensorLike): tf.Tensor {
    return tf.tidy(() => {
      const p = toTensor(q);
      if (this.validateArgs) checkProbabilities(`${this.familyName}.icdf`, p);
      return betaincinv(this.concentration1, this.concentration0, p);
    });
  }
}
