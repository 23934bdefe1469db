import * as tf from '@tensorflow/tfjs';

import { type PRNGKey, uniform } from '../kernel/rng.js';
import { type Constraint, boolean } from './constraints.js';
import { type ProbsLogitsOptions, inUnitInterval, resolveProbsLogits, xlogx } from './probs-logits.js';
import { BinaryProbsLogitsFamily } from './probs-logits-family.js';
import { type TensorLike, broadcastShapes, toTensor } from './tensor-like.js';

/**
 * The Bernoulli distribution on {0, 1} with success probability `probs`, or log-odds `logits`
 * (NumPyro's BernoulliProbs / BernoulliLogits in one class).
 *
 * Draws are float32 tensors holding 0 and 1.
 *
 * @example
 * new Bernoulli(0.3);
 * new Bernoulli({ logits: -0.85 });
 * @public
 */
export class Bernoulli extends BinaryProbsLogitsFamily {
  /**
   * @param probs - success probability in [0, 1]; or omit it and pass `{ logits }`.
   * @param options - `{ logits }` instead of probs, and `validateArgs`.
   * @throws {ValueError} when both or neither of probs / logits are given, or probs lies outside [0, 1].
   */
  constructor(probs: TensorLike | ProbsLogitsOptions, options?: ProbsLogitsOptions) {
    const { kind, value, options: base } = resolveProbsLogits('Bernoulli', probs, options);
    const t = toTensor(value);
    super(t.shape, kind, t, base);
    if (this.validateArgs) this.checkProbsOrLogits(inUnitInterval, 'in [0, 1]');
  }

  /** [log p, log(1 - p)], computed stably from whichever parameter was given. */
  logProbsPair(): [tf.Tensor, tf.Tensor] {
    if (this.parameterization === 'probs') return [tf.log(this.param), tf.log1p(tf.neg(this.param))];
    // log σ(l) = -softplus(-l), log(1 - σ(l)) = -softplus(l): finite for any finite logit.
    return [tf.neg(tf.softplus(tf.neg(this.param))), tf.neg(tf.softplus(this.param))];
  }

  get support(): Constraint {
    return boolean;
  }
  override get hasEnumerateSupport(): boolean {
    return true;
  }

  protected sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    return tf.tidy(() => tf.cast(tf.less(uniform(key, this.shape(sampleShape)), this.probs), 'float32'));
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    // With validation on, the value is known to be 0 or 1, and for logits the log-mass is then
    // y·l − softplus(l): one transcendental op instead of two, and no selects (the hot path of
    // logistic regression).
    if (this.validateArgs) {
      if (this.parameterization === 'logits') return tf.tidy(() => tf.sub(tf.mul(value, this.param), tf.softplus(this.param)));
      return tf.tidy(() => {
        const [lp, lq] = this.logProbsPair();
        const shape = broadcastShapes(value.shape, lp.shape)!;
        return tf.where(tf.broadcastTo(tf.equal(value, 1), shape), tf.broadcastTo(lp, shape), tf.broadcastTo(lq, shape));
      });
    }
    // Select by the value (never by the parameter), so no comparison op lies on a gradient path.
    return tf.tidy(() => {
      const [lp, lq] = this.logProbsPair();
      const one = tf.equal(value, 1);
      const lpmf = tf.where(one, lp, lq);
      const valid = tf.logicalOr(one, tf.equal(value, 0));
      return tf.where(valid, lpmf, tf.scalar(-Infinity));
    });
  }

  override get mean(): tf.Tensor {
    return this.parameterization === 'probs' ? tf.clone(this.param) : this.probs;
  }
  override get variance(): tf.Tensor {
    return tf.tidy(() => {
      const p = this.probs;
      return tf.mul(p, tf.sub(1, p));
    });
  }
  /** -p log p - (1 - p) log(1 - p), with 0·log 0 = 0. */
  override entropy(): tf.Tensor {
    return tf.tidy(() => {
      if (this.parameterization === 'logits') {
        // H = softplus(l) - l·σ(l): exact form that stays finite for large |l|.
        const l = this.param;
        return tf.sub(tf.softplus(l), tf.mul(l, tf.sigmoid(l)));
      }
      const p = this.param;
      return tf.neg(tf.add(xlogx(p), xlogx(tf.sub(1, p))));
    });
  }

  /** [0, 1] stacked on a new leading dim: shape [2, ...batch] (or [2, 1, ..., 1] with expand false). */
  override enumerateSupport(expand = true): tf.Tensor {
    return tf.tidy(() => {
      const values = tf.reshape(tf.tensor1d([0, 1]), [2, ...this.batchShape.map(() => 1)]);
      return expand ? tf.broadcastTo(values, [2, ...this.batchShape]) : values;
    });
  }
}
