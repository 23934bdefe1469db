import * as tf from '@tensorflow/tfjs';

import { type PRNGKey, uniforms } from '../kernel/rng.js';
import { type Constraint, nonnegativeInteger } from './constraints.js';
import { type ProbsLogitsOptions, isNonnegativeInteger, resolveProbsLogits, xlogx } from './probs-logits.js';
import { BinaryProbsLogitsFamily } from './probs-logits-family.js';
import { type TensorLike, toTensor } from './tensor-like.js';

/**
 * The geometric distribution in NumPyro's convention: the number of failures before the first
 * success in Bernoulli(`probs`) trials, on {0, 1, 2, ...}:
 * P(k) = (1 - p)^k · p, mean (1 - p) / p. `{ logits }` gives p = sigmoid(logits).
 * Draws are float32 tensors holding non-negative integers.
 *
 * @example
 * new Geometric(0.25);            // mean 3
 * new Geometric({ logits: 0 });   // p = 0.5
 * @public
 */
export class Geometric extends BinaryProbsLogitsFamily {
  /**
   * @param probs - success probability of each trial, in (0, 1]; or omit and pass `{ logits }`.
   * @param options - `{ logits }` instead of probs, and `validateArgs`.
   * @throws {ValueError} when both or neither of probs / logits are given, or probs lies outside (0, 1].
   */
  constructor(probs: TensorLike | ProbsLogitsOptions, options?: ProbsLogitsOptions) {
    const { kind, value, options: base } = resolveProbsLogits('Geometric', probs, options);
    const t = toTensor(value);
    super(t.shape, kind, t, base);
    if (this.validateArgs) {
      this.checkProbsOrLogits((p) => tf.cast(tf.logicalAnd(tf.greater(p, 0), tf.lessEqual(p, 1)), 'float32'), 'in (0, 1]');
    }
  }

  get support(): Constraint {
    return nonnegativeInteger;
  }

  protected sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    // Inversion: floor(log U / log(1 - p)) has P(K >= k) = (1 - p)^k.
    const param = tf.tidy(() => tf.broadcastTo(this.param, this.batchShape).dataSync());
    const rows = param.length;
    const n = sampleShape.reduce((a, b) => a * b, 1) * rows;
    const u = uniforms(key, n);
    const logQ = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      const x = param[r]!;
      // log(1 - σ(l)) = -softplus(l), written to stay finite for large |l|.
      logQ[r] = this.parameterization === 'probs' ? Math.log1p(-x) : -(Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))));
    }
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(Math.log(u[i]!) / logQ[i % rows]!);
    return tf.tensor(out, this.shape(sampleShape), 'float32');
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let lp: tf.Tensor;
      if (this.parameterization === 'probs') {
        const p = this.param;
        // k·log(1 - p) with the k = 0 term exactly 0, so p = 1 gives log P(0) = 0 rather than NaN.
        const failures = tf.where(tf.equal(value, 0), tf.scalar(0), tf.mul(value, tf.log1p(tf.neg(p))));
        lp = tf.add(failures, tf.log(p));
      } else {
        const l = this.param;
        lp = tf.neg(tf.add(tf.mul(value, tf.softplus(l)), tf.softplus(tf.neg(l))));
      }
      return tf.where(tf.cast(isNonnegativeInteger(value), 'bool'), lp, tf.scalar(-Infinity));
    });
  }

  /** (1 - p) / p. */
  override get mean(): tf.Tensor {
    return tf.tidy(() => {
      if (this.parameterization === 'logits') return tf.exp(tf.neg(this.param));
      return tf.sub(tf.reciprocal(this.param), 1);
    });
  }
  /** (1 - p) / p². */
  override get variance(): tf.Tensor {
    return tf.tidy(() => {
      if (this.parameterization === 'logits') {
        const e = tf.exp(tf.neg(this.param));
        return tf.mul(e, tf.add(e, 1));
      }
      const p = this.param;
      return tf.div(tf.sub(1, p), tf.square(p));
    });
  }
  /** (-(1 - p) log(1 - p) - p log p) / p. */
  override entropy(): tf.Tensor {
    return tf.tidy(() => {
      if (this.parameterization === 'logits') {
        const l = this.param;
        return tf.add(tf.softplus(tf.neg(l)), tf.mul(tf.exp(tf.neg(l)), tf.softplus(l)));
      }
      const p = this.param;
      return tf.div(tf.neg(tf.add(xlogx(tf.sub(1, p)), xlogx(p))), p);
    });
  }
}
