import * as tf from '@tensorflow/tfjs';

import type { PRNGKey } from '../kernel/rng.js';
import { sampleCategoricalIndices } from './categorical.js';
import { Constraint } from './constraints.js';
import type { ProbsLogitsOptions } from './probs-logits.js';
import { CategoricalProbsLogitsFamily, parseCategoricalParam } from './probs-logits-family.js';
import type { TensorLike } from './tensor-like.js';

/** Vectors over the last dim holding one 1 and zeros elsewhere (Pyro's constraints.one_hot). */
class OneHotConstraint extends Constraint {
  readonly name = 'oneHot';
  override readonly eventDim = 1;
  override readonly isDiscrete = true;
  check(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.cast(isOneHot(value), 'float32'));
  }
  override feasibleLike(prototype: tf.Tensor): tf.Tensor {
    const k = prototype.shape[prototype.rank - 1]!;
    return tf.tidy(() => tf.cast(tf.broadcastTo(tf.reshape(tf.oneHot(tf.tensor1d([0], 'int32'), k), [k]), prototype.shape), 'float32'));
  }
}

/** The one-hot constraint: every event is a vector of zeros with a single 1. */
export const oneHot: Constraint = new OneHotConstraint();

/** bool over value.shape[:-1]: true where the last dim is a one-hot vector. */
function isOneHot(value: tf.Tensor): tf.Tensor {
  const binary = tf.all(tf.logicalOr(tf.equal(value, 0), tf.equal(value, 1)), -1);
  return tf.logicalAnd(binary, tf.equal(tf.sum(value, -1), 1));
}

/**
 * The categorical distribution with draws written as one-hot vectors: event shape [K], batch
 * shape `probs.shape[:-1]`. Parameters as for Categorical (`probs` simplex, or `{ logits }`).
 * Draws are float32 tensors of zeros with a single 1 along the last dim.
 *
 * @example
 * new OneHotCategorical([0.2, 0.3, 0.5]).sample(PRNGKey(0)); // e.g. [0, 0, 1]
 * @public
 */
export class OneHotCategorical extends CategoricalProbsLogitsFamily {
  /**
   * @param probs - probabilities over the last dim; or omit and pass `{ logits }`.
   * @param options - `{ logits }` instead of probs, and `validateArgs`.
   * @throws {ValueError} when both or neither of probs / logits are given, the parameter has no
   *   dims, or probs is not a simplex.
   */
  constructor(probs: TensorLike | ProbsLogitsOptions, options?: ProbsLogitsOptions) {
    const parsed = parseCategoricalParam('OneHotCategorical', probs, options);
    const k = parsed.param.shape[parsed.param.rank - 1]!;
    super(parsed.param.shape.slice(0, -1), [k], parsed);
    if (this.validateArgs) this.checkCategoricalParam();
  }

  get support(): Constraint {
    return oneHot;
  }
  override get isDiscrete(): boolean {
    return true;
  }
  override get hasEnumerateSupport(): boolean {
    return true;
  }

  protected sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    const idx = sampleCategoricalIndices(key, this.param, this.parameterization, sampleShape);
    return tf.tidy(() => tf.cast(tf.oneHot(tf.tensor(idx, [...sampleShape, ...this.batchShape], 'int32'), this.numCategories), 'float32'));
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let lp: tf.Tensor;
      if (this.parameterization === 'probs') {
        // Select the probability, then take the log: log 0 never meets a 0 weight (NaN).
        lp = tf.log(tf.sum(tf.mul(value, this.param), -1));
      } else {
        lp = tf.sum(tf.where(tf.greater(value, 0.5), this.logits, tf.scalar(0)), -1);
      }
      return tf.where(isOneHot(value), lp, tf.scalar(-Infinity));
    });
  }

  override get mean(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(this.probs, this.shape()));
  }
  override get variance(): tf.Tensor {
    return tf.tidy(() => {
      const p = this.probs;
      return tf.broadcastTo(tf.mul(p, tf.sub(1, p)), this.shape());
    });
  }
  /** -Σ_k p_k log p_k over the last dim. */
  override entropy(): tf.Tensor {
    return this.categoricalEntropy();
  }

  /** The K one-hot vectors stacked on a new leading dim: shape [K, ...batch, K] (batch dims 1 with expand false). */
  override enumerateSupport(expand = true): tf.Tensor {
    return tf.tidy(() => {
      const k = this.numCategories;
      const values = tf.reshape(tf.eye(k), [k, ...this.batchShape.map(() => 1), k]);
      return expand ? tf.broadcastTo(values, [k, ...this.batchShape, k]) : values;
    });
  }
}
