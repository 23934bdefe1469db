import * as tf from '@tensorflow/tfjs';

import { ValueError, fmtShape } from '../kernel/errors.js';
import type { PRNGKey } from '../kernel/rng.js';
import { Constraint } from './constraints.js';
import { UniformStream, sampleBinomial } from './discrete-sampling.js';
import { type ProbsLogitsOptions, isNonnegativeInteger, xlogyCount } from './probs-logits.js';
import { CategoricalProbsLogitsFamily, parseCategoricalParam } from './probs-logits-family.js';
import { lgamma } from './special.js';
import { type TensorLike, broadcastShapes, toTensor } from './tensor-like.js';

/** Vectors of non-negative integers summing to `totalCount` (NumPyro's constraints.multinomial). */
class MultinomialConstraint extends Constraint {
  readonly name: string;
  override readonly eventDim = 1;
  override readonly isDiscrete = true;
  constructor(readonly totalCount: tf.Tensor) {
    super();
    this.name = totalCount.rank === 0 ? `multinomial(${totalCount.dataSync()[0]})` : `multinomial(tensor${fmtShape(totalCount.shape)})`;
  }
  check(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.cast(isMultinomialCount(value, this.totalCount), 'float32'));
  }
}

/** bool over value.shape[:-1] (broadcast with n): non-negative integer entries summing to n. */
function isMultinomialCount(value: tf.Tensor, n: tf.Tensor): tf.Tensor {
  const ints = tf.all(tf.cast(isNonnegativeInteger(value), 'bool'), -1);
  return tf.logicalAnd(ints, tf.equal(tf.sum(value, -1), n));
}

/**
 * The multinomial distribution: counts of each of K categories in `totalCount` independent
 * Categorical(`probs`) draws. Event shape [K]; batch shape broadcast(totalCount.shape,
 * probs.shape[:-1]). `{ logits }` gives probs = softmax(logits). Draws are float32 tensors of
 * counts, made in JS by conditional binomials (count k ~ Binomial(remaining, p_k / Σ_{j>=k} p_j)).
 *
 * @example
 * new Multinomial(10, [0.2, 0.3, 0.5]);
 * @public
 */
export class Multinomial extends CategoricalProbsLogitsFamily {
  readonly totalCount: tf.Tensor;
  private readonly supportConstraint: Constraint;

  /**
   * @param totalCount - number of draws, a non-negative integer. @defaultValue 1
   * @param probs - probabilities over the last dim (a simplex); or pass `{ logits }` in its place.
   * @param options - `{ logits }` instead of probs, and `validateArgs`.
   * @throws {ValueError} when totalCount is not a non-negative integer, probs is not a simplex,
   *   the shapes do not broadcast, or both / neither of probs and logits are given.
   */
  constructor(totalCount: TensorLike = 1, probs?: TensorLike | ProbsLogitsOptions, options?: ProbsLogitsOptions) {
    const parsed = parseCategoricalParam('Multinomial', probs ?? {}, options);
    const n = toTensor(totalCount);
    const k = parsed.param.shape[parsed.param.rank - 1]!;
    const batch = broadcastShapes(n.shape, parsed.param.shape.slice(0, -1));
    if (batch === undefined) {
      throw new ValueError(
        `Multinomial: parameter shapes do not broadcast: totalCount ${fmtShape(n.shape)}, ${parsed.kind} ${fmtShape(parsed.param.shape)} (batch ${fmtShape(parsed.param.shape.slice(0, -1))})`,
      );
    }
    super(batch, [k], parsed);
    this.totalCount = n;
    this.supportConstraint = new MultinomialConstraint(n);
    if (this.validateArgs) {
      tf.tidy(() => this.checkParam(() => isNonnegativeInteger(n), 'totalCount', 'a non-negative integer', n));
      this.checkCategoricalParam();
    }
  }

  /** Non-negative integer vectors summing to totalCount. */
  get support(): Constraint {
    return this.supportConstraint;
  }

  protected sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    const k = this.numCategories;
    const [ns, raw] = tf.tidy(() => [
      tf.broadcastTo(this.totalCount, this.batchShape).dataSync(),
      tf.broadcastTo(this.param, [...this.batchShape, k]).dataSync(),
    ]);
    const rows = ns.length;
    // Per row, the tail sums Σ_{j>=i} w_j of the (unnormalised) weights, in double precision.
    const tails = new Float64Array(rows * (k + 1));
    for (let r = 0; r < rows; r++) {
      let max = -Infinity;
      if (this.parameterization === 'logits') for (let j = 0; j < k; j++) max = Math.max(max, raw[r * k + j]!);
      let acc = 0;
      for (let j = k - 1; j >= 0; j--) {
        const x = raw[r * k + j]!;
        acc += this.parameterization === 'logits' ? Math.exp(x - max) : x;
        tails[r * (k + 1) + j] = acc;
      }
    }
    const total = sampleShape.reduce((a, b) => a * b, 1) * rows;
    const s = new UniformStream(key);
    const out = new Float32Array(total * k);
    for (let i = 0; i < total; i++) {
      const r = i % rows;
      let left = ns[r]!;
      for (let j = 0; j < k && left > 0; j++) {
        const t = tails[r * (k + 1) + j]!;
        const w = j === k - 1 ? t : t - tails[r * (k + 1) + j + 1]!;
        // The last category with weight takes what is left (its conditional probability is 1).
        const c = j === k - 1 || w >= t ? left : sampleBinomial(left, Math.min(1, Math.max(0, w / t)), s);
        out[i * k + j] = c;
        left -= c;
      }
    }
    return tf.tensor(out, this.shape(sampleShape), 'float32');
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const n = this.totalCount;
      let terms: tf.Tensor;
      if (this.parameterization === 'probs') {
        terms = xlogyCount(value, this.param);
      } else {
        // x·log p with log p replaced by 0 where x = 0 (it may be -Infinity there).
        terms = tf.mul(value, tf.where(tf.equal(value, 0), tf.scalar(0), this.logits));
      }
      const lp = tf.add(lgamma(tf.add(n, 1)), tf.sum(tf.sub(terms, lgamma(tf.add(value, 1))), -1));
      return tf.where(isMultinomialCount(value, n), lp, tf.scalar(-Infinity));
    });
  }

  /** n·p. */
  override get mean(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.mul(tf.expandDims(this.totalCount, -1), this.probs), this.shape()));
  }
  /** n·p·(1 - p). */
  override get variance(): tf.Tensor {
    return tf.tidy(() => {
      const p = this.probs;
      return tf.broadcastTo(tf.mul(tf.expandDims(this.totalCount, -1), tf.mul(p, tf.sub(1, p))), this.shape());
    });
  }
}
