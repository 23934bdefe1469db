/**
 * AutoMultivariateNormal: a full-covariance Normal over the whole flattened unconstrained latent
 * space (NumPyro's AutoMultivariateNormal), so posterior correlations between sites are kept.
 *
 * References:
 * - Kucukelbir et al. (2017), Automatic Differentiation Variational Inference, JMLR 18(14)
 * - NumPyro, `numpyro/infer/autoguide.py` (AutoMultivariateNormal)
 */
import * as tf from '@tensorflow/tfjs';

import { lowerCholesky } from '../distributions/constraints.js';
import type { Distribution } from '../distributions/distribution.js';
import { LowerCholeskyAffine } from '../distributions/lower-cholesky-affine.js';
import { MultivariateNormal } from '../distributions/multivariate-normal.js';
import { drawLogDensity, noiseLogDensity, standardNormalNoise, trilAffine } from '../distributions/mvn-fused.js';
import { shapeSize } from '../distributions/tensor-like.js';
import type { Transform } from '../distributions/transform-base.js';
import type { PluginMeta } from '../kernel/plugin-meta.js';
import { param } from '../kernel/primitives.js';
import type { PRNGKey } from '../kernel/rng.js';
import { AUTO_GUIDE_OPTION_KEYS, type AutoGuideOptions } from './auto-guide.js';
import { AutoContinuous } from './auto-continuous.js';
import { checkInitScale } from './auto-diagonal-normal.js';
import type { ModelFn } from './guide.js';

/**
 * Options of {@link AutoMultivariateNormal}.
 * @public
 */
export interface AutoMultivariateNormalOptions<A extends unknown[] = any[]> extends AutoGuideOptions<A> {
  /** Initial scale: the Cholesky factor starts at initScale · I. @defaultValue 0.1 */
  readonly initScale?: number;
}

/**
 * The guide's distribution of the flat latent vector: a MultivariateNormal that remembers its
 * last draw x = loc + L ε, so that the log-density of exactly that draw is −½|ε|² − Σ log L_ii −
 * (d/2) log 2π, with no triangular solve (mvn-fused.ts: drawLogDensity). That value has
 * derivatives in loc and L (the total derivatives of log q(x(loc, L); loc, L), which the
 * reparameterised ELBO takes) but none in x itself, so the shortcut stays inside the guide, whose
 * draw is scored only that way; any other value takes the general log-density.
 */
class LatentMultivariateNormal extends MultivariateNormal {
  private draw: tf.Tensor | null = null;
  private drawConstants: Float64Array = new Float64Array(0);
  private drawBatch: number[] = [];

  override get familyName(): string {
    return 'MultivariateNormal';
  }
  protected override sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    const shape = this.shape(sampleShape);
    const batch = shape.slice(0, -1);
    const eps = standardNormalNoise(key, shape);
    const x = trilAffine(this.loc, this.scaleTril, eps, shape);
    this.draw = x;
    this.drawConstants = noiseLogDensity(eps, this.eventShape[0]!, shapeSize(batch));
    this.drawBatch = batch;
    return x;
  }
  protected override logProbImpl(value: tf.Tensor): tf.Tensor {
    if (value === this.draw) return drawLogDensity(this.scaleTril, this.drawConstants, this.drawBatch);
    return super.logProbImpl(value);
  }
}

/** The Euclidean norm of each row of L: the marginal standard deviations of L z for standard normal z. */
export function rowNorms(scaleTril: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sqrt(tf.sum(tf.square(scaleTril), -1)));
}

/**
 * A guide that draws the D unconstrained latent coordinates from MultivariateNormal(loc,
 * scaleTril) and maps them onto the sites' supports. Parameters: `${prefix}_loc` ([D]) and
 * `${prefix}_scale_tril` ([D, D], lower Cholesky factor: optimised through bijectTo(lowerCholesky),
 * i.e. a free strict lower triangle and a log diagonal). Cost per step is O(D³) in the
 * triangular solves, so it suits models with up to a few hundred latent coordinates.
 * @example
 * const guide = new AutoMultivariateNormal(model);
 * const svi = new SVI(model, guide, new Adam({ lr: 0.01 }), new TraceELBO());
 * @public
 */
export class AutoMultivariateNormal<A extends unknown[] = any[]> extends AutoContinuous<A> {
  static override readonly plugin = { kind: 'guide', name: 'AutoMultivariateNormal' } as const satisfies PluginMeta;
  readonly initScale: number;
  private scaleTrilInit: tf.Tensor | null = null;

  /**
   * @param model - the model
   * @param options - prefix, initLocFn (default initToUniform), initScale (default 0.1)
   * @throws {ValueError} for an unknown option or initScale <= 0
   */
  constructor(model: ModelFn<A>, options: AutoMultivariateNormalOptions<A> = {}) {
    super(model, options, [...AUTO_GUIDE_OPTION_KEYS, 'initScale']);
    this.initScale = checkInitScale(this.guideName, options.initScale ?? 0.1);
  }

  /** Name of the location parameter. */
  get locName(): string {
    return `${this.prefix}_loc`;
  }
  /** Name of the Cholesky-factor parameter. */
  get scaleTrilName(): string {
    return `${this.prefix}_scale_tril`;
  }

  protected override setupPrototype(args: A): void {
    super.setupPrototype(args);
    this.scaleTrilInit = this.own(tf.tidy(() => tf.mul(tf.eye(this.latentDim), this.initScale)));
  }

  protected latentPosterior(): Distribution {
    const loc = param(this.locName, this.initLatent, { eventDim: 1 });
    const scaleTril = param(this.scaleTrilName, this.scaleTrilInit!, { constraint: lowerCholesky, eventDim: 2 });
    // scaleTril is a valid Cholesky factor through its constraint; validation would read it back every step.
    return new LatentMultivariateNormal(loc, { scaleTril, validateArgs: false });
  }

  private locTril(where: string, params: Record<string, tf.Tensor>): [tf.Tensor, tf.Tensor] {
    const d = this.requireDim(where);
    return [this.requireShaped(where, params, this.locName, [d]), this.requireShaped(where, params, this.scaleTrilName, [d, d])];
  }

  /** `z ↦ loc + scaleTril · z`. */
  getTransform(params: Record<string, tf.Tensor>): Transform {
    const [loc, scaleTril] = this.locTril('getTransform', params);
    return new LowerCholeskyAffine(loc, scaleTril);
  }

  /** MultivariateNormal(loc, scaleTril). Allocates: call inside tf.tidy. */
  override getPosterior(params: Record<string, tf.Tensor>): Distribution {
    const [loc, scaleTril] = this.locTril('getPosterior', params);
    return new MultivariateNormal(loc, { scaleTril, validateArgs: false });
  }

  protected latentLoc(params: Record<string, tf.Tensor>): tf.Tensor {
    return this.locTril('median', params)[0];
  }

  protected marginalScale(params: Record<string, tf.Tensor>): tf.Tensor {
    return rowNorms(this.locTril('quantiles', params)[1]);
  }

  override dispose(): void {
    super.dispose();
    this.scaleTrilInit = null;
  }
}
