/**
 * AutoGuide: the base of every automatic guide (NumPyro's AutoGuide). On its first call it runs a
 * prototype of the model (prototype.ts) to discover the latent sites, their supports, shapes and
 * plates, and their initial values; subclasses then write the guide program over that list.
 *
 * References:
 * - Kucukelbir et al. (2017), Automatic Differentiation Variational Inference, JMLR 18(14)
 * - NumPyro, `numpyro/infer/autoguide.py` (AutoGuide, _setup_prototype, _create_plates)
 */
import * as tf from '@tensorflow/tfjs';

import type { TensorLike } from '../distributions/tensor-like.js';
import { ModelError, ValueError } from '../kernel/errors.js';
import { block, seed, substitute, trace } from '../kernel/handlers/index.js';
import type { PluginMeta } from '../kernel/plugin-meta.js';
import { plate, prngKey } from '../kernel/primitives.js';
import { PRNGKey } from '../kernel/rng.js';
import type { PlateFrame } from '../kernel/runtime.js';
import { siteLogProbSum } from '../kernel/trace-data.js';
import type { Guide, ModelFn } from './guide.js';
import { type InitStrategy, initToUniform } from './init-strategies.js';
import { type LatentSite, type Prototype, buildPrototype } from './prototype.js';

export type { LatentSite } from './prototype.js';

/**
 * A plate for an automatic guide to create instead of the one it would copy from the model
 * (the TypeScript form of what NumPyro's `create_plates` returns). The usual reason is data
 * subsampling with indices the model receives as an argument: pass the same `subsample`.
 * @public
 */
export interface PlateSpec {
  readonly name: string;
  readonly size: number;
  readonly subsampleSize?: number;
  /** Explicit subsample indices (the model then replays them from the guide). */
  readonly subsample?: TensorLike;
  /** @defaultValue the dim the plate has in the model */
  readonly dim?: number;
}

/**
 * Options shared by every automatic guide.
 * @public
 */
export interface AutoGuideOptions<A extends unknown[] = any[]> {
  /** Prefix of every parameter name the guide creates. @defaultValue 'auto' */
  readonly prefix?: string;
  /** Per-site initialisation (init-strategies.ts). @defaultValue initToUniform (initToMedian for AutoDelta) */
  readonly initLocFn?: InitStrategy;
  /**
   * Plates to create in the guide, called with the model's arguments; plates not returned are
   * copied from the model (with the model's subsample size, indices drawn in the guide and
   * replayed by the model). Useful for data subsampling.
   */
  readonly createPlates?: (...args: A) => PlateSpec | readonly PlateSpec[];
}

/** Posterior draws or summaries, constrained, by site name. */
export type SiteValues = Record<string, tf.Tensor>;

/** Checks a list of quantile levels; shared by guides that offer quantiles. */
export function checkQuantiles(where: string, qs: unknown): number[] {
  if (!Array.isArray(qs) || qs.length === 0 || !qs.every((q) => typeof q === 'number' && q > 0 && q < 1)) {
    throw new ValueError(`${where}: quantiles must be a non-empty array of numbers in (0, 1), got ${JSON.stringify(qs)}`);
  }
  return qs as number[];
}

/** The option keys every automatic guide accepts; subclasses add their own. */
export const AUTO_GUIDE_OPTION_KEYS = ['prefix', 'initLocFn', 'createPlates'] as const;

/**
 * Base class for automatic guides. Concrete subclasses declare `static readonly plugin`
 * (kind 'guide'), implement `guideBody` (the guide program, run after the prototype exists) and
 * `samplePosterior`, and usually `median` and `quantiles`.
 * @public
 */
export abstract class AutoGuide<A extends unknown[] = any[]> implements Guide<A> {
  static readonly plugin: PluginMeta;
  readonly model: ModelFn<A>;
  readonly prefix: string;
  readonly initLocFn: InitStrategy;
  readonly createPlates: ((...args: A) => PlateSpec | readonly PlateSpec[]) | undefined;

  /** The prototype summary; null until the first call. */
  private proto: Prototype | null = null;

  /**
   * @param model - the model the guide approximates the posterior of
   * @param options - common options plus the subclass's own (`knownKeys` lists every accepted key)
   * @param defaultInit - the init strategy used when `initLocFn` is not given
   * @throws {ValueError} for an unknown option or an option of the wrong type
   */
  protected constructor(
    model: ModelFn<A>,
    options: AutoGuideOptions<A>,
    knownKeys: readonly string[],
    defaultInit: InitStrategy = initToUniform(),
  ) {
    const where = this.guideName;
    if (typeof model !== 'function') {
      throw new ValueError(`${where}: the model must be a function, got ${model === null ? 'null' : typeof model}`);
    }
    if (typeof options !== 'object' || options === null) throw new ValueError(`${where}: options must be an object`);
    const given = options as Record<string, unknown>;
    const unknown = Object.keys(given).filter((k) => !knownKeys.includes(k) && given[k] !== undefined);
    if (unknown.length > 0) {
      throw new ValueError(`${where}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}. Known options: ${knownKeys.join(', ')}.`);
    }
    const prefix = options.prefix ?? 'auto';
    if (typeof prefix !== 'string' || prefix.length === 0 || /[./]/.test(prefix)) {
      throw new ValueError(`${where}: option 'prefix' must be a non-empty string without '.' or '/', got ${JSON.stringify(prefix)}`);
    }
    const init = options.initLocFn ?? defaultInit;
    if (typeof init !== 'function') throw new ValueError(`${where}: option 'initLocFn' must be an init strategy function, got ${typeof init}`);
    if (options.createPlates !== undefined && typeof options.createPlates !== 'function') {
      throw new ValueError(`${where}: option 'createPlates' must be a function of the model's arguments, got ${typeof options.createPlates}`);
    }
    this.model = model;
    this.prefix = prefix;
    this.initLocFn = init;
    this.createPlates = options.createPlates;
  }

  /** The registry name (e.g. 'AutoNormal'), used in messages. */
  get guideName(): string {
    const meta = (this.constructor as { plugin?: PluginMeta }).plugin;
    return meta?.name ?? this.constructor.name;
  }

  /**
   * Runs the guide: on the first call builds the prototype, then runs `guideBody`.
   * @returns the sampled (constrained) value of every latent site it covers
   */
  forward(...args: A): SiteValues {
    if (this.proto === null) this.setupPrototype(args);
    return this.guideBody(...args);
  }

  /** The guide program proper; the prototype exists when it runs. */
  protected abstract guideBody(...args: A): SiteValues;

  /**
   * Draws from the approximate posterior over the latent sites (constrained values, leading dims
   * `sampleShape`).
   * @param params - constrained parameter values, e.g. `svi.getParams(state)`
   */
  abstract samplePosterior(key: PRNGKey, params: Record<string, tf.Tensor>, opts?: { sampleShape?: number[] }): SiteValues;

  /** The posterior median of each latent site (constrained). */
  median(_params: Record<string, tf.Tensor>): SiteValues {
    throw new ValueError(`${this.guideName}.median: not available for this guide`);
  }

  /** Posterior quantiles of each latent site (constrained), stacked along a new leading dim of length qs.length. */
  quantiles(_params: Record<string, tf.Tensor>, _qs: number[]): SiteValues {
    throw new ValueError(`${this.guideName}.quantiles: not available for this guide`);
  }

  /**
   * Builds the prototype from one run of the model with `args`. Subclasses that derive more
   * from it (flattening, extra owned tensors) override this and call super first.
   */
  protected setupPrototype(args: A): void {
    // A key from the enclosing seed handler keeps the prototype reproducible with the guide's key.
    const key = prngKey() ?? PRNGKey(0);
    this.proto = buildPrototype(this.guideName, this.model, args, key, this.initLocFn);
  }

  /** True once the first call has built the prototype. */
  get hasPrototype(): boolean {
    return this.proto !== null;
  }

  /** The prototype, or a ModelError naming `where` when the guide has not run yet. */
  protected prototype(where: string): Prototype {
    if (this.proto === null) {
      throw new ModelError(
        `${this.guideName}.${where}: the guide has not run yet, so its latent sites are unknown. Run it once first (svi.init does).`,
      );
    }
    return this.proto;
  }

  /** The latent sites in execution order (requires the prototype). */
  protected get latentSites(): readonly LatentSite[] {
    return this.prototype('latentSites').latents;
  }

  /** Names of the latent sites this guide covers (empty before the first call). */
  get latentNames(): string[] {
    return this.proto === null ? [] : this.proto.latents.map((s) => s.name);
  }

  /** The plates that enclose latent sites, by name. */
  protected get plateFrames(): ReadonlyMap<string, PlateFrame> {
    return this.prototype('plateFrames').frames;
  }

  /** Names of the model's deterministic sites. */
  protected get deterministicSites(): readonly string[] {
    return this.prototype('deterministicSites').deterministic;
  }

  /** Records a tensor the guide owns from now on (released by dispose); returns it, kept. */
  protected own<T extends tf.Tensor>(t: T): T {
    this.prototype('own').owned.push(tf.keep(t));
    return t;
  }

  /** The plate specs for this call: createPlates's, then the model's for the rest (NumPyro's _create_plates). */
  protected plateSpecs(args: A): Map<string, PlateSpec> {
    const specs = new Map<string, PlateSpec>();
    if (this.createPlates !== undefined) {
      const got = this.createPlates(...args);
      const list = Array.isArray(got) ? (got as readonly PlateSpec[]) : [got as PlateSpec];
      for (const p of list) {
        if (typeof p !== 'object' || p === null || typeof p.name !== 'string' || typeof p.size !== 'number') {
          throw new ValueError(`${this.guideName}: createPlates must return { name, size, subsampleSize?, subsample?, dim? } objects, got ${JSON.stringify(p)}`);
        }
        const f = this.plateFrames.get(p.name);
        if (f !== undefined && f.size !== p.size) {
          throw new ModelError(`${this.guideName}: createPlates gives plate '${p.name}' size ${p.size}, but the model's plate has size ${f.size}`);
        }
        specs.set(p.name, f === undefined || p.dim !== undefined ? p : { ...p, dim: f.dim });
      }
    }
    for (const [name, f] of [...this.plateFrames].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (!specs.has(name)) specs.set(name, { name, size: f.size, subsampleSize: f.subsampleSize, dim: f.dim });
    }
    return specs;
  }

  /**
   * Runs `body` inside the plates of `site` (outermost first), created from `specs`, so that
   * per-site parameters of full plate size are sliced to the subsample and the site's batch
   * dims line up with the model's.
   */
  protected withPlates<T>(site: LatentSite, specs: ReadonlyMap<string, PlateSpec>, body: () => T): T {
    const frames = [...site.plates].reverse();
    const enter = (i: number): T => {
      if (i === frames.length) return body();
      const f = frames[i]!;
      const spec = specs.get(f.name) ?? { name: f.name, size: f.size, subsampleSize: f.subsampleSize, dim: f.dim };
      const opts = {
        dim: spec.dim ?? f.dim,
        ...(spec.subsample !== undefined ? { subsample: spec.subsample } : { subsampleSize: spec.subsampleSize ?? spec.size }),
      };
      return plate(spec.name, spec.size, () => enter(i + 1), opts);
    };
    return enter(0);
  }

  /** A parameter of `params` by name, or a ValueError saying where parameters come from. */
  protected requireParam(where: string, params: Record<string, tf.Tensor>, name: string): tf.Tensor {
    const v = params[name];
    if (v === undefined) {
      throw new ValueError(
        `${this.guideName}.${where}: params has no '${name}'. Pass the constrained parameters of a fitted guide, e.g. svi.getParams(state).`,
      );
    }
    return v;
  }

  /**
   * The model's log joint density at unconstrained latent values (by site name), including the
   * log-Jacobians of bijectTo — i.e. minus NumPyro's potential energy. Runs the model with `args`
   * hidden from outer handlers (for Laplace approximations and HMC-based guides). `params`
   * (e.g. from svi.getParams) gives the values of the model's own param sites.
   */
  protected logDensity(unconstrained: Record<string, tf.Tensor>, args: A, params: Record<string, tf.Tensor> = {}): tf.Tensor {
    const latents = this.prototype('logDensity').latents;
    const constrained: Record<string, tf.Tensor> = {};
    let logDet: tf.Tensor = tf.scalar(0);
    for (const s of latents) {
      const u = unconstrained[s.name];
      if (u === undefined) throw new ValueError(`${this.guideName}.logDensity: no value for latent site '${s.name}'`);
      const y = s.transform.forward(u);
      constrained[s.name] = y;
      logDet = tf.add(logDet, tf.sum(s.transform.logAbsDetJacobian(u, y)));
    }
    // The key only fixes subsample indices the model might draw; latent values are all substituted.
    const traced = trace(substitute(seed(this.model, PRNGKey(0)), { data: { ...params, ...constrained } }));
    const tr = block(() => traced.getTrace(...args))();
    let total = logDet;
    for (const site of tr.values()) if (site.type === 'sample') total = tf.add(total, siteLogProbSum(site)!);
    return total;
  }

  /** Releases the tensors the guide owns and forgets the prototype (the next call rebuilds it). */
  dispose(): void {
    if (this.proto !== null) tf.dispose(this.proto.owned);
    this.proto = null;
  }
}
