/**
 * The Constraint base class and the bound helpers the concrete constraints share. It lives apart
 * from constraints.ts so that constraint-matrices.ts can extend it while constraints.ts
 * re-exports both without an import cycle.
 */
import * as tf from '@tensorflow/tfjs';

import { fmtShape } from '../kernel/errors.js';

/**
 * A set of values: the support of a distribution or the domain of a parameter.
 * @public
 */
export abstract class Constraint {
  /** Human-readable name used in messages, e.g. `positive`, `interval(0, 1)`. */
  abstract readonly name: string;
  /** Number of rightmost dims that form one event (1 for simplex, 2 for lowerCholesky). */
  readonly eventDim: number = 0;
  readonly isDiscrete: boolean = false;
  /** A 0/1 float tensor of shape `value.shape` minus `eventDim` rightmost dims: 1 where valid. */
  abstract check(value: tf.Tensor): tf.Tensor;
  /** A point inside the constraint with the shape of `prototype`. */
  feasibleLike(prototype: tf.Tensor): tf.Tensor {
    return tf.zerosLike(prototype);
  }
  toString(): string {
    return this.name;
  }
}

/** A bound of an interval-like constraint: a number or a tensor that broadcasts with values. */
export type Bound = number | tf.Tensor;

/** How a bound reads in a constraint's name. */
export function boundName(b: Bound): string {
  return typeof b === 'number' ? String(b) : `tensor${fmtShape(b.shape)}`;
}

/** A 0/1 float32 tensor from a boolean one. */
export function as01(b: tf.Tensor): tf.Tensor {
  return tf.cast(b, 'float32');
}

/** Minimum over the rightmost `n` dims (all-ones test of a 0/1 tensor over an event). */
export function allRightmost(ok: tf.Tensor, n: number): tf.Tensor {
  if (n <= 0) return ok;
  const axes = Array.from({ length: n }, (_, i) => ok.rank - 1 - i);
  return tf.min(ok, axes);
}

/** `prototype`'s shape filled with `b` (broadcast when `b` is a tensor). */
export function fillLike(prototype: tf.Tensor, b: Bound): tf.Tensor {
  return tf.tidy(() => (typeof b === 'number' ? tf.fill(prototype.shape, b) : tf.add(tf.zerosLike(prototype), b)));
}

/**
 * The smallest gap that moves the float32 number `b` when added: `b + g` for any g >= this gap is
 * a float32 number strictly above `b`. Bijections onto `x > b` use it so that `b + exp(x)` stays
 * strictly above `b` when exp(x) is far below one ulp of `b`.
 */
export function strictGap(b: number): number {
  // One ulp of a float32 number is at most |b| * 2^-23; 2^-126 is the smallest normal float32.
  return Math.max(Math.abs(b) * 2 ** -23, 2 ** -126);
}
