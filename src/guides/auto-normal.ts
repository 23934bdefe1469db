/**
 * AutoNormal: a mean-field Normal guide in unconstrained space (NumPyro's AutoNormal).
 *
 * References:
 * - Kucukelbir et al. (2017), Automatic Differentiation Variational Inference, JMLR 18(14)
 * - NumPyro, `numpyro/infer/autoguide.py` (AutoNormal)
 */
import * as tf from '@tensorflow/tfjs';

import { IndependentConstraint, positive, real } from '../distributions/constraints.js';
import type { Distribution } from '../distributions/distribution.js';
import { Normal } from '../distributions/normal.js';
import { ndtri } from '../distributions/special.js';
import { TransformedDistribution } from '../distributions/transformed.js';
import { ValueError } from '../kernel/errors.js';
import type { PluginMeta } from '../kernel/plugin-meta.js';
import { param, sample } from '../kernel/primitives.js';
import { type PRNGKey, normal, split } from '../kernel/rng.js';
import { AUTO_GUIDE_OPTION_KEYS, AutoGuide, type AutoGuideOptions, type LatentSite, type SiteValues, checkQuantiles } from './auto-guide.js';
import type { ModelFn } from './guide.js';

/**
 * Options of {@link AutoNormal}.
 * @public
 */
export interface AutoNormalOptions<A extends unknown[] = any[]> extends AutoGuideOptions<A> {
  /** Initial standard deviation of every unconstrained latent coordinate. @defaultValue 0.1 */
  readonly initScale?: number;
}

/** True for a support that needs no transform (real, or independent(real, n)). */
function isReal(c: LatentSite['support']): boolean {
  return c === real || (c instanceof IndependentConstraint && c.baseConstraint === real);
}

/**
 * A guide that gives every latent site an independent Normal in unconstrained space, mapped onto
 * the site's support with bijectTo (the guide site is a TransformedDistribution, so log q
 * includes the log-Jacobian and the ELBO stays exact). Parameters per site `w`:
 * `${prefix}_w_loc` (unconstrained) and `${prefix}_w_scale` (positive), of the site's
 * unconstrained shape with subsampled plate dims at full size.
 * @example
 * const guide = new AutoNormal(model, { initScale: 0.05 });
 * const svi = new SVI(model, guide, new Adam({ lr: 0.01 }), new TraceELBO());
 * @public
 */
export class AutoNormal<A extends unknown[] = any[]> extends AutoGuide<A> {
  static override readonly plugin = { kind: 'guide', name: 'AutoNormal' } as const satisfies PluginMeta;
  readonly initScale: number;
  private scaleInits = new Map<string, tf.Tensor>();

  /**
   * @param model - the model
   * @param options - prefix, initLocFn (default initToUniform), initScale (default 0.1), createPlates
   * @throws {ValueError} for an unknown option or initScale <= 0
   */
  constructor(model: ModelFn<A>, options: AutoNormalOptions<A> = {}) {
    super(model, options, [...AUTO_GUIDE_OPTION_KEYS, 'initScale']);
    const s = options.initScale ?? 0.1;
    if (typeof s !== 'number' || !(s > 0) || !Number.isFinite(s)) {
      throw new ValueError(`AutoNormal: option 'initScale' must be a finite number > 0, got ${JSON.stringify(s)}`);
    }
    this.initScale = s;
  }

  /** Name of the loc parameter of site `site`. */
  locName(site: string): string {
    return `${this.prefix}_${site}_loc`;
  }
  /** Name of the scale parameter of site `site`. */
  scaleName(site: string): string {
    return `${this.prefix}_${site}_scale`;
  }

  protected override setupPrototype(args: A): void {
    super.setupPrototype(args);
    this.scaleInits = new Map(this.latentSites.map((s) => [s.name, this.own(tf.fill([...s.fullUnconstrainedShape], this.initScale))]));
  }

  protected guideBody(...args: A): SiteValues {
    const specs = this.plateSpecs(args);
    const out: SiteValues = {};
    for (const s of this.latentSites) {
      out[s.name] = this.withPlates(s, specs, () => {
        const ev = s.unconstrainedEventDim;
        const loc = param(this.locName(s.name), s.initUnconstrained, { eventDim: ev });
        const scale = param(this.scaleName(s.name), this.scaleInits.get(s.name)!, { constraint: positive, eventDim: ev });
        return sample(s.name, this.siteDistribution(s, loc, scale));
      });
    }
    return out;
  }

  /** Normal(loc, scale) over the unconstrained event, pushed onto the support when it is not real. */
  private siteDistribution(s: LatentSite, loc: tf.Tensor, scale: tf.Tensor): Distribution {
    // Parameters are valid by construction (scale through a positive constraint): skip the
    // per-step validation, which would read tensors back every step.
    const base = new Normal(loc, scale, { validateArgs: false }).toEvent(s.unconstrainedEventDim);
    return isReal(s.support) ? base : new TransformedDistribution(base, s.transform, { validateArgs: false });
  }

  private locScale(where: string, params: Record<string, tf.Tensor>, s: LatentSite): [tf.Tensor, tf.Tensor] {
    return [this.requireParam(where, params, this.locName(s.name)), this.requireParam(where, params, this.scaleName(s.name))];
  }

  /**
   * Posterior draws of every latent site (constrained), shape sampleShape ++ site shape, with
   * subsampled plate dims at full size.
   * @param params - constrained parameters, e.g. svi.getParams(state)
   * @throws {ValueError} if a parameter is missing
   */
  samplePosterior(key: PRNGKey, params: Record<string, tf.Tensor>, opts: { sampleShape?: number[] } = {}): SiteValues {
    const sites = this.prototype('samplePosterior').latents;
    const sampleShape = opts.sampleShape ?? [];
    if (sites.length === 0) return {};
    const keys = split(key, sites.length);
    return tf.tidy(() => {
      const out: SiteValues = {};
      sites.forEach((s, i) => {
        const [loc, scale] = this.locScale('samplePosterior', params, s);
        const u = tf.add(loc, tf.mul(scale, normal(keys[i]!, [...sampleShape, ...loc.shape])));
        out[s.name] = s.transform.forward(u);
      });
      return out;
    });
  }

  /** The posterior median of each site: bijectTo(support) of the unconstrained loc. */
  override median(params: Record<string, tf.Tensor>): SiteValues {
    const sites = this.prototype('median').latents;
    return tf.tidy(() => {
      const out: SiteValues = {};
      for (const s of sites) out[s.name] = s.transform.forward(this.requireParam('median', params, this.locName(s.name)));
      return out;
    });
  }

  /**
   * Quantiles loc + scale·Φ⁻¹(q) in unconstrained space, mapped onto the support (monotone
   * elementwise for scalar supports), stacked along a leading dim of length qs.length.
   * @throws {ValueError} if a level is outside (0, 1)
   */
  override quantiles(params: Record<string, tf.Tensor>, qs: number[]): SiteValues {
    const levels = checkQuantiles(`${this.guideName}.quantiles`, qs);
    const sites = this.prototype('quantiles').latents;
    return tf.tidy(() => {
      const out: SiteValues = {};
      for (const s of sites) {
        const [loc, scale] = this.locScale('quantiles', params, s);
        const z = tf.reshape(ndtri(tf.tensor1d(levels)), [levels.length, ...loc.shape.map(() => 1)]);
        out[s.name] = s.transform.forward(tf.add(loc, tf.mul(scale, z)));
      }
      return out;
    });
  }

  override dispose(): void {
    super.dispose();
    this.scaleInits.clear();
  }
}
