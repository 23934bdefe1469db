/**
 * Initialisation strategies for automatic guides (NumPyro's numpyro.infer.initialization).
 *
 * A strategy is a per-site function `(site) => value | undefined`: the prototype run of an
 * automatic guide installs it through `handlers.substitute({ substituteFn })`, so it is asked for
 * every site and answers only for continuous latent sample sites, with a *constrained* value.
 * Randomness comes from the key the seed handler has put on the site (`site.key`).
 *
 * As in NumPyro, each strategy can be passed either bare or configured:
 * `initLocFn: initToUniform` and `initLocFn: initToUniform({ radius: 1 })` both work, because
 * called with a site a strategy answers for that site, and called with options (or nothing) it
 * returns a configured strategy.
 *
 * References:
 * - NumPyro, `numpyro/infer/initialization.py` (init_to_median, init_to_uniform, …)
 * - Kucukelbir et al. (2017), Automatic Differentiation Variational Inference, JMLR 18(14)
 */
import * as tf from '@tensorflow/tfjs';

import { bijectTo } from '../distributions/biject-to.js';
import { type TensorLike, toTensor } from '../distributions/tensor-like.js';
import { ModelError, ValueError, VinferError } from '../kernel/errors.js';
import { type PRNGKey, uniform } from '../kernel/rng.js';
import type { Site } from '../kernel/runtime.js';

/**
 * A per-site initialisation function: a constrained initial value for a continuous latent
 * sample site, or undefined to leave the site alone.
 * @public
 */
export interface InitStrategy {
  (site: Site): tf.Tensor | undefined;
  /** Name used in messages, e.g. `initToUniform({ radius: 2 })`. */
  readonly strategyName?: string;
  /**
   * False when the strategy always gives the same values (initToFeasible, initToMean): the
   * prototype then makes one attempt instead of retrying. @defaultValue true
   */
  readonly isRandom?: boolean;
}

/** Tells a site (the strategy applied) from an options object (the strategy configured). */
function isSite(x: unknown): x is Site {
  return typeof x === 'object' && x !== null && 'type' in x && 'name' in x && 'condIndepStack' in x;
}

/** A continuous latent sample site without a value yet: the only sites a strategy answers for. */
function wantsInit(site: Site): boolean {
  return site.type === 'sample' && !site.isObserved && site.fn !== null && !site.fn.isDiscrete && site.value === null;
}

function siteKey(strategy: string, site: Site): PRNGKey {
  if (site.key === null) {
    throw new ModelError(
      `${strategy}: site '${site.name}' has no PRNG key. Init strategies draw random values; run the model under handlers.seed(model, key).`,
    );
  }
  return site.key;
}

function named(fn: (site: Site) => tf.Tensor | undefined, strategyName: string, isRandom: boolean): InitStrategy {
  return Object.assign(fn, { strategyName, isRandom });
}

/** Uniform(-radius, radius) in unconstrained space, mapped onto the site's support. */
function uniformValue(site: Site, radius: number, strategy: string): tf.Tensor {
  const fn = site.fn!;
  const t = bijectTo(fn.support);
  return tf.tidy(() => {
    const shape = t.inverseShape(fn.shape());
    const u = radius === 0 ? tf.zeros(shape) : uniform(siteKey(strategy, site), shape, -radius, radius);
    return t.forward(u);
  });
}

/** Median along axis 0 (the mean of the two middle values for an even count, as numpy's median). */
function medianAxis0(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const n = x.shape[0]!;
    const rest = Array.from({ length: x.rank - 1 }, (_, i) => i + 1);
    // topk sorts along the last axis, so move the sample axis there.
    const sorted = tf.topk(tf.transpose(x, [...rest, 0]), n).values;
    const mid = Math.floor(n / 2);
    const pick = (i: number): tf.Tensor => tf.squeeze(tf.slice(sorted, [...rest.map(() => 0), i], [...rest.map(() => -1), 1]), [x.rank - 1]);
    return n % 2 === 1 ? pick(mid) : tf.mul(tf.add(pick(mid - 1), pick(mid)), 0.5);
  });
}

/** True for the ValueError a family throws when it lacks a method (sample, mean…). */
function isValueError(e: unknown): boolean {
  return VinferError.is(e) && e.name === 'ValueError';
}

function checkCount(where: string, name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new ValueError(`${where}: option '${name}' must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  }
  return v;
}

export interface InitToUniformOptions {
  /** Half-width of the unconstrained interval drawn from. @defaultValue 2 */
  readonly radius?: number;
}

/**
 * Initialise each latent site at Uniform(-radius, radius) in unconstrained space, mapped onto
 * its support with bijectTo (NumPyro's init_to_uniform; the default of most automatic guides).
 * @param arg - options, to configure the strategy; or a site, to apply the default one
 * @throws {ValueError} if radius is negative or not finite
 * @public
 */
export function initToUniform(options?: InitToUniformOptions): InitStrategy;
export function initToUniform(site: Site): tf.Tensor | undefined;
export function initToUniform(arg?: InitToUniformOptions | Site): InitStrategy | tf.Tensor | undefined {
  if (isSite(arg)) return uniformStrategy(2)(arg);
  const radius = arg?.radius ?? 2;
  if (typeof radius !== 'number' || !(radius >= 0) || !Number.isFinite(radius)) {
    throw new ValueError(`initToUniform: option 'radius' must be a finite number >= 0, got ${JSON.stringify(radius)}`);
  }
  return uniformStrategy(radius);
}

function uniformStrategy(radius: number): InitStrategy {
  const label = `initToUniform({ radius: ${radius} })`;
  return named((site) => (wantsInit(site) ? uniformValue(site, radius, 'initToUniform') : undefined), label, radius > 0);
}

/**
 * Initialise each latent site at the point that maps to 0 in unconstrained space, ignoring the
 * distribution's parameters (NumPyro's init_to_feasible, i.e. initToUniform with radius 0).
 * @public
 */
export function initToFeasible(): InitStrategy;
export function initToFeasible(site: Site): tf.Tensor | undefined;
export function initToFeasible(arg?: Site): InitStrategy | tf.Tensor | undefined {
  const s = named((site) => (wantsInit(site) ? uniformValue(site, 0, 'initToFeasible') : undefined), 'initToFeasible', false);
  return isSite(arg) ? s(arg) : s;
}

export interface InitToMedianOptions {
  /** Prior draws whose (unconstrained) median is taken. @defaultValue 15 */
  readonly numSamples?: number;
}

/**
 * Initialise each latent site at the median of `numSamples` prior draws, taken in unconstrained
 * space and mapped back (NumPyro's init_to_median). Families that cannot sample fall back to
 * initToUniform.
 * @throws {ValueError} if numSamples is not an integer >= 1
 * @public
 */
export function initToMedian(options?: InitToMedianOptions): InitStrategy;
export function initToMedian(site: Site): tf.Tensor | undefined;
export function initToMedian(arg?: InitToMedianOptions | Site): InitStrategy | tf.Tensor | undefined {
  if (isSite(arg)) return medianStrategy(15, 'initToMedian')(arg);
  const n = checkCount('initToMedian', 'numSamples', arg?.numSamples ?? 15, 1);
  return medianStrategy(n, `initToMedian({ numSamples: ${n} })`);
}

function medianStrategy(numSamples: number, label: string): InitStrategy {
  return named(
    (site) => {
      if (!wantsInit(site)) return undefined;
      const fn = site.fn!;
      const t = bijectTo(fn.support);
      try {
        return tf.tidy(() => {
          const draws = fn.sample(siteKey(label, site), [numSamples]);
          return t.forward(medianAxis0(t.inverse(draws)));
        });
      } catch (e) {
        if (!isValueError(e)) throw e;
        return uniformValue(site, 2, label);
      }
    },
    label,
    true,
  );
}

/**
 * Initialise each latent site at one prior draw (NumPyro's init_to_sample: initToMedian with one
 * sample).
 * @public
 */
export function initToSample(): InitStrategy;
export function initToSample(site: Site): tf.Tensor | undefined;
export function initToSample(arg?: Site): InitStrategy | tf.Tensor | undefined {
  const s = medianStrategy(1, 'initToSample');
  return isSite(arg) ? s(arg) : s;
}

/**
 * Initialise each latent site at its prior mean (NumPyro's init_to_mean). Families without a
 * finite mean fall back to initToMedian.
 * @public
 */
export function initToMean(): InitStrategy;
export function initToMean(site: Site): tf.Tensor | undefined;
export function initToMean(arg?: Site): InitStrategy | tf.Tensor | undefined {
  const fallback = medianStrategy(15, 'initToMean');
  const s = named(
    (site) => {
      if (!wantsInit(site)) return undefined;
      const fn = site.fn!;
      let mean: tf.Tensor;
      try {
        mean = tf.tidy(() => tf.add(tf.broadcastTo(fn.mean, fn.shape()), 0));
      } catch (e) {
        if (!isValueError(e)) throw e;
        return fallback(site);
      }
      // An infinite or undefined mean (Cauchy, HalfCauchy) is no starting point.
      const finite = tf.tidy(() => tf.all(tf.isFinite(mean)).dataSync()[0] === 1);
      if (finite) return mean;
      mean.dispose();
      return fallback(site);
    },
    'initToMean',
    // Deterministic unless a site falls back to the median of random draws.
    true,
  );
  return isSite(arg) ? s(arg) : s;
}

export interface InitToValueOptions {
  /** Constrained initial values by site name; other sites start as initToUniform would. */
  readonly values: Readonly<Record<string, TensorLike>>;
}

/**
 * Initialise the named latent sites at the given (constrained) values and the others as
 * initToUniform (NumPyro's init_to_value).
 * @throws {ValueError} if `values` is not an object
 * @public
 */
export function initToValue(options: InitToValueOptions): InitStrategy;
export function initToValue(site: Site): tf.Tensor | undefined;
export function initToValue(arg: InitToValueOptions | Site): InitStrategy | tf.Tensor | undefined {
  if (isSite(arg)) return uniformStrategy(2)(arg);
  const values = arg?.values;
  if (typeof values !== 'object' || values === null) {
    throw new ValueError(`initToValue: option 'values' must be an object of initial values by site name, got ${JSON.stringify(values)}`);
  }
  const fallback = uniformStrategy(2);
  return named(
    (site) => {
      if (site.type !== 'sample' || site.isObserved) return undefined;
      const v = values[site.name];
      return v === undefined ? fallback(site) : toTensor(v);
    },
    `initToValue({ values: { ${Object.keys(values).join(', ')} } })`,
    true,
  );
}

/** The name of a strategy for messages. */
export function strategyLabel(s: InitStrategy): string {
  return s.strategyName ?? (s.name || 'a custom init strategy');
}
