/**
 * AutoGuideList: several guides, each over part of the model (NumPyro's AutoGuideList).
 *
 * References:
 * - NumPyro, `numpyro/infer/autoguide.py` (AutoGuideList)
 */
import * as tf from '@tensorflow/tfjs';

import { ModelError, ValueError } from '../kernel/errors.js';
import { block, seed, trace } from '../kernel/handlers/index.js';
import type { PluginMeta } from '../kernel/plugin-meta.js';
import { prngKey } from '../kernel/primitives.js';
import { type PRNGKey, PRNGKey as makeKey, split } from '../kernel/rng.js';
import { AUTO_GUIDE_OPTION_KEYS, AutoGuide, type AutoGuideOptions, type SiteValues } from './auto-guide.js';
import { type Guide, type ModelFn, guideFunction } from './guide.js';

/** A part: an automatic guide (or any guide) over a blocked view of the model. */
export type GuidePart<A extends unknown[]> = Guide<A> | ModelFn<A>;

/**
 * Options of {@link AutoGuideList}; they apply to the list's own prototype (plates), not to its parts.
 * @public
 */
export type AutoGuideListOptions<A extends unknown[] = any[]> = AutoGuideOptions<A>;

interface SummaryGuide {
  samplePosterior?(key: PRNGKey, params: Record<string, tf.Tensor>, opts?: { sampleShape?: number[] }): SiteValues;
  median?(params: Record<string, tf.Tensor>): SiteValues;
  quantiles?(params: Record<string, tf.Tensor>, qs: number[]): SiteValues;
}

/**
 * Combines guides that each cover some of the model's latent sites. Build each part over a
 * blocked model, seeded inside the block so that the hidden sites still get keys:
 * @example
 * const guide = new AutoGuideList(model)
 *   .append(new AutoNormal(handlers.block(handlers.seed(model, 0), { hide: ['coefs'] })))
 *   .append(new AutoDelta(handlers.block(handlers.seed(model, 1), { expose: ['coefs'] })));
 * @public
 */
export class AutoGuideList<A extends unknown[] = any[]> extends AutoGuide<A> {
  static override readonly plugin = { kind: 'guide', name: 'AutoGuideList' } as const satisfies PluginMeta;
  private readonly parts: GuidePart<A>[] = [];
  private readonly run: ModelFn<A>[] = [];
  private checked = false;

  constructor(model: ModelFn<A>, options: AutoGuideListOptions<A> = {}) {
    super(model, options, AUTO_GUIDE_OPTION_KEYS);
  }

  /**
   * Adds a guide for part of the model. No two parts may sample the same site.
   * @returns this list, for chaining
   * @throws {ValueError} if `part` is not a guide
   */
  append(part: GuidePart<A>): this {
    let fn: ModelFn<A>;
    try {
      fn = guideFunction(part);
    } catch {
      throw new ValueError(`AutoGuideList.append: a part must be a guide (a function or an object with forward), got ${part === null ? 'null' : typeof part}`);
    }
    this.parts.push(part);
    this.run.push(fn);
    this.checked = false;
    return this;
  }

  /** The parts, in order. */
  get length(): number {
    return this.parts.length;
  }
  at(i: number): GuidePart<A> | undefined {
    return this.parts[i];
  }

  protected guideBody(...args: A): SiteValues {
    if (!this.checked) this.checkDisjoint(args);
    const out: SiteValues = {};
    for (const fn of this.run) {
      const r = fn(...args);
      if (r !== null && typeof r === 'object') Object.assign(out, r);
    }
    return out;
  }

  /**
   * Runs each part once, hidden from outer handlers, and refuses two parts that sample the same
   * site (an outer trace would only report a duplicate site name).
   */
  private checkDisjoint(args: A): void {
    const key = prngKey() ?? makeKey(0);
    const keys = split(key, Math.max(this.run.length, 1));
    const owner = new Map<string, number>();
    tf.tidy(() => {
      this.run.forEach((fn, i) => {
        const traced = trace(seed(fn, keys[i]!));
        const tr = block(() => traced.getTrace(...args))();
        for (const s of tr.values()) {
          if (s.type !== 'sample') continue;
          const j = owner.get(s.name);
          if (j !== undefined) {
            throw new ModelError(
              `AutoGuideList: site '${s.name}' is sampled by part ${j} and by part ${i}; no two parts may cover one site. ` +
                'Build each part over handlers.block(model, { hide | expose }) so that each site is exposed to one part only.',
            );
          }
          owner.set(s.name, i);
        }
      });
    });
    this.checked = true;
  }

  private eachPart(where: 'samplePosterior' | 'median' | 'quantiles', call: (g: SummaryGuide, i: number) => SiteValues | undefined): SiteValues {
    const out: SiteValues = {};
    this.parts.forEach((p, i) => {
      const g = p as SummaryGuide;
      if (typeof p === 'function' || typeof g[where] !== 'function') {
        tf.dispose(Object.values(out));
        throw new ValueError(`AutoGuideList.${where}: part ${i} has no ${where} method; only automatic guides can be summarised`);
      }
      Object.assign(out, call(g, i));
    });
    return out;
  }

  /** Posterior draws from every part, merged (each part gets its own key split from `key`). */
  samplePosterior(key: PRNGKey, params: Record<string, tf.Tensor>, opts: { sampleShape?: number[] } = {}): SiteValues {
    const keys = split(key, Math.max(this.parts.length, 1));
    return this.eachPart('samplePosterior', (g, i) => g.samplePosterior!(keys[i]!, params, opts));
  }

  /** The medians of every part, merged. */
  override median(params: Record<string, tf.Tensor>): SiteValues {
    return this.eachPart('median', (g) => g.median!(params));
  }

  /** The quantiles of every part, merged. */
  override quantiles(params: Record<string, tf.Tensor>, qs: number[]): SiteValues {
    return this.eachPart('quantiles', (g) => g.quantiles!(params, qs));
  }

  /** Disposes the list's prototype and every part that owns tensors. */
  override dispose(): void {
    super.dispose();
    for (const p of this.parts) (p as { dispose?: () => void }).dispose?.();
  }
}
