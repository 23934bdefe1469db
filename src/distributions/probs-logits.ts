/**
 * Helpers shared by the discrete families. Argument parsing for the families that take `probs`
 * or `logits` (Bernoulli, Categorical, Binomial, ...): the positional argument is `probs`, and
 * `logits` comes in the trailing options object, as in `new Bernoulli(0.3)` or
 * `new Bernoulli({ logits: -0.8 })`. Then the 0/1 parameter checks, and the x·log y products
 * with the 0·log 0 = 0 convention that log-pmfs need.
 */
import * as tf from '@tensorflow/tfjs';

import { ValueError } from '../kernel/errors.js';
import type { DistributionOptions } from './distribution.js';
import type { TensorLike } from './tensor-like.js';

/** Options of the families parameterised by probabilities or by log-odds / unnormalised log-probabilities. */
export interface ProbsLogitsOptions extends DistributionOptions {
  /** Probabilities (success probability, or a simplex over the last dim for categorical families). */
  readonly probs?: TensorLike;
  /** Log-odds (Bernoulli-like families) or unnormalised log-probabilities over the last dim (categorical families). */
  readonly logits?: TensorLike;
}

/** True for the values `toTensor` accepts (as opposed to an options object). */
export function isTensorLike(x: unknown): x is TensorLike {
  return (
    typeof x === 'number' ||
    Array.isArray(x) ||
    x instanceof tf.Tensor ||
    x instanceof Float32Array ||
    x instanceof Int32Array
  );
}

/**
 * Resolves `(probs?, options?)` or `(options)` into exactly one of probs / logits.
 * @throws {ValueError} when both or neither are given.
 */
export function resolveProbsLogits(
  family: string,
  first: TensorLike | ProbsLogitsOptions | undefined,
  rest: ProbsLogitsOptions | undefined,
): { kind: 'probs' | 'logits'; value: TensorLike; options: DistributionOptions } {
  let opts: ProbsLogitsOptions = rest ?? {};
  let probs: TensorLike | undefined;
  if (isTensorLike(first)) probs = first;
  else if (first !== undefined && first !== null) {
    // `(options)` or `({ logits }, { validateArgs })`: read the two objects as one.
    if (rest !== undefined && (rest.probs !== undefined || rest.logits !== undefined)) {
      throw new ValueError(`${family}: 'probs' / 'logits' given in two options objects; pass them once`);
    }
    opts = { ...first, ...rest };
  }
  if (probs !== undefined && opts.probs !== undefined) {
    throw new ValueError(`${family}: 'probs' was given both positionally and in the options; pass it once`);
  }
  probs ??= opts.probs;
  const logits = opts.logits;
  if (probs !== undefined && logits !== undefined) {
    throw new ValueError(`${family}: pass either 'probs' or 'logits', not both`);
  }
  if (probs === undefined && logits === undefined) {
    throw new ValueError(`${family}: one of 'probs' or 'logits' is required; pass probs positionally or { logits } in the options object`);
  }
  const options: DistributionOptions = opts.validateArgs === undefined ? {} : { validateArgs: opts.validateArgs };
  return probs !== undefined ? { kind: 'probs', value: probs, options } : { kind: 'logits', value: logits!, options };
}

/** 1 where x is finite or ±Infinity (i.e. not NaN): the check used for logits, which may saturate. */
export function notNaN(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.cast(tf.logicalNot(tf.isNaN(x)), 'float32'));
}

/** 1 where 0 <= x <= 1. NaN fails. */
export function inUnitInterval(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.cast(tf.logicalAnd(tf.greaterEqual(x, 0), tf.lessEqual(x, 1)), 'float32'));
}

/** 1 where x is a non-negative integer. */
export function isNonnegativeInteger(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.cast(tf.logicalAnd(tf.greaterEqual(x, 0), tf.equal(x, tf.round(x))), 'float32'));
}

/**
 * x·log(y) with 0·log(y) = 0 where x = 0, for x computed from values (counts), never from
 * differentiated parameters. y is replaced by 1 where x = 0, so neither the value nor the
 * gradient with respect to y picks up log 0 = -Infinity there (the "double where" trick).
 */
export function xlogyCount(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.log(tf.where(tf.equal(x, 0), tf.scalar(1), y))));
}

/** x·log1p(y) with 0 where x = 0 (y replaced by 0 there); x from values, as in xlogyCount. */
export function xlog1pyCount(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.log1p(tf.where(tf.equal(x, 0), tf.scalar(0), y))));
}

/** x·log x with 0·log 0 = 0, without a comparison on the gradient path: log(max(x, tiny)). */
export function xlogx(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.log(tf.maximum(x, 1e-37)));
}
