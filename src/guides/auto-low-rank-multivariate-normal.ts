/**
 * AutoLowRankMultivariateNormal: a Normal over the whole flattened unconstrained latent space
 * whose covariance is low rank plus diagonal (NumPyro's AutoLowRankMultivariateNormal): it keeps
 * the strongest posterior correlations at O(D·rank) parameters instead of O(D²).
 *
 * References:
 * - Ong, Nott and Smith (2018), Gaussian Variational Approximation With a Factor Covariance
 *   Structure, Journal of Computational and Graphical Statistics 27(3)
 * - NumPyro, `numpyro/infer/autoguide.py` (AutoLowRankMultivariateNormal)
 */
import * as tf from '@tensorflow/tfjs';

import { type Constraint, positive, realVector } from '../distributions/constraints.js';
import { Distribution } from '../distributions/distribution.js';
import { cholesky, diagEmbed } from '../distributions/linalg.js';
import { type LowRankNoise, scaledLowRankDraw, scaledLowRankDrawLogDensity } from '../distributions/low-rank-draw.js';
import { LowRankMultivariateNormal } from '../distributions/low-rank-multivariate-normal.js';
import { LowerCholeskyAffine } from '../distributions/lower-cholesky-affine.js';
import { shapeSize } from '../distributions/tensor-like.js';
import { ValueError } from '../kernel/errors.js';
import type { PluginMeta } from '../kernel/plugin-meta.js';
import { param } from '../kernel/primitives.js';
import { type PRNGKey, normals, split } from '../kernel/rng.js';
import { AUTO_GUIDE_OPTION_KEYS, type AutoGuideOptions } from './auto-guide.js';
import { AutoContinuous } from './auto-continuous.js';
import { checkInitScale } from './auto-diagonal-normal.js';
import type { ModelFn } from './guide.js';

/**
 * Options of {@link AutoLowRankMultivariateNormal}.
 * @public
 */
export interface AutoLowRankMultivariateNormalOptions<A extends unknown[] = any[]> extends AutoGuideOptions<A> {
  /** Initial standard deviation of every unconstrained latent coordinate. @defaultValue 0.1 */
  readonly initScale?: number;
  /** Rank of the covariance factor. @defaultValue round(√D), as NumPyro */
  readonly rank?: number;
}

/** covFactor = W ⊙ s (row i scaled by s_i) and covDiag = s². */
function lowRankFactors(covFactor: tf.Tensor, scale: tf.Tensor): [tf.Tensor, tf.Tensor] {
  return [tf.mul(covFactor, tf.expandDims(scale, -1)), tf.square(scale)];
}

/**
 * The guide's distribution of the flat latent vector: LowRankMultivariateNormal(loc, W ⊙ s, s²)
 * kept in the guide's own parameters (loc, W, s). Its draws x = loc + s ⊙ (W ε₁ + ε₂) and the
 * log-density of its last draw are fused ops (low-rank-draw.ts) that work on (W, s) directly,
 * with no ops to form W ⊙ s and s², and the density of that draw is computed from its noise. That
 * value has derivatives in W and s (the total derivatives a reparameterised ELBO takes) but none
 * in x itself, so the shortcut stays inside the guide, whose draw is scored only that way; any
 * other value, and every other query, goes to the LowRankMultivariateNormal of the same law.
 */
class LatentLowRankNormal extends Distribution {
  private draw: tf.Tensor | null = null;
  private noise: LowRankNoise | null = null;
  private drawBatch: number[] = [];

  constructor(
    readonly loc: tf.Tensor,
    readonly w: tf.Tensor,
    readonly s: tf.Tensor,
  ) {
    super([], [loc.shape[0]!], { validateArgs: false });
  }

  override get familyName(): string {
    return 'LowRankMultivariateNormal';
  }
  get support(): Constraint {
    return realVector;
  }
  override get hasRsample(): boolean {
    return true;
  }

  /** The same law as a LowRankMultivariateNormal (allocates). */
  private lowRank(): LowRankMultivariateNormal {
    const [covFactor, covDiag] = lowRankFactors(this.w, this.s);
    return new LowRankMultivariateNormal(this.loc, covFactor, covDiag, { validateArgs: false });
  }

  protected sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    // The noise is drawn as LowRankMultivariateNormal draws it, so both give the same draws.
    const [d, r] = this.w.shape as [number, number];
    const [k1, k2] = split(key, 2) as [PRNGKey, PRNGKey];
    const n = shapeSize(sampleShape);
    const noise = { eps1: Float32Array.from(normals(k1, n * r)), eps2: Float32Array.from(normals(k2, n * d)), n };
    const x = scaledLowRankDraw(this.loc, this.w, this.s, noise, this.shape(sampleShape));
    this.draw = x;
    this.noise = noise;
    this.drawBatch = sampleShape;
    return x;
  }
  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    if (value === this.draw && this.noise !== null) return scaledLowRankDrawLogDensity(this.w, this.s, this.noise, this.drawBatch);
    return tf.tidy(() => this.lowRank().logProb(value));
  }
  override get mean(): tf.Tensor {
    return tf.tidy(() => this.lowRank().mean);
  }
  override get variance(): tf.Tensor {
    return tf.tidy(() => this.lowRank().variance);
  }
  override entropy(): tf.Tensor {
    return tf.tidy(() => this.lowRank().entropy());
  }
}

/**
 * A guide that draws the D unconstrained latent coordinates from LowRankMultivariateNormal(loc,
 * covFactor = W ⊙ s, covDiag = s²), i.e. covariance diag(s) (W Wᵀ + I) diag(s), and maps them
 * onto the sites' supports. Parameters: `${prefix}_loc` ([D]), `${prefix}_cov_factor`
 * ([D, rank], starts at 0) and `${prefix}_scale` ([D], positive, starts at initScale).
 * @example
 * const guide = new AutoLowRankMultivariateNormal(model, { rank: 2 });
 * @public
 */
export class AutoLowRankMultivariateNormal<A extends unknown[] = any[]> extends AutoContinuous<A> {
  static override readonly plugin = { kind: 'guide', name: 'AutoLowRankMultivariateNormal' } as const satisfies PluginMeta;
  readonly initScale: number;
  /** The rank given in the options; undefined means round(√D), known after the first call. */
  private readonly rankOption: number | undefined;
  private scaleInit: tf.Tensor | null = null;
  private covFactorInit: tf.Tensor | null = null;

  /**
   * @param model - the model
   * @param options - prefix, initLocFn (default initToUniform), initScale (default 0.1), rank (default round(√D))
   * @throws {ValueError} for an unknown option, initScale <= 0, or a rank that is not an integer >= 1
   */
  constructor(model: ModelFn<A>, options: AutoLowRankMultivariateNormalOptions<A> = {}) {
    super(model, options, [...AUTO_GUIDE_OPTION_KEYS, 'initScale', 'rank']);
    this.initScale = checkInitScale(this.guideName, options.initScale ?? 0.1);
    const r = options.rank;
    if (r !== undefined && (typeof r !== 'number' || !Number.isInteger(r) || r < 1)) {
      throw new ValueError(`${this.guideName}: option 'rank' must be an integer >= 1, got ${JSON.stringify(r)}`);
    }
    this.rankOption = r;
  }

  /** The rank of the covariance factor (requires the first call when no rank was given). */
  get rank(): number {
    return this.rankOption ?? Math.max(1, Math.round(Math.sqrt(this.requireDim('rank'))));
  }

  /** Name of the location parameter. */
  get locName(): string {
    return `${this.prefix}_loc`;
  }
  /** Name of the (unscaled) covariance factor parameter W. */
  get covFactorName(): string {
    return `${this.prefix}_cov_factor`;
  }
  /** Name of the scale parameter s. */
  get scaleName(): string {
    return `${this.prefix}_scale`;
  }

  protected override setupPrototype(args: A): void {
    super.setupPrototype(args);
    this.scaleInit = this.own(tf.fill([this.latentDim], this.initScale));
    this.covFactorInit = this.own(tf.zeros([this.latentDim, this.rank]));
  }

  protected latentPosterior(): Distribution {
    const loc = param(this.locName, this.initLatent, { eventDim: 1 });
    const w = param(this.covFactorName, this.covFactorInit!, { eventDim: 2 });
    const scale = param(this.scaleName, this.scaleInit!, { constraint: positive, eventDim: 1 });
    // scale is positive through its constraint: nothing is validated (that would read it back every step).
    return new LatentLowRankNormal(loc, w, scale);
  }

  private parts(where: string, params: Record<string, tf.Tensor>): [tf.Tensor, tf.Tensor, tf.Tensor] {
    const d = this.requireDim(where);
    return [
      this.requireShaped(where, params, this.locName, [d]),
      this.requireShaped(where, params, this.covFactorName, [d, this.rank]),
      this.requireShaped(where, params, this.scaleName, [d]),
    ];
  }

  /**
   * `z ↦ loc + L z` with L the Cholesky factor of the covariance (a dense D×D factorisation).
   * Owns a new tensor (L): call inside tf.tidy.
   */
  getTransform(params: Record<string, tf.Tensor>): LowerCholeskyAffine {
    const [loc, w, scale] = this.parts('getTransform', params);
    const l = tf.tidy(() => {
      const [covFactor, covDiag] = lowRankFactors(w, scale);
      return cholesky(tf.add(tf.matMul(covFactor, covFactor, false, true), diagEmbed(covDiag)));
    });
    return new LowerCholeskyAffine(loc, l);
  }

  /** LowRankMultivariateNormal(loc, W ⊙ s, s²). Allocates: call inside tf.tidy. */
  override getPosterior(params: Record<string, tf.Tensor>): Distribution {
    const [loc, w, scale] = this.parts('getPosterior', params);
    const [covFactor, covDiag] = lowRankFactors(w, scale);
    return new LowRankMultivariateNormal(loc, covFactor, covDiag, { validateArgs: false });
  }

  protected latentLoc(params: Record<string, tf.Tensor>): tf.Tensor {
    return this.parts('median', params)[0];
  }

  /** s_i √(Σ_j W_ij² + 1): the square root of the covariance's diagonal. */
  protected marginalScale(params: Record<string, tf.Tensor>): tf.Tensor {
    const [, w, scale] = this.parts('quantiles', params);
    return tf.tidy(() => tf.mul(scale, tf.sqrt(tf.add(tf.sum(tf.square(w), -1), 1))));
  }

  override dispose(): void {
    super.dispose();
    this.scaleInit = null;
    this.covFactorInit = null;
  }
}
