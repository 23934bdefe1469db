import * as tf from '@tensorflow/tfjs';

import type { PRNGKey } from '../kernel/rng.js';
import { type Constraint, nonnegativeInteger } from './constraints.js';
import { UniformStream, sampleGamma, samplePoisson } from './discrete-sampling.js';
import { promoteParams } from './params.js';
import { type ProbsLogitsOptions, isNonnegativeInteger, resolveProbsLogits, xlogyCount } from './probs-logits.js';
import { BinaryProbsLogitsFamily } from './probs-logits-family.js';
import { lgamma } from './special.js';
import type { TensorLike } from './tensor-like.js';

/**
 * The negative binomial distribution in NumPyro's convention (NegativeBinomialProbs /
 * NegativeBinomialLogits, as in PyTorch): the number of successes before the `totalCount`-th
 * failure in Bernoulli(`probs`) trials, on {0, 1, 2, ...}:
 *
 *   P(k) = Γ(k + r) / (Γ(r) k!) · (1 - p)^r · p^k,   mean r p / (1 - p),   variance r p / (1 - p)².
 *
 * `totalCount` (r) may be any positive real, which makes it the Gamma–Poisson mixture
 * Poisson(λ), λ ~ Gamma(r, rate (1 - p) / p); draws are made that way. `{ logits }` gives
 * p = sigmoid(logits), so the mean is r·exp(logits). Draws are float32 tensors holding integers.
 *
 * @example
 * new NegativeBinomial(3, 0.4);              // mean 2
 * new NegativeBinomial(2.5, { logits: 1 });  // mean 2.5 e
 * @public
 */
export class NegativeBinomial extends BinaryProbsLogitsFamily {
  readonly totalCount: tf.Tensor;

  /**
   * @param totalCount - number of failures to wait for, > 0 (need not be an integer)
   * @param probs - success probability of each trial, in [0, 1); or pass `{ logits }` in its place.
   * @param options - `{ logits }` instead of probs, and `validateArgs`.
   * @throws {ValueError} when totalCount <= 0, probs lies outside [0, 1), or both / neither of
   *   probs and logits are given.
   */
  constructor(totalCount: TensorLike, probs?: TensorLike | ProbsLogitsOptions, options?: ProbsLogitsOptions) {
    const { kind, value, options: base } = resolveProbsLogits('NegativeBinomial', probs, options);
    const { tensors, batchShape } = promoteParams('NegativeBinomial', { totalCount, [kind]: value });
    super(batchShape, kind, tensors[kind]!, base);
    this.totalCount = tensors.totalCount!;
    if (this.validateArgs) {
      tf.tidy(() => this.checkParam(() => tf.cast(tf.greater(this.totalCount, 0), 'float32'), 'totalCount', '> 0', this.totalCount));
      this.checkProbsOrLogits((p) => tf.cast(tf.logicalAnd(tf.greaterEqual(p, 0), tf.less(p, 1)), 'float32'), 'in [0, 1)');
    }
  }

  get support(): Constraint {
    return nonnegativeInteger;
  }

  protected sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    const [rs, ps] = tf.tidy(() => [
      tf.broadcastTo(this.totalCount, this.batchShape).dataSync(),
      tf.broadcastTo(this.param, this.batchShape).dataSync(),
    ]);
    const rows = rs.length;
    // The Poisson mean per unit of Gamma(r, 1): p / (1 - p) = exp(logits).
    const odds = Float64Array.from(ps, (x) => (this.parameterization === 'logits' ? Math.exp(x) : x / (1 - x)));
    const n = sampleShape.reduce((a, b) => a * b, 1) * rows;
    const s = new UniformStream(key);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const r = i % rows;
      out[i] = odds[r]! === 0 ? 0 : samplePoisson(sampleGamma(rs[r]!, s) * odds[r]!, s);
    }
    return tf.tensor(out, this.shape(sampleShape), 'float32');
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const r = this.totalCount;
      const logCoef = tf.sub(lgamma(tf.add(value, r)), tf.add(lgamma(r), lgamma(tf.add(value, 1))));
      let lik: tf.Tensor;
      if (this.parameterization === 'probs') {
        // r log(1 - p) + k log p, with 0·log 0 = 0 at p = 0.
        lik = tf.add(tf.mul(r, tf.log1p(tf.neg(this.param))), xlogyCount(value, this.param));
      } else {
        const l = this.param;
        lik = tf.neg(tf.add(tf.mul(r, tf.softplus(l)), tf.mul(value, tf.softplus(tf.neg(l)))));
      }
      return tf.where(tf.cast(isNonnegativeInteger(value), 'bool'), tf.add(logCoef, lik), tf.scalar(-Infinity));
    });
  }

  /** r p / (1 - p). */
  override get mean(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.mul(this.totalCount, this.odds()), this.batchShape));
  }
  /** r p / (1 - p)². */
  override get variance(): tf.Tensor {
    return tf.tidy(() => {
      const o = this.odds();
      // r·o·(1 + o), since 1/(1 - p) = 1 + o.
      return tf.broadcastTo(tf.mul(this.totalCount, tf.mul(o, tf.add(1, o))), this.batchShape);
    });
  }

  /** p / (1 - p). */
  private odds(): tf.Tensor {
    if (this.parameterization === 'logits') return tf.exp(this.param);
    return tf.div(this.param, tf.sub(1, this.param));
  }
}
