/**
 * AutoDiagonalNormal: a Normal with diagonal covariance over the whole flattened unconstrained
 * latent space (NumPyro's AutoDiagonalNormal).
 *
 * References:
 * - Kucukelbir et al. (2017), Automatic Differentiation Variational Inference, JMLR 18(14)
 * - NumPyro, `numpyro/infer/autoguide.py` (AutoDiagonalNormal)
 */
import * as tf from '@tensorflow/tfjs';

import { positive } from '../distributions/constraints.js';
import type { Distribution } from '../distributions/distribution.js';
import { Normal } from '../distributions/normal.js';
import { IndependentTransform, type Transform } from '../distributions/transform-base.js';
import { Affine } from '../distributions/transforms-elementwise.js';
import { ValueError } from '../kernel/errors.js';
import type { PluginMeta } from '../kernel/plugin-meta.js';
import { param } from '../kernel/primitives.js';
import { AUTO_GUIDE_OPTION_KEYS, type AutoGuideOptions } from './auto-guide.js';
import { AutoContinuous } from './auto-continuous.js';
import type { ModelFn } from './guide.js';

/**
 * Options of {@link AutoDiagonalNormal}.
 * @public
 */
export interface AutoDiagonalNormalOptions<A extends unknown[] = any[]> extends AutoGuideOptions<A> {
  /** Initial standard deviation of every unconstrained latent coordinate. @defaultValue 0.1 */
  readonly initScale?: number;
}

/** Checks an initScale option (shared by the Gaussian guides over the flat latent). */
export function checkInitScale(where: string, s: unknown): number {
  if (typeof s !== 'number' || !(s > 0) || !Number.isFinite(s)) {
    throw new ValueError(`${where}: option 'initScale' must be a finite number > 0, got ${JSON.stringify(s)}`);
  }
  return s;
}

/**
 * A guide that draws all D unconstrained latent coordinates from independent Normals and maps
 * them onto the sites' supports. Parameters: `${prefix}_loc` ([D], unconstrained) and
 * `${prefix}_scale` ([D], positive). Like AutoNormal, but with one flat vector instead of
 * per-site parameters.
 * @example
 * const guide = new AutoDiagonalNormal(model, { initScale: 0.05 });
 * const svi = new SVI(model, guide, new Adam({ lr: 0.01 }), new TraceELBO());
 * @public
 */
export class AutoDiagonalNormal<A extends unknown[] = any[]> extends AutoContinuous<A> {
  static override readonly plugin = { kind: 'guide', name: 'AutoDiagonalNormal' } as const satisfies PluginMeta;
  readonly initScale: number;
  private scaleInit: tf.Tensor | null = null;

  /**
   * @param model - the model
   * @param options - prefix, initLocFn (default initToUniform), initScale (default 0.1)
   * @throws {ValueError} for an unknown option or initScale <= 0
   */
  constructor(model: ModelFn<A>, options: AutoDiagonalNormalOptions<A> = {}) {
    super(model, options, [...AUTO_GUIDE_OPTION_KEYS, 'initScale']);
    this.initScale = checkInitScale(this.guideName, options.initScale ?? 0.1);
  }

  /** Name of the location parameter. */
  get locName(): string {
    return `${this.prefix}_loc`;
  }
  /** Name of the scale parameter. */
  get scaleName(): string {
    return `${this.prefix}_scale`;
  }

  protected override setupPrototype(args: A): void {
    super.setupPrototype(args);
    this.scaleInit = this.own(tf.fill([this.latentDim], this.initScale));
  }

  protected latentPosterior(): Distribution {
    const loc = param(this.locName, this.initLatent, { eventDim: 1 });
    const scale = param(this.scaleName, this.scaleInit!, { constraint: positive, eventDim: 1 });
    // scale is positive through its constraint; validation would read it back every step.
    return new Normal(loc, scale, { validateArgs: false }).toEvent(1);
  }

  private locScale(where: string, params: Record<string, tf.Tensor>): [tf.Tensor, tf.Tensor] {
    const d = this.requireDim(where);
    return [this.requireShaped(where, params, this.locName, [d]), this.requireShaped(where, params, this.scaleName, [d])];
  }

  /** `z ↦ loc + scale ⊙ z` over the event dim. */
  getTransform(params: Record<string, tf.Tensor>): Transform {
    const [loc, scale] = this.locScale('getTransform', params);
    return new IndependentTransform(new Affine(loc, scale), 1);
  }

  /** Normal(loc, scale) with the D coordinates as one event. Allocates: call inside tf.tidy. */
  override getPosterior(params: Record<string, tf.Tensor>): Distribution {
    const [loc, scale] = this.locScale('getPosterior', params);
    return new Normal(loc, scale, { validateArgs: false }).toEvent(1);
  }

  protected latentLoc(params: Record<string, tf.Tensor>): tf.Tensor {
    return this.locScale('median', params)[0];
  }

  protected marginalScale(params: Record<string, tf.Tensor>): tf.Tensor {
    return this.locScale('quantiles', params)[1];
  }

  override dispose(): void {
    super.dispose();
    this.scaleInit = null;
  }
}
