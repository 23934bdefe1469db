/**
 * AutoDelta: a point-mass guide for MAP estimation (NumPyro's AutoDelta).
 *
 * References:
 * - NumPyro, `numpyro/infer/autoguide.py` (AutoDelta)
 */
import * as tf from '@tensorflow/tfjs';

import { Delta } from '../distributions/delta.js';
import type { PluginMeta } from '../kernel/plugin-meta.js';
import { param, sample } from '../kernel/primitives.js';
import type { PRNGKey } from '../kernel/rng.js';
import { AUTO_GUIDE_OPTION_KEYS, AutoGuide, type AutoGuideOptions, type SiteValues, checkQuantiles } from './auto-guide.js';
import type { ModelFn } from './guide.js';
import { initToMedian } from './init-strategies.js';

/**
 * Options of {@link AutoDelta} (initLocFn defaults to initToMedian).
 * @public
 */
export type AutoDeltaOptions<A extends unknown[] = any[]> = AutoGuideOptions<A>;

/**
 * A guide that puts a point mass on every latent site, so that maximising the ELBO finds the
 * MAP estimate in constrained space (no Jacobian term). Parameters per site `w`:
 * `w_${prefix}_loc`, constrained to the site's support, of the site's shape with subsampled
 * plate dims at full size.
 * @example
 * const guide = new AutoDelta(model);
 * @public
 */
export class AutoDelta<A extends unknown[] = any[]> extends AutoGuide<A> {
  static override readonly plugin = { kind: 'guide', name: 'AutoDelta' } as const satisfies PluginMeta;

  /**
   * @param model - the model
   * @param options - prefix, initLocFn (default initToMedian), createPlates
   * @throws {ValueError} for an unknown option
   */
  constructor(model: ModelFn<A>, options: AutoDeltaOptions<A> = {}) {
    super(model, options, AUTO_GUIDE_OPTION_KEYS, initToMedian());
  }

  /** Name of the loc parameter of site `site` (NumPyro's `{site}_{prefix}_loc`). */
  locName(site: string): string {
    return `${site}_${this.prefix}_loc`;
  }

  protected guideBody(...args: A): SiteValues {
    const specs = this.plateSpecs(args);
    const out: SiteValues = {};
    for (const s of this.latentSites) {
      out[s.name] = this.withPlates(s, specs, () => {
        const loc = param(this.locName(s.name), s.initValue, { constraint: s.support, eventDim: s.eventDim });
        // loc lies in the support by construction; validation would read it back every step.
        return sample(s.name, new Delta(loc, 0, { eventDim: s.eventDim, validateArgs: false }));
      });
    }
    return out;
  }

  private locs(where: string, params: Record<string, tf.Tensor>): [string, tf.Tensor][] {
    return this.prototype(where).latents.map((s) => [s.name, this.requireParam(where, params, this.locName(s.name))]);
  }

  /** The point estimates broadcast to sampleShape ++ site shape (the key is unused: the guide is deterministic). */
  samplePosterior(_key: PRNGKey, params: Record<string, tf.Tensor>, opts: { sampleShape?: number[] } = {}): SiteValues {
    const sampleShape = opts.sampleShape ?? [];
    const locs = this.locs('samplePosterior', params);
    return tf.tidy(() => Object.fromEntries(locs.map(([k, v]) => [k, tf.broadcastTo(v, [...sampleShape, ...v.shape])])));
  }

  /** The point estimates themselves (copies). */
  override median(params: Record<string, tf.Tensor>): SiteValues {
    const locs = this.locs('median', params);
    return tf.tidy(() => Object.fromEntries(locs.map(([k, v]) => [k, tf.clone(v)])));
  }

  /** Every quantile of a point mass is the point: the estimates stacked qs.length times. */
  override quantiles(params: Record<string, tf.Tensor>, qs: number[]): SiteValues {
    const levels = checkQuantiles(`${this.guideName}.quantiles`, qs);
    const locs = this.locs('quantiles', params);
    return tf.tidy(() => Object.fromEntries(locs.map(([k, v]) => [k, tf.broadcastTo(v, [levels.length, ...v.shape])])));
  }
}
