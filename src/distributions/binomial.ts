import * as tf from '@tensorflow/tfjs';

import { ValueError } from '../kernel/errors.js';
import type { PRNGKey } from '../kernel/rng.js';
import { type Constraint, integerInterval } from './constraints.js';
import { UniformStream, sampleBinomial } from './discrete-sampling.js';
import { promoteParams } from './params.js';
import {
  type ProbsLogitsOptions,
  inUnitInterval,
  isNonnegativeInteger,
  resolveProbsLogits,
  xlog1pyCount,
  xlogyCount,
} from './probs-logits.js';
import { BinaryProbsLogitsFamily } from './probs-logits-family.js';
import { lgamma } from './special.js';
import type { TensorLike } from './tensor-like.js';

/**
 * The binomial distribution: the number of successes in `totalCount` independent Bernoulli(`probs`)
 * trials, on {0, ..., totalCount}. `{ logits }` gives probs = sigmoid(logits).
 * Draws are float32 tensors holding integers (inversion for n·min(p, 1-p) < 10, Hörmann's BTRS
 * above; see discrete-sampling.ts).
 *
 * @example
 * new Binomial(10, 0.3);
 * new Binomial([5, 20], { logits: 0.2 });
 * @public
 */
export class Binomial extends BinaryProbsLogitsFamily {
  readonly totalCount: tf.Tensor;
  private readonly supportConstraint: Constraint;

  /**
   * @param totalCount - number of trials, a non-negative integer. @defaultValue 1
   * @param probs - success probability in [0, 1]; or pass `{ logits }` in its place.
   * @param options - `{ logits }` instead of probs, and `validateArgs`.
   * @throws {ValueError} when totalCount is not a non-negative integer, probs lies outside
   *   [0, 1], or both / neither of probs and logits are given.
   */
  constructor(totalCount: TensorLike = 1, probs?: TensorLike | ProbsLogitsOptions, options?: ProbsLogitsOptions) {
    const { kind, value, options: base } = resolveProbsLogits('Binomial', probs, options);
    const { tensors, batchShape } = promoteParams('Binomial', { totalCount, [kind]: value });
    super(batchShape, kind, tensors[kind]!, base);
    this.totalCount = tensors.totalCount!;
    this.supportConstraint = integerInterval(0, this.totalCount);
    if (this.validateArgs) {
      tf.tidy(() => this.checkParam(() => isNonnegativeInteger(this.totalCount), 'totalCount', 'a non-negative integer', this.totalCount));
      this.checkProbsOrLogits(inUnitInterval, 'in [0, 1]');
    }
  }

  /** Integers from 0 to totalCount. */
  get support(): Constraint {
    return this.supportConstraint;
  }
  override get hasEnumerateSupport(): boolean {
    return true;
  }

  protected sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    const [ns, ps] = tf.tidy(() => [
      tf.broadcastTo(this.totalCount, this.batchShape).dataSync(),
      tf.broadcastTo(this.param, this.batchShape).dataSync(),
    ]);
    const rows = ns.length;
    const logits = this.parameterization === 'logits';
    const n = sampleShape.reduce((a, b) => a * b, 1) * rows;
    const s = new UniformStream(key);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const r = i % rows;
      const p = logits ? 1 / (1 + Math.exp(-ps[r]!)) : ps[r]!;
      out[i] = sampleBinomial(ns[r]!, p, s);
    }
    return tf.tensor(out, this.shape(sampleShape), 'float32');
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const n = this.totalCount;
      const rest = tf.sub(n, value);
      const logChoose = tf.sub(lgamma(tf.add(n, 1)), tf.add(lgamma(tf.add(value, 1)), lgamma(tf.add(rest, 1))));
      let lik: tf.Tensor;
      if (this.parameterization === 'probs') {
        // k log p + (n - k) log(1 - p), with 0·log 0 = 0 at p = 0 or 1.
        lik = tf.add(xlogyCount(value, this.param), xlog1pyCount(rest, tf.neg(this.param)));
      } else {
        // -k softplus(-l) - (n - k) softplus(l): finite for any finite logit.
        const l = this.param;
        lik = tf.neg(tf.add(tf.mul(value, tf.softplus(tf.neg(l))), tf.mul(rest, tf.softplus(l))));
      }
      const valid = tf.logicalAnd(tf.cast(isNonnegativeInteger(value), 'bool'), tf.lessEqual(value, n));
      return tf.where(valid, tf.add(logChoose, lik), tf.scalar(-Infinity));
    });
  }

  /** n·p. */
  override get mean(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.mul(this.totalCount, this.probs), this.batchShape));
  }
  /** n·p·(1 - p). */
  override get variance(): tf.Tensor {
    return tf.tidy(() => {
      const p = this.probs;
      const q = this.parameterization === 'logits' ? tf.sigmoid(tf.neg(this.param)) : tf.sub(1, p);
      return tf.broadcastTo(tf.mul(this.totalCount, tf.mul(p, q)), this.batchShape);
    });
  }

  /**
   * 0..n stacked on a new leading dim: shape [n + 1, ...batch] (or [n + 1, 1, ..., 1] with expand
   * false). As in NumPyro, every batch element must have the same totalCount.
   * @throws {ValueError} when totalCount differs across the batch
   */
  override enumerateSupport(expand = true): tf.Tensor {
    const counts = this.totalCount.dataSync();
    const n = counts[0] ?? 0;
    if (counts.some((c) => c !== n)) {
      throw new ValueError(
        `Binomial.enumerateSupport: totalCount must be the same for every batch element, got values from ${Math.min(...counts)} to ${Math.max(...counts)}`,
      );
    }
    return tf.tidy(() => {
      const values = tf.reshape(tf.range(0, n + 1, 1, 'float32'), [n + 1, ...this.batchShape.map(() => 1)]);
      return expand ? tf.broadcastTo(values, [n + 1, ...this.batchShape]) : values;
    });
  }
}
