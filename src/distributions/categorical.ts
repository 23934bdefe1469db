import * as tf from '@tensorflow/tfjs';

import { type PRNGKey, uniforms } from '../kernel/rng.js';
import { type Constraint, integerInterval } from './constraints.js';
import { searchCumulative } from './discrete-sampling.js';
import type { ProbsLogitsOptions } from './probs-logits.js';
import { CategoricalProbsLogitsFamily, parseCategoricalParam } from './probs-logits-family.js';
import type { TensorLike } from './tensor-like.js';

/**
 * The categorical distribution over the indices 0..K-1 of the last dim of `probs` (a simplex) or
 * of `logits` (unnormalised log-probabilities). Batch shape is `probs.shape[:-1]`, event shape [].
 *
 * Draws are float32 tensors holding the integer indices 0..K-1 (tfjs computes in float32;
 * `tf.cast(x, 'int32')` gives integer indices when needed).
 *
 * @example
 * new Categorical([0.2, 0.3, 0.5]);
 * new Categorical({ logits: [[0, 1, 2], [2, 1, 0]] }); // batch shape [2]
 * @public
 */
export class Categorical extends CategoricalProbsLogitsFamily {
  private readonly supportConstraint: Constraint;

  /**
   * @param probs - probabilities over the last dim (each row sums to 1); or omit and pass `{ logits }`.
   * @param options - `{ logits }` instead of probs, and `validateArgs`.
   * @throws {ValueError} when both or neither of probs / logits are given, the parameter has no
   *   dims, or probs is not a simplex.
   */
  constructor(probs: TensorLike | ProbsLogitsOptions, options?: ProbsLogitsOptions) {
    const parsed = parseCategoricalParam('Categorical', probs, options);
    super(parsed.param.shape.slice(0, -1), [], parsed);
    this.supportConstraint = integerInterval(0, this.numCategories - 1);
    if (this.validateArgs) this.checkCategoricalParam();
  }

  get support(): Constraint {
    return this.supportConstraint;
  }
  override get hasEnumerateSupport(): boolean {
    return true;
  }

  protected sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    const idx = sampleCategoricalIndices(key, this.param, this.parameterization, sampleShape);
    return tf.tensor(idx, this.shape(sampleShape), 'float32');
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const k = this.numCategories;
      const hot = tf.oneHot(tf.cast(value, 'int32'), k);
      let lp: tf.Tensor;
      if (this.parameterization === 'probs') {
        // Picking the probability first and then taking the log keeps log 0 = -Infinity
        // out of every unselected entry (0·(-Infinity) would be NaN).
        lp = tf.log(tf.sum(tf.mul(tf.cast(hot, 'float32'), this.param), -1));
      } else {
        lp = tf.sum(tf.where(tf.cast(hot, 'bool'), this.logits, tf.scalar(0)), -1);
      }
      return tf.where(inIndexRange(value, k), lp, tf.scalar(-Infinity));
    });
  }

  /** NaN: a category index has no meaningful mean (as NumPyro). */
  override get mean(): tf.Tensor {
    return tf.fill(this.batchShape, NaN);
  }
  /** NaN: a category index has no meaningful variance (as NumPyro). */
  override get variance(): tf.Tensor {
    return tf.fill(this.batchShape, NaN);
  }
  /** -Σ_k p_k log p_k over the last dim. */
  override entropy(): tf.Tensor {
    return this.categoricalEntropy();
  }

  /** 0..K-1 stacked on a new leading dim: shape [K, ...batch] (or [K, 1, ..., 1] with expand false). */
  override enumerateSupport(expand = true): tf.Tensor {
    return tf.tidy(() => {
      const k = this.numCategories;
      const values = tf.reshape(tf.range(0, k, 1, 'float32'), [k, ...this.batchShape.map(() => 1)]);
      return expand ? tf.broadcastTo(values, [k, ...this.batchShape]) : values;
    });
  }
}

/** 1 (bool) where `value` is an integer in [0, k - 1]. */
export function inIndexRange(value: tf.Tensor, k: number): tf.Tensor {
  return tf.logicalAnd(tf.logicalAnd(tf.greaterEqual(value, 0), tf.lessEqual(value, k - 1)), tf.equal(value, tf.round(value)));
}

/**
 * Category indices drawn by inverting each row's cumulative distribution, in double precision.
 * Rows are normalised here, so float32 rounding in a valid simplex does not bias the draws.
 * @returns a Float32Array of size prod(sampleShape) · prod(batch), batch fastest.
 */
export function sampleCategoricalIndices(
  key: PRNGKey,
  param: tf.Tensor,
  kind: 'probs' | 'logits',
  sampleShape: readonly number[],
): Float32Array {
  const k = param.shape[param.rank - 1]!;
  const raw = param.dataSync();
  const rows = raw.length / k;
  const cum = new Float64Array(raw.length);
  for (let r = 0; r < rows; r++) {
    const off = r * k;
    let max = -Infinity;
    if (kind === 'logits') for (let j = 0; j < k; j++) max = Math.max(max, raw[off + j]!);
    let acc = 0;
    for (let j = 0; j < k; j++) {
      const x = raw[off + j]!;
      acc += kind === 'probs' ? x : Math.exp(x - max);
      cum[off + j] = acc;
    }
  }
  const n = sampleShape.reduce((a, b) => a * b, 1) * rows;
  const u = uniforms(key, n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = searchCumulative(cum, (i % rows) * k, k, u[i]!);
  return out;
}
