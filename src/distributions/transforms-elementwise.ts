/**
 * Elementwise transforms: Exp, Affine, Sigmoid, Softplus, Tanh, Power. Each log-Jacobian is the
 * log of the derivative written in a form that stays finite in float32 for large |x|
 * (e.g. Sigmoid's log σ'(x) = -softplus(-x) - softplus(x) rather than log(σ(x)(1 - σ(x)))).
 */
import * as tf from '@tensorflow/tfjs';


import { ValueError, fmtShape } from '../kernel/errors.js';
import {
  type Bound,
  type Constraint,
  GreaterThan,
  Interval,
  greaterThan,
  independent,
  interval,
  lessThan,
  positive,
  real,
  unitInterval,
} from './constraints.js';
import { sumRightmost } from './distribution.js';
import { customOp } from './grad-utils.js';
import { softplus } from './special.js';
import { broadcastShapes } from './tensor-like.js';
import { Transform } from './transform-base.js';

/** Smallest normal float32: the floor that keeps exp/softplus/sigmoid outputs strictly positive. */
export const FLOAT32_TINY = 2 ** -126;
/** float32 machine epsilon (2^-23). */
export const FLOAT32_EPS = 2 ** -23;

export interface ExpOptions {
  /**
   * Outputs below this are raised to it, so that underflow cannot produce 0 (or, when an affine
   * shift follows, land exactly on the bound). @defaultValue the smallest normal float32
   */
  readonly floor?: number;
}

/** `y = exp(x)`, from the reals onto the positive reals. */
/**
 * max(exp(x), floor) as one op whose derivative is exp(x): below the floor (x < -87) the true
 * derivative differs by less than the floor itself. tfjs's Maximum gradient alone runs six
 * kernels, and every positive parameter and positive guide site goes through this map each step.
 */
function flooredExp(floor: number): (x: tf.Tensor) => tf.Tensor {
  return customOp((x: tf.Tensor) => ({
    value: tf.maximum(tf.exp(x), floor),
    gradFunc: (dy, [x0]) => tf.mul(dy, tf.exp(x0!)),
  }));
}

export class Exp extends Transform {
  readonly name: string = 'Exp';
  readonly floor: number;
  private readonly expOp: (x: tf.Tensor) => tf.Tensor;
  constructor(options: ExpOptions = {}) {
    super();
    this.floor = options.floor ?? FLOAT32_TINY;
    this.expOp = flooredExp(this.floor);
  }
  get domain(): Constraint {
    return real;
  }
  get codomain(): Constraint {
    return positive;
  }
  forward(x: tf.Tensor): tf.Tensor {
    return this.expOp(x);
  }
  inverse(y: tf.Tensor): tf.Tensor {
    return tf.log(y);
  }
  logAbsDetJacobian(x: tf.Tensor, _y?: tf.Tensor): tf.Tensor {
    // A clone: callers own (and may dispose) what a transform returns, never its input.
    return tf.clone(x);
  }
}

export interface AffineOptions {
  /** Rightmost dims summed in the log-Jacobian. @defaultValue 0 */
  readonly eventDim?: number;
  /** The domain to report (e.g. `positive` when the map shifts an Exp). @defaultValue real, widened by eventDim */
  readonly domain?: Constraint;
  /** The codomain to report. @defaultValue derived from the domain for number parameters, else real */
  readonly codomain?: Constraint;
}

/** `y = loc + scale * x`. */
export class Affine extends Transform {
  readonly name: string = 'Affine';
  readonly eventDim: number;
  readonly domain: Constraint;
  readonly codomain: Constraint;
  constructor(
    readonly loc: Bound,
    readonly scale: Bound,
    options: AffineOptions = {},
  ) {
    super();
    this.eventDim = options.eventDim ?? 0;
    if (typeof scale === 'number' && scale === 0) throw new ValueError('Affine: argument \'scale\' must be nonzero, got 0');
    this.domain = options.domain ?? independent(real, this.eventDim);
    this.codomain = options.codomain ?? affineCodomain(this.domain, loc, scale, this.eventDim);
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.add(this.loc, tf.mul(this.scale, x)));
  }
  inverse(y: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.div(tf.sub(y, this.loc), this.scale));
  }
  logAbsDetJacobian(x: tf.Tensor, _y?: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const l = tf.log(tf.abs(tf.add(tf.zerosLike(x), this.scale)));
      return sumRightmost(l, this.eventDim);
    });
  }
  // Tensor parameters broadcast the value, as NumPyro's AffineTransform.forward_shape does.
  override forwardShape(shape: readonly number[]): number[] {
    return broadcastParamShape(shape, this.loc, this.scale, 'Affine.forwardShape');
  }
  override inverseShape(shape: readonly number[]): number[] {
    return broadcastParamShape(shape, this.loc, this.scale, 'Affine.inverseShape');
  }
}

function broadcastParamShape(shape: readonly number[], loc: Bound, scale: Bound, where: string): number[] {
  const shapes = [shape, ...[loc, scale].filter((p): p is tf.Tensor => typeof p !== 'number').map((p) => p.shape)];
  const out = broadcastShapes(...shapes);
  if (out === undefined) {
    throw new ValueError(`${where}: value shape ${fmtShape(shape)} does not broadcast with the parameter shapes ${shapes.slice(1).map(fmtShape).join(', ')}`);
  }
  return out;
}

/** The image of an interval-like domain under `loc + scale * x`, for number parameters. */
function affineCodomain(domain: Constraint, loc: Bound, scale: Bound, eventDim: number): Constraint {
  if (typeof loc === 'number' && typeof scale === 'number') {
    if (domain instanceof GreaterThan && domain.lowerBound === 0) return scale > 0 ? greaterThan(loc) : lessThan(loc);
    if (domain instanceof Interval && typeof domain.lowerBound === 'number' && typeof domain.upperBound === 'number') {
      const a = loc + scale * domain.lowerBound;
      const b = loc + scale * domain.upperBound;
      return interval(Math.min(a, b), Math.max(a, b));
    }
  }
  return independent(real, eventDim);
}

/** Logistic sigmoid, from the reals onto (0, 1); outputs are clipped to [tiny, 1 - eps] as NumPyro does. */
export class Sigmoid extends Transform {
  readonly name: string = 'Sigmoid';
  get domain(): Constraint {
    return real;
  }
  get codomain(): Constraint {
    return unitInterval;
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.clipByValue(tf.sigmoid(x), FLOAT32_TINY, 1 - FLOAT32_EPS));
  }
  inverse(y: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const p = tf.clipByValue(y, FLOAT32_TINY, 1 - FLOAT32_EPS);
      return tf.sub(tf.log(p), tf.log1p(tf.neg(p)));
    });
  }
  logAbsDetJacobian(x: tf.Tensor, _y?: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.neg(tf.add(softplus(tf.neg(x)), softplus(x))));
  }
}

/** `y = log(1 + exp(x))`, from the reals onto the positive reals. */
export class Softplus extends Transform {
  readonly name: string = 'Softplus';
  get domain(): Constraint {
    return real;
  }
  get codomain(): Constraint {
    return positive;
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.maximum(softplus(x), FLOAT32_TINY));
  }
  inverse(y: tf.Tensor): tf.Tensor {
    // x = log(exp(y) - 1) = y + log(1 - exp(-y)), which does not overflow for large y.
    return tf.tidy(() => tf.add(y, tf.log(tf.neg(tf.expm1(tf.neg(y))))));
  }
  logAbsDetJacobian(x: tf.Tensor, _y?: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.neg(softplus(tf.neg(x))));
  }
}

/** Hyperbolic tangent, from the reals onto (-1, 1). */
export class Tanh extends Transform {
  readonly name: string = 'Tanh';
  get domain(): Constraint {
    return real;
  }
  get codomain(): Constraint {
    return interval(-1, 1);
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tanh(x);
  }
  inverse(y: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.atanh(tf.clipByValue(y, -1 + FLOAT32_EPS, 1 - FLOAT32_EPS)));
  }
  logAbsDetJacobian(x: tf.Tensor, _y?: tf.Tensor): tf.Tensor {
    // log(1 - tanh²x) = 2 (log 2 - x - softplus(-2x)), exact for any x.
    return tf.tidy(() => tf.mul(2, tf.sub(tf.sub(Math.LN2, x), softplus(tf.mul(-2, x)))));
  }
}

/** `y = x^exponent` on the positive reals. */
export class Power extends Transform {
  readonly name: string = 'Power';
  constructor(readonly exponent: Bound) {
    super();
    if (typeof exponent === 'number' && !(exponent !== 0 && Number.isFinite(exponent))) {
      throw new ValueError(`Power: argument 'exponent' must be finite and nonzero, got ${exponent}`);
    }
  }
  get domain(): Constraint {
    return positive;
  }
  get codomain(): Constraint {
    return positive;
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.pow(x, this.exponent));
  }
  inverse(y: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.pow(y, tf.reciprocal(this.exponent)));
  }
  logAbsDetJacobian(x: tf.Tensor, _y?: tf.Tensor): tf.Tensor {
    // log|e x^(e-1)| = log|e| + (e - 1) log x, which needs no y and no division.
    return tf.tidy(() =>
      tf.add(tf.log(tf.abs(tf.add(tf.zerosLike(x), this.exponent))), tf.mul(tf.sub(this.exponent, 1), tf.log(x))),
    );
  }
}
