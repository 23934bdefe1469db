/**
 * The Distribution base class and the three wrappers every distribution offers through methods:
 * ExpandedDistribution (expand), Independent (toEvent) and MaskedDistribution (mask). They live
 * together because the base class constructs them and a module cycle would break class loading.
 *
 * Shapes follow NumPyro: a draw has shape sampleShape ++ batchShape ++ eventShape, and logProb of
 * a value returns a tensor of shape sampleShape ++ batchShape (event dims summed out).
 */
import * as tf from '@tensorflow/tfjs';

import { ValueError, fmtShape } from '../kernel/errors.js';
import type { PRNGKey } from '../kernel/rng.js';
import { type Constraint, independent as independentConstraint } from './constraints.js';
import { type TensorLike, broadcastShapes, numberSource, sameShape, toTensor } from './tensor-like.js';
import { isValidationEnabled } from './validation.js';

export interface DistributionOptions {
  /** Check parameters and logProb values; throws ValueError on bad input. @defaultValue true (see enableValidation) */
  readonly validateArgs?: boolean;
}

export abstract class Distribution {
  readonly batchShape: number[];
  readonly eventShape: number[];
  readonly validateArgs: boolean;

  constructor(batchShape: readonly number[], eventShape: readonly number[], options: DistributionOptions = {}) {
    this.batchShape = [...batchShape];
    this.eventShape = [...eventShape];
    this.validateArgs = options.validateArgs ?? isValidationEnabled();
  }

  /** The family name used in messages. */
  get familyName(): string {
    return this.constructor.name;
  }
  abstract get support(): Constraint;
  /** True when rsample gives draws differentiable with respect to the parameters. */
  get hasRsample(): boolean {
    return false;
  }
  get hasEnumerateSupport(): boolean {
    return false;
  }
  get isDiscrete(): boolean {
    return this.support.isDiscrete;
  }
  get eventDim(): number {
    return this.eventShape.length;
  }

  /** sampleShape ++ batchShape ++ eventShape. */
  shape(sampleShape: readonly number[] = []): number[] {
    return [...sampleShape, ...this.batchShape, ...this.eventShape];
  }

  /** A draw of shape sampleShape ++ batchShape ++ eventShape; reparameterised when the family allows. */
  sample(key: PRNGKey, sampleShape: readonly number[] = []): tf.Tensor {
    return this.hasRsample ? this.rsample(key, sampleShape) : this.sampleImpl(key, [...sampleShape]);
  }

  /** A reparameterised draw: gradients flow to the parameters. */
  rsample(key: PRNGKey, sampleShape: readonly number[] = []): tf.Tensor {
    if (!this.hasRsample) {
      throw new ValueError(`${this.familyName}.rsample: this family has no reparameterised sampler; use sample()`);
    }
    return this.sampleImpl(key, [...sampleShape]);
  }

  /** Log-density of `value`, shape sampleShape ++ batchShape. */
  logProb(value: TensorLike): tf.Tensor {
    const v = toTensor(value);
    if (this.validateArgs) {
      this.validateSample(v);
      return this.logProbImpl(v);
    }
    return this.outsideSupportToMinusInfinity(v, this.logProbImpl(v));
  }

  /**
   * With validation off, a value outside the support has log-density -Infinity (NumPyro's
   * behaviour), whatever the family's formula would give there. Discrete families select their
   * log-mass by value and do this themselves; wrappers leave it to the distribution they wrap.
   */
  protected outsideSupportToMinusInfinity(value: tf.Tensor, lp: tf.Tensor): tf.Tensor {
    const support = this.support;
    if (!this.masksOutsideSupport || support.isDiscrete || support.name === 'real' || support.name === 'realVector') return lp;
    return tf.tidy(() => {
      const ok = tf.cast(support.check(value), 'bool');
      const shape = broadcastShapes(ok.shape, lp.shape)!;
      return tf.where(tf.broadcastTo(ok, shape), tf.broadcastTo(lp, shape), tf.fill(shape, -Infinity));
    });
  }

  /** Whether logProb with validation off maps out-of-support values to -Infinity itself (false for wrappers). */
  protected get masksOutsideSupport(): boolean {
    return true;
  }

  protected abstract sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor;
  protected abstract logProbImpl(value: tf.Tensor): tf.Tensor;

  get mean(): tf.Tensor {
    throw new ValueError(`${this.familyName}.mean: not defined for this family`);
  }
  get variance(): tf.Tensor {
    throw new ValueError(`${this.familyName}.variance: not defined for this family`);
  }
  entropy(): tf.Tensor {
    throw new ValueError(`${this.familyName}.entropy: not implemented for this family`);
  }
  cdf(_value: TensorLike): tf.Tensor {
    throw new ValueError(`${this.familyName}.cdf: not implemented for this family`);
  }
  icdf(_q: TensorLike): tf.Tensor {
    throw new ValueError(`${this.familyName}.icdf: not implemented for this family`);
  }
  /**
   * The support values stacked along a new leading dim, shape [n, ...batch-ones or batchShape].
   * With expand false the batch dims are size 1 (NumPyro's convention).
   */
  enumerateSupport(_expand = true): tf.Tensor {
    throw new ValueError(`${this.familyName}.enumerateSupport: this family has no finite support to enumerate`);
  }

  /** The same family broadcast to a larger batch shape. */
  expand(batchShape: readonly number[]): Distribution {
    if (sameShape(batchShape, this.batchShape)) return this;
    return new ExpandedDistribution(this, batchShape);
  }

  /** Reinterpret the rightmost `n` batch dims as event dims (default: all of them). */
  toEvent(n?: number): Distribution {
    const k = n ?? this.batchShape.length;
    return k === 0 ? this : new Independent(this, k);
  }

  /** Mask the log-density: where the mask is false the site contributes 0. */
  mask(m: boolean | TensorLike): Distribution {
    if (m === true) return this;
    return new MaskedDistribution(this, m);
  }

  /**
   * Checks that `value` broadcasts with this distribution and lies in its support; throws a
   * ValueError naming the family otherwise. The support check is skipped for `real` (it could only
   * catch NaN, which the loss reports anyway) and for a tensor already checked against the same
   * constraint (observed data is the same tensor on every step).
   */
  protected validateSample(value: tf.Tensor): void {
    const ev = this.eventShape.length;
    const valueEvent = value.shape.slice(value.rank - ev);
    if (value.rank < ev || (!sameShape(valueEvent, this.eventShape) && broadcastShapes(valueEvent, this.eventShape) === undefined)) {
      throw new ValueError(
        `${this.familyName}.logProb: value shape ${fmtShape(value.shape)} does not end in event shape ${fmtShape(this.eventShape)}`,
      );
    }
    if (broadcastShapes(value.shape.slice(0, value.rank - ev), this.batchShape) === undefined) {
      throw new ValueError(
        `${this.familyName}.logProb: value shape ${fmtShape(value.shape)} does not broadcast with batch shape ${fmtShape(this.batchShape)}`,
      );
    }
    const support = this.support;
    if (value.size === 0 || support.name === 'real' || support.name === 'realVector') return;
    const key = cacheKey(support);
    if (key !== null && wasValidated(value, key)) return;
    const n = numberSource(value);
    const ok = tf.tidy(() => tf.min(support.check(value)).dataSync()[0]);
    if (ok !== undefined && ok < 1) {
      throw new ValueError(
        `${this.familyName}.logProb: value ${n !== undefined ? n : `of shape ${fmtShape(value.shape)}`} is outside the support ${support.name}. ` +
          `Pass { validateArgs: false } to get -Infinity instead.`,
      );
    }
    if (key !== null) markValidated(value, key);
  }

  /**
   * Throws a ValueError when `ok` (a 0/1 tensor, or a function making one) is not all ones; `what`
   * names the argument. A scalar made from a JS number is checked in JS when `expected` is one of
   * the common conditions, and a tensor that passed the same check before is not checked again.
   */
  protected checkParam(ok: tf.Tensor | (() => tf.Tensor), what: string, expected: string, value: tf.Tensor): void {
    if (!this.validateArgs) return;
    const key = `param:${expected}`;
    const n = numberSource(value);
    const jsCheck = JS_CHECKS[expected];
    let passed: boolean;
    if (n !== undefined && jsCheck !== undefined) passed = jsCheck(n);
    else if (wasValidated(value, key)) return;
    else passed = (tf.tidy(() => tf.min(typeof ok === 'function' ? ok() : ok).dataSync()[0]) ?? 1) >= 1;
    if (passed) {
      markValidated(value, key);
      return;
    }
    const [lo, hi] = tf.tidy(() => [tf.min(value).dataSync()[0], tf.max(value).dataSync()[0]]);
    const got = value.size === 1 ? `${lo}` : `values in [${lo}, ${hi}] in a tensor of shape ${fmtShape(value.shape)}`;
    throw new ValueError(`${this.familyName}: argument '${what}' must be ${expected}, got ${got}`);
  }
}

/** JS versions of the common parameter conditions, keyed by their `expected` text. */
const JS_CHECKS: Record<string, (x: number) => boolean> = {
  '> 0': (x) => x > 0,
  '>= 0': (x) => x >= 0,
  'in [0, 1]': (x) => x >= 0 && x <= 1,
  'in (0, 1]': (x) => x > 0 && x <= 1,
  'in [0, 1)': (x) => x >= 0 && x < 1,
  'not NaN': (x) => !Number.isNaN(x),
  'a non-negative integer': (x) => x >= 0 && Number.isInteger(x),
};

/** Tensors (immutable in tfjs) that passed a check, by check key. */
const VALIDATED = new WeakMap<tf.Tensor, Set<string>>();
function wasValidated(t: tf.Tensor, key: string): boolean {
  return VALIDATED.get(t)?.has(key) ?? false;
}
function markValidated(t: tf.Tensor, key: string): void {
  let set = VALIDATED.get(t);
  if (set === undefined) VALIDATED.set(t, (set = new Set()));
  set.add(key);
}
/** A constraint's name identifies it unless it holds tensor bounds (named `tensor[...]`). */
function cacheKey(c: Constraint): string | null {
  return c.name.includes('tensor') ? null : `support:${c.name}`;
}

/** Sums the rightmost `n` dims of `x` (event dims of a log-density). */
export function sumRightmost(x: tf.Tensor, n: number): tf.Tensor {
  if (n <= 0) return x;
  const axes = Array.from({ length: n }, (_, i) => x.rank - 1 - i);
  return tf.sum(x, axes);
}

/** `base` broadcast to a larger batch shape (NumPyro's ExpandedDistribution). */
export class ExpandedDistribution extends Distribution {
  constructor(
    readonly baseDist: Distribution,
    batchShape: readonly number[],
  ) {
    super(batchShape, baseDist.eventShape, { validateArgs: baseDist.validateArgs });
    const b = broadcastShapes(baseDist.batchShape, batchShape);
    if (b === undefined || !sameShape(b, batchShape)) {
      throw new ValueError(
        `${baseDist.familyName}.expand: batch shape ${fmtShape(baseDist.batchShape)} cannot be expanded to ${fmtShape(batchShape)}`,
      );
    }
  }
  override get familyName(): string {
    return this.baseDist.familyName;
  }
  get support(): Constraint {
    return this.baseDist.support;
  }
  override get hasRsample(): boolean {
    return this.baseDist.hasRsample;
  }
  override get hasEnumerateSupport(): boolean {
    return this.baseDist.hasEnumerateSupport;
  }
  protected sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    // Draw the dims the base does not supply as extra sample dims, then interleave each grown
    // size-1 base dim with its drawn dim (one of each pair has size 1) and reshape.
    const base = this.baseDist;
    const m = base.batchShape.length;
    const lead = this.batchShape.slice(0, this.batchShape.length - m);
    const tail = this.batchShape.slice(this.batchShape.length - m).map((d, i) => (base.batchShape[i] === 1 ? d : 1));
    const s = sampleShape.length + lead.length;
    const e = this.eventShape.length;
    const perm = Array.from({ length: s }, (_, i) => i);
    for (let i = 0; i < m; i++) perm.push(s + i, s + m + i);
    for (let i = 0; i < e; i++) perm.push(s + 2 * m + i);
    return tf.tidy(() => {
      const x = base.hasRsample ? base.rsample(key, [...sampleShape, ...lead, ...tail]) : base.sample(key, [...sampleShape, ...lead, ...tail]);
      return tf.reshape(m === 0 ? x : tf.transpose(x, perm), this.shape(sampleShape));
    });
  }
  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const lp = this.baseDist.logProb(value);
      const shape = broadcastShapes(lp.shape, this.batchShape);
      // The base accepts any value its own (smaller) batch shape broadcasts with, so the expanded
      // batch shape is checked here, with or without validation: a mismatch is a shape error.
      if (shape === undefined) {
        throw new ValueError(
          `${this.familyName}.logProb: value shape ${fmtShape(value.shape)} does not broadcast with batch shape ${fmtShape(this.batchShape)}`,
        );
      }
      return sameShape(shape, lp.shape) ? lp : tf.broadcastTo(lp, shape);
    });
  }
  override get mean(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(this.baseDist.mean, this.shape()));
  }
  override get variance(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(this.baseDist.variance, this.shape()));
  }
  override entropy(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(this.baseDist.entropy(), this.batchShape));
  }
  override cdf(value: TensorLike): tf.Tensor {
    return this.baseDist.cdf(value);
  }
  override icdf(q: TensorLike): tf.Tensor {
    return this.baseDist.icdf(q);
  }
  override enumerateSupport(expand = true): tf.Tensor {
    const s = this.baseDist.enumerateSupport(false);
    if (!expand) return tf.reshape(s, [s.shape[0]!, ...this.batchShape.map(() => 1), ...this.eventShape]);
    return tf.broadcastTo(s, [s.shape[0]!, ...this.batchShape, ...this.eventShape]);
  }
  protected override validateSample(): void {
    // The base distribution validates in its own logProb.
  }
  protected override get masksOutsideSupport(): boolean {
    return false;
  }
}

/** Reinterprets the rightmost `reinterpretedBatchNdims` batch dims as event dims. */
export class Independent extends Distribution {
  constructor(
    readonly baseDist: Distribution,
    readonly reinterpretedBatchNdims: number,
  ) {
    const b = baseDist.batchShape;
    const n = reinterpretedBatchNdims;
    if (!Number.isInteger(n) || n < 0 || n > b.length) {
      throw new ValueError(
        `Independent: reinterpretedBatchNdims must be an integer in [0, ${b.length}] for batch shape ${fmtShape(b)}, got ${n}`,
      );
    }
    super(b.slice(0, b.length - n), [...b.slice(b.length - n), ...baseDist.eventShape], {
      validateArgs: baseDist.validateArgs,
    });
  }
  override get familyName(): string {
    return `Independent(${this.baseDist.familyName})`;
  }
  get support(): Constraint {
    return independentConstraint(this.baseDist.support, this.reinterpretedBatchNdims);
  }
  override get hasRsample(): boolean {
    return this.baseDist.hasRsample;
  }
  override get hasEnumerateSupport(): boolean {
    return this.baseDist.hasEnumerateSupport;
  }
  protected sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    return this.baseDist.sample(key, sampleShape);
  }
  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => sumRightmost(this.baseDist.logProb(value), this.reinterpretedBatchNdims));
  }
  override get mean(): tf.Tensor {
    return this.baseDist.mean;
  }
  override get variance(): tf.Tensor {
    return this.baseDist.variance;
  }
  override entropy(): tf.Tensor {
    return tf.tidy(() => sumRightmost(this.baseDist.entropy(), this.reinterpretedBatchNdims));
  }
  protected override validateSample(): void {
    // The base distribution validates in its own logProb.
  }
  protected override get masksOutsideSupport(): boolean {
    return false;
  }
}

/** Multiplies the log-density by a 0/1 mask (broadcast with the batch shape). */
export class MaskedDistribution extends Distribution {
  readonly maskTensor: tf.Tensor | null;
  constructor(
    readonly baseDist: Distribution,
    mask: boolean | TensorLike,
  ) {
    const m = typeof mask === 'boolean' ? null : toTensor(mask);
    const batch = m === null ? baseDist.batchShape : broadcastShapes(baseDist.batchShape, m.shape);
    if (batch === undefined) {
      throw new ValueError(
        `${baseDist.familyName}.mask: mask shape ${fmtShape(m!.shape)} does not broadcast with batch shape ${fmtShape(baseDist.batchShape)}`,
      );
    }
    super(batch, baseDist.eventShape, { validateArgs: baseDist.validateArgs });
    this.maskTensor = m === null ? (mask === false ? tf.scalar(0) : null) : m;
  }
  override get familyName(): string {
    return this.baseDist.familyName;
  }
  get support(): Constraint {
    return this.baseDist.support;
  }
  override get hasRsample(): boolean {
    return this.baseDist.hasRsample;
  }
  override get hasEnumerateSupport(): boolean {
    return this.baseDist.hasEnumerateSupport;
  }
  protected sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    // A mask that widens the batch shape needs independent draws along the new dims (NumPyro
    // expands the base); broadcasting one draw would repeat it, or fail for a leading sample dim.
    const base = sameShape(this.baseDist.batchShape, this.batchShape) ? this.baseDist : this.baseDist.expand(this.batchShape);
    return base.sample(key, sampleShape);
  }
  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    if (this.maskTensor === null) return this.baseDist.logProb(value);
    const mask = this.maskTensor;
    return tf.tidy(() => {
      const lp = this.baseDist.logProb(value);
      // where() rather than multiply, so a masked -Infinity or NaN does not leak through as NaN.
      const m = tf.greater(mask, 0);
      const shape = broadcastShapes(lp.shape, m.shape)!;
      return tf.where(tf.broadcastTo(m, shape), tf.broadcastTo(lp, shape), tf.zeros(shape));
    });
  }
  override enumerateSupport(expand = true): tf.Tensor {
    return this.baseDist.enumerateSupport(expand);
  }
  override get mean(): tf.Tensor {
    return this.baseDist.mean;
  }
  override get variance(): tf.Tensor {
    return this.baseDist.variance;
  }
  protected override validateSample(): void {
    // Masked-out values may lie anywhere; the base validates the rest when its own logProb runs.
  }
  protected override get masksOutsideSupport(): boolean {
    return false;
  }
}

