/**
 * Constraints: the support of a distribution or the domain of a parameter. Each knows how to
 * check a value and how to produce a feasible point; `bijectTo` (biject-to.ts) maps each
 * continuous one to a transform from unconstrained space.
 *
 * This file holds the elementwise constraints and `independent`; the vector and matrix ones
 * (simplex, lowerCholesky, corrCholesky, corrMatrix, positiveDefinite, orderedVector, sphere)
 * live in constraint-matrices.ts and are re-exported here, so `constraints.*` is one namespace.
 *
 * Bounds may be numbers or tensors (per-element bounds, as Uniform(low, high) needs); a check
 * then broadcasts the value with the bounds. Names follow NumPyro's constraints module.
 */
import * as tf from '@tensorflow/tfjs';

import { type Bound, Constraint, allRightmost, as01, boundName, fillLike } from './constraint-base.js';

export { Constraint, type Bound } from './constraint-base.js';
export {
  CorrCholesky,
  CorrMatrix,
  LowerCholesky,
  OrderedVector,
  PositiveDefinite,
  Simplex,
  Sphere,
  corrCholesky,
  corrMatrix,
  lowerCholesky,
  orderedVector,
  positiveDefinite,
  simplex,
  sphere,
} from './constraint-matrices.js';

/** Finite real numbers. */
class Real extends Constraint {
  readonly name: string = 'real';
  check(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => as01(tf.logicalNot(tf.logicalOr(tf.isNaN(value), tf.isInf(value)))));
  }
}

/** `x > lowerBound`. `positive` is the instance with bound 0. */
class GreaterThan extends Constraint {
  readonly name: string;
  constructor(readonly lowerBound: Bound) {
    super();
    this.name = lowerBound === 0 ? 'positive' : `greaterThan(${boundName(lowerBound)})`;
  }
  check(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => as01(tf.greater(value, this.lowerBound)));
  }
  override feasibleLike(prototype: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.add(fillLike(prototype, this.lowerBound), 1));
  }
}

/** `x >= lowerBound`. `nonnegative` is the instance with bound 0. */
class GreaterThanEq extends Constraint {
  readonly name: string;
  constructor(readonly lowerBound: Bound) {
    super();
    this.name = lowerBound === 0 ? 'nonnegative' : `greaterThanEq(${boundName(lowerBound)})`;
  }
  check(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => as01(tf.greaterEqual(value, this.lowerBound)));
  }
  override feasibleLike(prototype: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.add(fillLike(prototype, this.lowerBound), 1));
  }
}

/** `x < upperBound`. */
class LessThan extends Constraint {
  readonly name: string;
  constructor(readonly upperBound: Bound) {
    super();
    this.name = `lessThan(${boundName(upperBound)})`;
  }
  check(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => as01(tf.less(value, this.upperBound)));
  }
  override feasibleLike(prototype: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.sub(fillLike(prototype, this.upperBound), 1));
  }
}

/**
 * The closed interval `[lowerBound, upperBound]` (closed as in NumPyro: float32 rounding of a
 * sigmoid can land exactly on a bound). With tensor bounds, `width` is computed once here, so
 * that bijectTo can build its affine map without allocating per call.
 */
class Interval extends Constraint {
  readonly name: string;
  readonly width: Bound;
  constructor(
    readonly lowerBound: Bound,
    readonly upperBound: Bound,
  ) {
    super();
    this.name =
      lowerBound === 0 && upperBound === 1 ? 'unitInterval' : `interval(${boundName(lowerBound)}, ${boundName(upperBound)})`;
    this.width =
      typeof lowerBound === 'number' && typeof upperBound === 'number'
        ? upperBound - lowerBound
        : tf.tidy(() => tf.sub(upperBound, lowerBound));
  }
  check(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => as01(tf.logicalAnd(tf.greaterEqual(value, this.lowerBound), tf.lessEqual(value, this.upperBound))));
  }
  override feasibleLike(prototype: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.mul(tf.add(fillLike(prototype, this.lowerBound), this.upperBound), 0.5));
  }
}

/** 0 or 1. */
class BooleanConstraint extends Constraint {
  readonly name: string = 'boolean';
  override readonly isDiscrete: boolean = true;
  check(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => as01(tf.logicalOr(tf.equal(value, 0), tf.equal(value, 1))));
  }
}

function isInteger(value: tf.Tensor): tf.Tensor {
  return tf.equal(value, tf.floor(value));
}

/** Integers in `[lowerBound, upperBound]` (both ends included, as NumPyro's integer_interval). */
class IntegerInterval extends Constraint {
  readonly name: string;
  override readonly isDiscrete: boolean = true;
  constructor(
    readonly lowerBound: Bound,
    readonly upperBound: Bound,
  ) {
    super();
    this.name = `integerInterval(${boundName(lowerBound)}, ${boundName(upperBound)})`;
  }
  check(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() =>
      as01(
        tf.logicalAnd(
          isInteger(value),
          tf.logicalAnd(tf.greaterEqual(value, this.lowerBound), tf.lessEqual(value, this.upperBound)),
        ),
      ),
    );
  }
  override feasibleLike(prototype: tf.Tensor): tf.Tensor {
    return fillLike(prototype, this.lowerBound);
  }
}

/**
 * Integers `>= lowerBound`. The name and the inclusive bound follow NumPyro's
 * integer_greater_than: nonnegativeInteger is integerGreaterThan(0), positiveInteger is (1).
 */
class IntegerGreaterThan extends Constraint {
  readonly name: string;
  override readonly isDiscrete: boolean = true;
  constructor(readonly lowerBound: Bound) {
    super();
    this.name =
      lowerBound === 0 ? 'nonnegativeInteger' : lowerBound === 1 ? 'positiveInteger' : `integerGreaterThan(${boundName(lowerBound)})`;
  }
  check(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => as01(tf.logicalAnd(isInteger(value), tf.greaterEqual(value, this.lowerBound))));
  }
  override feasibleLike(prototype: tf.Tensor): tf.Tensor {
    return fillLike(prototype, this.lowerBound);
  }
}

/** `base` with `reinterpretedBatchNdims` more event dims: valid where every element of the event is. */
class IndependentConstraint extends Constraint {
  readonly name: string;
  override readonly eventDim: number;
  override readonly isDiscrete: boolean;
  constructor(
    readonly baseConstraint: Constraint,
    readonly reinterpretedBatchNdims: number,
    name?: string,
  ) {
    super();
    this.name = name ?? `independent(${baseConstraint.name}, ${reinterpretedBatchNdims})`;
    this.eventDim = baseConstraint.eventDim + reinterpretedBatchNdims;
    this.isDiscrete = baseConstraint.isDiscrete;
  }
  check(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => allRightmost(this.baseConstraint.check(value), this.reinterpretedBatchNdims));
  }
  override feasibleLike(prototype: tf.Tensor): tf.Tensor {
    return this.baseConstraint.feasibleLike(prototype);
  }
}

export { Real, GreaterThan, GreaterThanEq, LessThan, Interval, BooleanConstraint, IntegerInterval, IntegerGreaterThan };
export { IndependentConstraint };

/** All finite reals. */
export const real: Constraint = new Real();
/** `x > 0`. */
export const positive: Constraint = new GreaterThan(0);
/** `x >= 0`. */
export const nonnegative: Constraint = new GreaterThanEq(0);
/** `[0, 1]`. */
export const unitInterval: Constraint = new Interval(0, 1);
/** 0 or 1. */
export const boolean: Constraint = new BooleanConstraint();
/** 0, 1, 2, … */
export const nonnegativeInteger: Constraint = new IntegerGreaterThan(0);
/** 1, 2, 3, … */
export const positiveInteger: Constraint = new IntegerGreaterThan(1);
/** Vectors of finite reals (eventDim 1). */
export const realVector: Constraint = new IndependentConstraint(real, 1, 'realVector');

/** `x > lowerBound`; `greaterThan(0)` is `positive`. */
export const greaterThan = (lowerBound: Bound): Constraint => (lowerBound === 0 ? positive : new GreaterThan(lowerBound));
/** `x >= lowerBound`; `greaterThanEq(0)` is `nonnegative`. */
export const greaterThanEq = (lowerBound: Bound): Constraint =>
  lowerBound === 0 ? nonnegative : new GreaterThanEq(lowerBound);
/** `x < upperBound`. */
export const lessThan = (upperBound: Bound): Constraint => new LessThan(upperBound);
/** `lowerBound <= x <= upperBound`; `interval(0, 1)` is `unitInterval`. */
export const interval = (lowerBound: Bound, upperBound: Bound): Constraint =>
  lowerBound === 0 && upperBound === 1 ? unitInterval : new Interval(lowerBound, upperBound);
/** Integers in `[lowerBound, upperBound]`. */
export const integerInterval = (lowerBound: Bound, upperBound: Bound): Constraint => new IntegerInterval(lowerBound, upperBound);
/** Integers `>= lowerBound` (NumPyro's integer_greater_than). */
export const integerGreaterThan = (lowerBound: Bound): Constraint =>
  lowerBound === 0 ? nonnegativeInteger : lowerBound === 1 ? positiveInteger : new IntegerGreaterThan(lowerBound);

/** `base` with `reinterpretedBatchNdims` more rightmost dims treated as one event. */
export function independent(base: Constraint, reinterpretedBatchNdims: number): Constraint {
  return reinterpretedBatchNdims === 0 ? base : new IndependentConstraint(base, reinterpretedBatchNdims);
}
