/**
 * Learning-rate schedules with optax's semantics. A schedule maps the number of updates applied
 * so far (0 on the first update) to a learning rate, and can be given wherever `lr` is accepted.
 * They are plain functions of a JS number: no tensors, nothing to read back.
 */
import { ValueError } from '../kernel/errors.js';
import type { Schedule } from './optimizer.js';

function finite(where: string, name: string, x: unknown): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new ValueError(`${where}: option '${name}' must be a finite number, got ${String(x)}`);
  return x;
}

function positive(where: string, name: string, x: unknown): number {
  if (finite(where, name, x) <= 0) throw new ValueError(`${where}: option '${name}' must be > 0, got ${String(x)}`);
  return x as number;
}

function nonNegative(where: string, name: string, x: unknown): number {
  if (finite(where, name, x) < 0) throw new ValueError(`${where}: option '${name}' must be >= 0, got ${String(x)}`);
  return x as number;
}

/**
 * The same value at every update.
 * @public
 */
export function constantSchedule(value: number): Schedule {
  finite('constantSchedule', 'value', value);
  return () => value;
}

/** Options of {@link exponentialDecay}. */
export interface ExponentialDecayOptions {
  readonly initValue: number;
  /** Updates per factor of `decayRate`, > 0. */
  readonly transitionSteps: number;
  /** Factor per `transitionSteps` updates, > 0. */
  readonly decayRate: number;
  /** Updates held at `initValue` before the decay starts. @defaultValue 0 */
  readonly transitionBegin?: number;
  /** Decay in whole steps of `transitionSteps` rather than continuously. @defaultValue false */
  readonly staircase?: boolean;
  /** A floor (if decaying) or ceiling (if growing) on the value. @defaultValue none */
  readonly endValue?: number;
}

/**
 * `initValue · decayRate^(k / transitionSteps)` with `k = count − transitionBegin` (the exponent
 * floored when `staircase`), and `initValue` while `k <= 0`; clipped at `endValue` if given
 * (optax.exponential_decay).
 * @throws {ValueError} on a non-finite option, transitionSteps <= 0, decayRate <= 0 or transitionBegin < 0
 * @example
 * const lr = exponentialDecay({ initValue: 0.01, transitionSteps: 1000, decayRate: 0.5 });
 * @public
 */
export function exponentialDecay(options: ExponentialDecayOptions): Schedule {
  const where = 'exponentialDecay';
  const initValue = finite(where, 'initValue', options.initValue);
  const transitionSteps = positive(where, 'transitionSteps', options.transitionSteps);
  const decayRate = positive(where, 'decayRate', options.decayRate);
  const transitionBegin = nonNegative(where, 'transitionBegin', options.transitionBegin ?? 0);
  const staircase = options.staircase ?? false;
  const endValue = options.endValue === undefined ? undefined : finite(where, 'endValue', options.endValue);
  return (count) => {
    const k = count - transitionBegin;
    if (k <= 0) return initValue;
    const p = staircase ? Math.floor(k / transitionSteps) : k / transitionSteps;
    const value = initValue * decayRate ** p;
    if (endValue === undefined) return value;
    return decayRate < 1 ? Math.max(value, endValue) : Math.min(value, endValue);
  };
}

/** Options of {@link cosineDecay}. */
export interface CosineDecayOptions {
  readonly initValue: number;
  /** Updates over which to decay, > 0; the value stays at `alpha · initValue` afterwards. */
  readonly decaySteps: number;
  /** Final value as a fraction of `initValue`. @defaultValue 0 */
  readonly alpha?: number;
  /** Power applied to the cosine factor. @defaultValue 1 */
  readonly exponent?: number;
}

/**
 * `initValue · ((1 − alpha) · (½(1 + cos(π·min(count, decaySteps)/decaySteps)))^exponent + alpha)`
 * (optax.cosine_decay_schedule; I. Loshchilov, F. Hutter, "SGDR", ICLR 2017).
 * @throws {ValueError} on a non-finite option or decaySteps <= 0
 * @public
 */
export function cosineDecay(options: CosineDecayOptions): Schedule {
  const where = 'cosineDecay';
  const initValue = finite(where, 'initValue', options.initValue);
  const decaySteps = positive(where, 'decaySteps', options.decaySteps);
  const alpha = finite(where, 'alpha', options.alpha ?? 0);
  const exponent = finite(where, 'exponent', options.exponent ?? 1);
  return (count) => {
    const c = Math.min(Math.max(count, 0), decaySteps);
    const cosine = 0.5 * (1 + Math.cos((Math.PI * c) / decaySteps));
    return initValue * ((1 - alpha) * cosine ** exponent + alpha);
  };
}

/** Options of {@link piecewiseConstant}. */
export interface PiecewiseConstantOptions {
  readonly initValue: number;
  /**
   * `{ boundary: scale }` or `[[boundary, scale], …]`: from update `boundary` on, the value is
   * multiplied by `scale` (scales accumulate, in increasing order of boundary).
   */
  readonly boundariesAndScales: Readonly<Record<number, number>> | ReadonlyArray<readonly [number, number]>;
}

/**
 * A step function: `initValue` times the product of the scales of every boundary `<= count`
 * (optax.piecewise_constant_schedule).
 * @throws {ValueError} on a non-finite boundary or a negative or non-finite scale
 * @example
 * const lr = piecewiseConstant({ initValue: 0.1, boundariesAndScales: { 1000: 0.1, 2000: 0.1 } });
 * @public
 */
export function piecewiseConstant(options: PiecewiseConstantOptions): Schedule {
  const where = 'piecewiseConstant';
  const initValue = finite(where, 'initValue', options.initValue);
  const raw = options.boundariesAndScales;
  if (typeof raw !== 'object' || raw === null) {
    throw new ValueError(`${where}: option 'boundariesAndScales' must be { boundary: scale } or [[boundary, scale], …], got ${String(raw)}`);
  }
  const pairs: [number, number][] = (Array.isArray(raw) ? raw : Object.entries(raw)).map(([b, s]) => [Number(b), Number(s)]);
  for (const [b, s] of pairs) {
    finite(where, 'boundary', b);
    if (!(Number.isFinite(s) && s >= 0)) throw new ValueError(`${where}: scale factors must be numbers >= 0, got ${s} at boundary ${b}`);
  }
  pairs.sort((x, y) => x[0] - y[0]);
  return (count) => {
    let value = initValue;
    for (const [b, s] of pairs) if (count >= b) value *= s;
    return value;
  };
}

/** Options of {@link polynomialSchedule}. */
export interface PolynomialScheduleOptions {
  readonly initValue: number;
  readonly endValue: number;
  readonly power: number;
  /** Updates from `initValue` to `endValue`, > 0. */
  readonly transitionSteps: number;
  /** Updates held at `initValue` first. @defaultValue 0 */
  readonly transitionBegin?: number;
}

/**
 * `(initValue − endValue) · (1 − k/transitionSteps)^power + endValue` with
 * `k = clip(count − transitionBegin, 0, transitionSteps)` (optax.polynomial_schedule).
 * @throws {ValueError} on a non-finite option, transitionSteps <= 0 or transitionBegin < 0
 * @public
 */
export function polynomialSchedule(options: PolynomialScheduleOptions, where = 'polynomialSchedule'): Schedule {
  const initValue = finite(where, 'initValue', options.initValue);
  const endValue = finite(where, 'endValue', options.endValue);
  const power = finite(where, 'power', options.power);
  const transitionSteps = positive(where, 'transitionSteps', options.transitionSteps);
  const transitionBegin = nonNegative(where, 'transitionBegin', options.transitionBegin ?? 0);
  return (count) => {
    const k = Math.min(Math.max(count - transitionBegin, 0), transitionSteps);
    return (initValue - endValue) * (1 - k / transitionSteps) ** power + endValue;
  };
}

/** Options of {@link linearSchedule}. */
export type LinearScheduleOptions = Omit<PolynomialScheduleOptions, 'power'>;

/**
 * Linear interpolation from `initValue` to `endValue` over `transitionSteps` updates, after
 * `transitionBegin` updates at `initValue` (optax.linear_schedule). A linear warm-up is
 * `linearSchedule({ initValue: 0, endValue: peak, transitionSteps: n })`.
 * @public
 */
export function linearSchedule(options: LinearScheduleOptions): Schedule {
  return polynomialSchedule({ ...options, power: 1 }, 'linearSchedule');
}

/**
 * `schedules[i](count − boundaries[i−1])` for counts from `boundaries[i−1]` on: each schedule
 * restarts its count at its boundary (optax.join_schedules).
 * @throws {ValueError} unless there is one boundary fewer than schedules, in increasing order
 * @public
 */
export function joinSchedules(schedules: readonly Schedule[], boundaries: readonly number[]): Schedule {
  const where = 'joinSchedules';
  if (schedules.length === 0 || boundaries.length !== schedules.length - 1) {
    throw new ValueError(`${where}: expected one boundary fewer than schedules, got ${schedules.length} schedules and ${boundaries.length} boundaries`);
  }
  boundaries.forEach((b, i) => {
    finite(where, 'boundary', b);
    if (i > 0 && b < boundaries[i - 1]!) throw new ValueError(`${where}: boundaries must be in increasing order, got ${boundaries.join(', ')}`);
  });
  return (count) => {
    for (let i = boundaries.length - 1; i >= 0; i--) {
      if (count >= boundaries[i]!) return schedules[i + 1]!(count - boundaries[i]!);
    }
    return schedules[0]!(count);
  };
}

/** Options of {@link warmupCosineDecay}. */
export interface WarmupCosineDecayOptions {
  /** Value at update 0 (start of the linear warm-up). */
  readonly initValue: number;
  /** Value reached at the end of the warm-up. */
  readonly peakValue: number;
  /** Updates of linear warm-up, >= 0. */
  readonly warmupSteps: number;
  /** Total updates, warm-up included; > warmupSteps. */
  readonly decaySteps: number;
  /** Value after `decaySteps`. @defaultValue 0 */
  readonly endValue?: number;
  /** Power applied to the cosine factor. @defaultValue 1 */
  readonly exponent?: number;
}

/**
 * A linear warm-up from `initValue` to `peakValue` over `warmupSteps`, then a cosine decay to
 * `endValue` at `decaySteps` (optax.warmup_cosine_decay_schedule).
 * @throws {ValueError} on a non-finite option, warmupSteps < 0 or decaySteps <= warmupSteps
 * @example
 * const lr = warmupCosineDecay({ initValue: 0, peakValue: 0.01, warmupSteps: 100, decaySteps: 5000 });
 * @public
 */
export function warmupCosineDecay(options: WarmupCosineDecayOptions): Schedule {
  const where = 'warmupCosineDecay';
  const initValue = finite(where, 'initValue', options.initValue);
  const peakValue = finite(where, 'peakValue', options.peakValue);
  const warmupSteps = nonNegative(where, 'warmupSteps', options.warmupSteps);
  const decaySteps = finite(where, 'decaySteps', options.decaySteps);
  const endValue = finite(where, 'endValue', options.endValue ?? 0);
  if (!(decaySteps > warmupSteps)) {
    throw new ValueError(`${where}: option 'decaySteps' (the total, warm-up included) must be > warmupSteps, got decaySteps ${decaySteps} and warmupSteps ${warmupSteps}`);
  }
  const alpha = peakValue === 0 ? 0 : endValue / peakValue;
  const decay = cosineDecay({ initValue: peakValue, decaySteps: decaySteps - warmupSteps, alpha, exponent: options.exponent ?? 1 });
  if (warmupSteps === 0) return decay;
  const warmup = linearSchedule({ initValue, endValue: peakValue, transitionSteps: warmupSteps });
  return joinSchedules([warmup, decay], [warmupSteps]);
}
