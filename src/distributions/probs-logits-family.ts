/**
 * Bases for the families parameterised by `probs` or `logits`: they keep whichever parameter was
 * given (so log-densities can use the stable form for it), derive the other on access, and check
 * it. Binary families (Bernoulli, Binomial, Geometric, NegativeBinomial) map the two by sigmoid;
 * categorical ones (Categorical, OneHotCategorical, Multinomial) by softmax over the last dim.
 */
import * as tf from '@tensorflow/tfjs';

import { ValueError, fmtShape } from '../kernel/errors.js';
import { simplex } from './constraints.js';
import { Distribution, type DistributionOptions } from './distribution.js';
import { type ProbsLogitsOptions, notNaN, resolveProbsLogits, xlogx } from './probs-logits.js';
import { type TensorLike, toTensor } from './tensor-like.js';

/** A family with one success probability per batch element, given as probs or as log-odds. */
export abstract class BinaryProbsLogitsFamily extends Distribution {
  /** Which parameter was given; the other one is derived on access. */
  readonly parameterization: 'probs' | 'logits';
  protected readonly param: tf.Tensor;

  protected constructor(batchShape: number[], kind: 'probs' | 'logits', param: tf.Tensor, options: DistributionOptions) {
    super(batchShape, [], options);
    this.parameterization = kind;
    this.param = param;
  }

  /** Success probability (computed from the logits when those were given: a new tensor each access). */
  get probs(): tf.Tensor {
    return this.parameterization === 'probs' ? this.param : tf.sigmoid(this.param);
  }
  /** Log-odds log(p / (1 - p)) (computed from probs when those were given). */
  get logits(): tf.Tensor {
    if (this.parameterization === 'logits') return this.param;
    return tf.tidy(() => tf.sub(tf.log(this.param), tf.log1p(tf.neg(this.param))));
  }

  /**
   * Checks the given parameter: probs against the family's range (`probsOk` gives the 0/1 mask,
   * `expected` describes it), logits for NaN only, since they may saturate to ±Infinity.
   */
  protected checkProbsOrLogits(probsOk: (p: tf.Tensor) => tf.Tensor, expected: string): void {
    tf.tidy(() => {
      if (this.parameterization === 'probs') this.checkParam(() => probsOk(this.param), 'probs', expected, this.param);
      else this.checkParam(() => notNaN(this.param), 'logits', 'not NaN', this.param);
    });
  }
}

/** The categorical parameter as resolved by {@link parseCategoricalParam}. */
export interface CategoricalParam {
  kind: 'probs' | 'logits';
  param: tf.Tensor;
  options: DistributionOptions;
}

/** Resolves probs / logits and checks the parameter has a category dim (done before `super`, which needs its shape). */
export function parseCategoricalParam(
  family: string,
  probs: TensorLike | ProbsLogitsOptions,
  options: ProbsLogitsOptions | undefined,
): CategoricalParam {
  const { kind, value, options: base } = resolveProbsLogits(family, probs, options);
  const param = toTensor(value);
  if (param.rank < 1 || param.shape[param.rank - 1]! < 1) {
    throw new ValueError(
      `${family}: argument '${kind}' must have a last dim holding the K >= 1 categories, got shape ${fmtShape(param.shape)}`,
    );
  }
  return { kind, param, options: base };
}

/** A family over K categories along the last dim of `probs` (a simplex) or `logits` (unnormalised). */
export abstract class CategoricalProbsLogitsFamily extends Distribution {
  /** Which parameter was given; the other one is derived on access. */
  readonly parameterization: 'probs' | 'logits';
  /** K, the size of the last dim of the parameter. */
  readonly numCategories: number;
  protected readonly param: tf.Tensor;

  protected constructor(batchShape: number[], eventShape: number[], parsed: CategoricalParam) {
    super(batchShape, eventShape, parsed.options);
    this.parameterization = parsed.kind;
    this.param = parsed.param;
    this.numCategories = parsed.param.shape[parsed.param.rank - 1]!;
  }

  /** Probabilities over the last dim (softmax of the logits when those were given: a new tensor each access). */
  get probs(): tf.Tensor {
    return this.parameterization === 'probs' ? this.param : tf.softmax(this.param);
  }
  /** Normalised log-probabilities over the last dim (log probs, or logits - logSumExp(logits)). */
  get logits(): tf.Tensor {
    return tf.tidy(() =>
      this.parameterization === 'probs' ? tf.log(this.param) : tf.sub(this.param, tf.logSumExp(this.param, -1, true)),
    );
  }

  /** Checks probs lie on the simplex, or logits are not NaN. */
  protected checkCategoricalParam(): void {
    tf.tidy(() => {
      if (this.parameterization === 'probs') {
        const expected = 'a simplex over the last dim (non-negative, each row summing to 1)';
        this.checkParam(() => simplex.check(this.param), 'probs', expected, this.param);
      } else this.checkParam(() => notNaN(this.param), 'logits', 'not NaN', this.param);
    });
  }

  /** -Σ_k p_k log p_k over the last dim: the entropy of one categorical draw. */
  protected categoricalEntropy(): tf.Tensor {
    return tf.tidy(() => {
      if (this.parameterization === 'probs') return tf.neg(tf.sum(xlogx(this.param), -1));
      const lp = this.logits;
      return tf.neg(tf.sum(tf.mul(tf.exp(lp), lp), -1));
    });
  }
}
