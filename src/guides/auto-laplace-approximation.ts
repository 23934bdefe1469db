/**
 * AutoLaplaceApproximation: a MAP point in unconstrained space, then a Gaussian around it whose
 * precision is the Hessian of the negative log joint density there (NumPyro's
 * AutoLaplaceApproximation).
 *
 * References:
 * - MacKay (2003), Information Theory, Inference, and Learning Algorithms, ch. 27 (Laplace's method)
 * - NumPyro, `numpyro/infer/autoguide.py` (AutoLaplaceApproximation)
 */
import * as tf from '@tensorflow/tfjs';

import { Delta } from '../distributions/delta.js';
import type { Distribution } from '../distributions/distribution.js';
import { LowerCholeskyAffine } from '../distributions/lower-cholesky-affine.js';
import { MultivariateNormal } from '../distributions/multivariate-normal.js';
import { choleskyF64 } from '../distributions/tril.js';
import { NumericalError, ValueError, VinferError, fmtShape } from '../kernel/errors.js';
import type { PluginMeta } from '../kernel/plugin-meta.js';
import { param } from '../kernel/primitives.js';
import { AUTO_GUIDE_OPTION_KEYS, type AutoGuideOptions } from './auto-guide.js';
import { AutoContinuous } from './auto-continuous.js';
import { rowNorms } from './auto-multivariate-normal.js';
import type { ModelFn } from './guide.js';
import { type HessianFn, finiteDifferenceHessian, hessian } from './hessian.js';

/**
 * Options of {@link AutoLaplaceApproximation}.
 * @public
 */
export interface AutoLaplaceApproximationOptions<A extends unknown[] = any[]> extends AutoGuideOptions<A> {
  /**
   * Computes the Hessian of a scalar function at a vector; its result is the precision matrix of
   * the approximation. Pass e.g. `(f, x) => tf.add(hessian(f, x), tf.mul(1e-3, tf.eye(x.shape[0])))`
   * to regularise a Hessian that is not positive definite, or `finiteDifferenceHessian`.
   * @defaultValue nested autodiff ({@link hessian}), falling back to finite differences of the
   * gradient when an op of the model has no second derivative in tfjs
   */
  readonly hessianFn?: HessianFn;
}

/**
 * The lower Cholesky factor of P⁻¹ for a symmetric positive definite P (row-major, n×n), in
 * double precision: P = L Lᵀ gives P⁻¹ = L⁻ᵀ L⁻¹, which is factorised again. Undefined when P is
 * not numerically positive definite.
 */
export function choleskyOfInverse(p: ArrayLike<number>, n: number): Float64Array | undefined {
  const l = choleskyF64(p, n);
  if (l === undefined) return undefined;
  // M = L⁻¹ (lower triangular), column by column by forward substitution.
  const m = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    for (let i = c; i < n; i++) {
      let s = i === c ? 1 : 0;
      for (let k = c; k < i; k++) s -= l[i * n + k]! * m[k * n + c]!;
      m[i * n + c] = s / l[i * n + i]!;
    }
  }
  // Σ = Mᵀ M.
  const sigma = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < n; k++) s += m[k * n + i]! * m[k * n + j]!;
      sigma[i * n + j] = s;
      sigma[j * n + i] = s;
    }
  }
  return choleskyF64(sigma, n);
}

/** True for the errors tfjs raises when an op has no (second) derivative. */
function isMissingGradient(e: unknown): boolean {
  if (VinferError.is(e) || !(e instanceof Error)) return false;
  return /gradient/i.test(e.message);
}

/** Nested autodiff, or finite differences of the gradient where tfjs lacks a second derivative. */
const defaultHessian: HessianFn = (f, x) => {
  try {
    return hessian(f, x);
  } catch (e) {
    if (!isMissingGradient(e)) throw e;
    return finiteDifferenceHessian(f, x);
  }
};

/**
 * A guide that is trained like AutoDelta on the flat unconstrained latent vector (so the ELBO
 * finds the MAP point in unconstrained space, Jacobian included), and whose posterior is the
 * Laplace approximation MultivariateNormal(loc, precision = H), with H the Hessian of
 * −log p(x, z) (including the log-Jacobian of the constraining maps, i.e. the potential energy)
 * at loc. Parameter: `${prefix}_loc` ([D]). The Hessian is evaluated with the model arguments of
 * the guide's first call, as NumPyro does; it costs D second-order passes through the model.
 * @example
 * const guide = new AutoLaplaceApproximation(model);
 * const { params } = await new SVI(model, guide, new Adam({ lr: 0.01 }), new TraceELBO()).run(PRNGKey(0), 2000, [x, y]);
 * const draws = guide.samplePosterior(PRNGKey(1), params, { sampleShape: [1000] });
 * @public
 */
export class AutoLaplaceApproximation<A extends unknown[] = any[]> extends AutoContinuous<A> {
  static override readonly plugin = { kind: 'guide', name: 'AutoLaplaceApproximation' } as const satisfies PluginMeta;
  readonly hessianFn: HessianFn;
  private modelArgs: A | null = null;

  /**
   * @param model - the model
   * @param options - prefix, initLocFn (default initToUniform), createPlates, hessianFn
   * @throws {ValueError} for an unknown option or a hessianFn that is not a function
   */
  constructor(model: ModelFn<A>, options: AutoLaplaceApproximationOptions<A> = {}) {
    super(model, options, [...AUTO_GUIDE_OPTION_KEYS, 'hessianFn']);
    const h = options.hessianFn ?? defaultHessian;
    if (typeof h !== 'function') {
      throw new ValueError(`${this.guideName}: option 'hessianFn' must be a function (f, x) => Hessian, got ${typeof h}`);
    }
    this.hessianFn = h;
  }

  /** Name of the location parameter (the MAP point in unconstrained space). */
  get locName(): string {
    return `${this.prefix}_loc`;
  }

  protected override setupPrototype(args: A): void {
    super.setupPrototype(args);
    this.modelArgs = args;
  }

  protected latentPosterior(): Distribution {
    const loc = param(this.locName, this.initLatent, { eventDim: 1 });
    return new Delta(loc, 0, { eventDim: 1, validateArgs: false });
  }

  private loc(where: string, params: Record<string, tf.Tensor>): tf.Tensor {
    return this.requireShaped(where, params, this.locName, [this.requireDim(where)]);
  }

  /**
   * The precision matrix of the approximation: the Hessian of −log p(x, z) with respect to the
   * unconstrained latent vector at `params[${prefix}_loc]`, shape [D, D].
   * @param params - constrained parameters, e.g. svi.getParams(state); model parameters are taken from it too
   */
  precision(params: Record<string, tf.Tensor>): tf.Tensor {
    const loc = this.loc('precision', params);
    const args = this.modelArgs as A;
    const potential = (z: tf.Tensor): tf.Tensor => tf.neg(this.logDensity(this.unpackLatent(z), args, params));
    const h = this.hessianFn(potential, loc);
    const d = this.latentDim;
    if (h.rank !== 2 || h.shape[0] !== d || h.shape[1] !== d) {
      throw new ValueError(`${this.guideName}: hessianFn must return a [${d}, ${d}] matrix, got shape ${fmtShape(h.shape)}`);
    }
    return h;
  }

  /** The lower Cholesky factor of the covariance H⁻¹, shape [D, D]. */
  scaleTril(params: Record<string, tf.Tensor>): tf.Tensor {
    const d = this.requireDim('scaleTril');
    const h = this.precision(params);
    const values = h.dataSync();
    h.dispose();
    const where = `${this.guideName}.getPosterior`;
    if (!values.every(Number.isFinite)) {
      throw new NumericalError(
        `${where}: the Hessian of -log p at the MAP point contains NaN or Infinity. ` +
          'The parameters may have diverged: check the fit (loss curve), train with a smaller learning rate, or start elsewhere (initLocFn).',
      );
    }
    const l = choleskyOfInverse(values, d);
    if (l === undefined) {
      throw new NumericalError(
        `${where}: the Hessian of -log p at the MAP point (unconstrained space, ${d}×${d}) is not positive definite, so it is no precision matrix. ` +
          'The fit may not have reached a maximum: train longer or start elsewhere (initLocFn), ' +
          'or add jitter with hessianFn: (f, x) => tf.add(hessian(f, x), tf.mul(1e-3, tf.eye(x.shape[0]))).',
      );
    }
    return tf.tensor2d(Float32Array.from(l), [d, d]);
  }

  /** `z ↦ loc + L z` with L L^T = H⁻¹. Owns a new tensor (L): call inside tf.tidy. */
  getTransform(params: Record<string, tf.Tensor>): LowerCholeskyAffine {
    return new LowerCholeskyAffine(this.loc('getTransform', params), this.scaleTril(params));
  }

  /**
   * The Laplace approximation MultivariateNormal(loc, scaleTril = chol(H⁻¹)) of the flat
   * unconstrained latent. Allocates: call inside tf.tidy.
   * @throws {NumericalError} when the Hessian is not finite or not positive definite
   */
  override getPosterior(params: Record<string, tf.Tensor>): Distribution {
    const t = this.getTransform(params);
    return new MultivariateNormal(t.loc, { scaleTril: t.scaleTril, validateArgs: false });
  }

  protected latentLoc(params: Record<string, tf.Tensor>): tf.Tensor {
    return this.loc('median', params);
  }

  protected marginalScale(params: Record<string, tf.Tensor>): tf.Tensor {
    return rowNorms(this.scaleTril(params));
  }

  override dispose(): void {
    super.dispose();
    this.modelArgs = null;
  }
}
