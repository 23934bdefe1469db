/**
 * The Transform base class (TFP's bijector / NumPyro's Transform) and the structural transforms
 * that every other one composes with: Identity, InverseTransform, Compose, IndependentTransform.
 *
 * Conventions (NumPyro's):
 * - `forward(x)` maps the domain to the codomain, `inverse(y)` maps back.
 * - `logAbsDetJacobian(x, y)` is log|det dy/dx| summed over the domain's event dims, so its shape
 *   is `x.shape` without the `domain.eventDim` rightmost dims. For shape-changing transforms
 *   (StickBreaking, LowerCholesky, CorrCholesky) it is the Jacobian of the bijection onto the
 *   free coordinates of `y` (e.g. all but the last entry of a simplex).
 * - `forwardShape`/`inverseShape` map a full value shape across the transform.
 */
import * as tf from '@tensorflow/tfjs';

import { ValueError } from '../kernel/errors.js';
import { type Constraint, independent, real } from './constraints.js';
import { sumRightmost } from './distribution.js';

/**
 * A differentiable bijection between two constrained spaces.
 * @public
 */
export abstract class Transform {
  /** Name used in messages, e.g. `Exp`, `Compose(Exp, Affine)`. */
  abstract readonly name: string;
  abstract get domain(): Constraint;
  abstract get codomain(): Constraint;
  /** Maps a point of the domain to the codomain. */
  abstract forward(x: tf.Tensor): tf.Tensor;
  /** Maps a point of the codomain back to the domain. */
  abstract inverse(y: tf.Tensor): tf.Tensor;
  /**
   * log|det J| of `forward` at `x`, summed over the domain's event dims.
   * @param x - a point of the domain
   * @param y - `forward(x)` when the caller has it (saves recomputing it)
   */
  abstract logAbsDetJacobian(x: tf.Tensor, y?: tf.Tensor): tf.Tensor;

  /** The shape of `forward(x)` for `x` of shape `shape`. */
  forwardShape(shape: readonly number[]): number[] {
    return [...shape];
  }
  /** The shape of `inverse(y)` for `y` of shape `shape`. */
  inverseShape(shape: readonly number[]): number[] {
    return [...shape];
  }

  private invCache: Transform | undefined;
  /** The inverse transform (forward and inverse swapped). */
  get inv(): Transform {
    this.invCache ??= new InverseTransform(this);
    return this.invCache;
  }

  toString(): string {
    return this.name;
  }
}

/** The identity map on `independent(real, eventDim)`. */
export class Identity extends Transform {
  readonly name: string = 'Identity';
  readonly domain: Constraint;
  constructor(readonly eventDim = 0) {
    super();
    this.domain = independent(real, eventDim);
  }
  get codomain(): Constraint {
    return this.domain;
  }
  // A clone, so that every transform returns a tensor its caller owns (and may dispose).
  forward(x: tf.Tensor): tf.Tensor {
    return tf.clone(x);
  }
  inverse(y: tf.Tensor): tf.Tensor {
    return tf.clone(y);
  }
  logAbsDetJacobian(x: tf.Tensor, _y?: tf.Tensor): tf.Tensor {
    return tf.zeros(x.shape.slice(0, x.rank - this.eventDim));
  }
}

/** `base` run backwards: forward is base.inverse, and the log-Jacobian changes sign. */
export class InverseTransform extends Transform {
  readonly name: string;
  constructor(readonly base: Transform) {
    super();
    this.name = `Inverse(${base.name})`;
  }
  get domain(): Constraint {
    return this.base.codomain;
  }
  get codomain(): Constraint {
    return this.base.domain;
  }
  forward(x: tf.Tensor): tf.Tensor {
    return this.base.inverse(x);
  }
  inverse(y: tf.Tensor): tf.Tensor {
    return this.base.forward(y);
  }
  logAbsDetJacobian(x: tf.Tensor, y?: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.neg(this.base.logAbsDetJacobian(y ?? this.base.inverse(x), x)));
  }
  override forwardShape(shape: readonly number[]): number[] {
    return this.base.inverseShape(shape);
  }
  override inverseShape(shape: readonly number[]): number[] {
    return this.base.forwardShape(shape);
  }
  override get inv(): Transform {
    return this.base;
  }
}

/** Event dims a composition needs at its input (NumPyro's _get_compose_transform_input_event_dim). */
function composeInputEventDim(parts: readonly Transform[]): number {
  let d = parts[parts.length - 1]!.domain.eventDim;
  for (let i = parts.length - 1; i >= 0; i--) {
    const p = parts[i]!;
    d = p.domain.eventDim + Math.max(d - p.codomain.eventDim, 0);
  }
  return d;
}

function composeOutputEventDim(parts: readonly Transform[]): number {
  let d = parts[0]!.codomain.eventDim;
  for (const p of parts.slice(1)) d = p.codomain.eventDim + Math.max(d - p.domain.eventDim, 0);
  return d;
}

export interface ComposeOptions {
  /**
   * The codomain to report, when the caller knows it better than the parts do (bijectTo passes
   * the constraint it maps onto). @defaultValue the last part's codomain, widened by event dims
   */
  readonly codomain?: Constraint;
}

/** The parts applied left to right: `Compose([a, b]).forward(x) = b.forward(a.forward(x))`. */
export class Compose extends Transform {
  readonly name: string;
  readonly parts: readonly Transform[];
  private readonly codomainOverride: Constraint | undefined;

  constructor(parts: readonly Transform[], options: ComposeOptions = {}) {
    super();
    this.parts = parts.length === 0 ? [new Identity()] : [...parts];
    this.name = `Compose(${this.parts.map((p) => p.name).join(', ')})`;
    this.codomainOverride = options.codomain;
  }
  get domain(): Constraint {
    const first = this.parts[0]!.domain;
    return independent(first, composeInputEventDim(this.parts) - first.eventDim);
  }
  get codomain(): Constraint {
    if (this.codomainOverride !== undefined) return this.codomainOverride;
    const last = this.parts[this.parts.length - 1]!.codomain;
    return independent(last, composeOutputEventDim(this.parts) - last.eventDim);
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.parts.reduce((v, p) => p.forward(v), x));
  }
  inverse(y: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.parts.reduceRight((v, p) => p.inverse(v), y));
  }
  logAbsDetJacobian(x: tf.Tensor, y?: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      // Each part's log-det is summed over the dims the whole composition treats as event dims
      // but the part does not; `d` tracks the composition's event dims at the current point.
      let d = this.domain.eventDim;
      let result: tf.Tensor | undefined;
      let cur = x;
      this.parts.forEach((p, i) => {
        const next = i === this.parts.length - 1 && y !== undefined ? y : p.forward(cur);
        const ld = sumRightmost(p.logAbsDetJacobian(cur, next), d - p.domain.eventDim);
        result = result === undefined ? ld : tf.add(result, ld);
        d = p.codomain.eventDim + d - p.domain.eventDim;
        cur = next;
      });
      return result!;
    });
  }
  override forwardShape(shape: readonly number[]): number[] {
    return this.parts.reduce((s, p) => p.forwardShape(s), [...shape]);
  }
  override inverseShape(shape: readonly number[]): number[] {
    return this.parts.reduceRight((s, p) => p.inverseShape(s), [...shape]);
  }
}

/** `base` with its rightmost `reinterpretedBatchNdims` batch dims treated as event dims. */
export class IndependentTransform extends Transform {
  readonly name: string;
  constructor(
    readonly base: Transform,
    readonly reinterpretedBatchNdims: number,
  ) {
    super();
    if (!Number.isInteger(reinterpretedBatchNdims) || reinterpretedBatchNdims < 0) {
      throw new ValueError(
        `IndependentTransform: reinterpretedBatchNdims must be an integer >= 0, got ${reinterpretedBatchNdims}`,
      );
    }
    this.name = `Independent(${base.name}, ${reinterpretedBatchNdims})`;
  }
  get domain(): Constraint {
    return independent(this.base.domain, this.reinterpretedBatchNdims);
  }
  get codomain(): Constraint {
    return independent(this.base.codomain, this.reinterpretedBatchNdims);
  }
  forward(x: tf.Tensor): tf.Tensor {
    return this.base.forward(x);
  }
  inverse(y: tf.Tensor): tf.Tensor {
    return this.base.inverse(y);
  }
  logAbsDetJacobian(x: tf.Tensor, y?: tf.Tensor): tf.Tensor {
    return tf.tidy(() => sumRightmost(this.base.logAbsDetJacobian(x, y), this.reinterpretedBatchNdims));
  }
  override forwardShape(shape: readonly number[]): number[] {
    return this.base.forwardShape(shape);
  }
  override inverseShape(shape: readonly number[]): number[] {
    return this.base.inverseShape(shape);
  }
}
