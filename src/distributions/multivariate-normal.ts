import * as tf from '@tensorflow/tfjs';

import { ValueError, fmtShape } from '../kernel/errors.js';
import type { PRNGKey } from '../kernel/rng.js';
import { type Constraint, lowerCholesky, positiveDefinite, realVector } from './constraints.js';
import { Distribution, type DistributionOptions } from './distribution.js';
import { cholesky, choleskyInverse, diagPart, triangularSolve } from './linalg.js';
import { mvnTrilLogProb, standardNormalNoise, trilAffine } from './mvn-fused.js';
import { type TensorLike, broadcastShapes, toTensor } from './tensor-like.js';

const LOG_2PI = Math.log(2 * Math.PI);

/** Options of {@link MultivariateNormal}: exactly one of the three matrix parameters, plus validation. */
export interface MultivariateNormalOptions extends DistributionOptions {
  /** Covariance matrices, shape [..., d, d], symmetric positive definite. */
  readonly covarianceMatrix?: TensorLike;
  /** Precision (inverse covariance) matrices, shape [..., d, d], symmetric positive definite. */
  readonly precisionMatrix?: TensorLike;
  /** Lower Cholesky factors L of the covariance (covariance = L L^T), shape [..., d, d]. */
  readonly scaleTril?: TensorLike;
}

/**
 * Lower factor L with L L^T = P^-1, from the Cholesky factor of the reversed precision matrix
 * (NumPyro's route): with J the reversal permutation and J P J = Lf Lf^T, P^-1 = L L^T for
 * L = J Lf^-T J, which is lower triangular. No explicit inverse of P is formed.
 */
function precisionToScaleTril(p: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const axes = [p.rank - 2, p.rank - 1];
    const n = p.shape[p.rank - 1]!;
    const lf = cholesky(tf.reverse(p, axes));
    const lfInvT = triangularSolve(lf, tf.eye(n), { transpose: true });
    return tf.reverse(lfInvT, axes);
  });
}

/**
 * The multivariate normal distribution with mean `loc` and a covariance given by exactly one of
 * `covarianceMatrix`, `precisionMatrix` or `scaleTril` (its lower Cholesky factor). Batched: loc
 * [..., d] and the matrix [..., d, d] broadcast to the batch shape. logProb uses a triangular
 * solve with the factor; draws are loc + L eps (reparameterised). Both are fused ops with
 * closed-form derivatives (mvn-fused.ts).
 * @example
 * ```ts
 * const mvn = new dist.MultivariateNormal([0, 0], { covarianceMatrix: [[1, 0.5], [0.5, 2]] });
 * ```
 * @public
 */
export class MultivariateNormal extends Distribution {
  readonly loc: tf.Tensor;
  /** The lower Cholesky factor of the covariance (as given, or computed at construction). */
  readonly scaleTril: tf.Tensor;
  private readonly givenCovariance: tf.Tensor | undefined;
  private readonly givenPrecision: tf.Tensor | undefined;

  /**
   * @param loc - means, shape [..., d] (a scalar is broadcast to the event size). @defaultValue 0
   * @throws {ValueError} when not exactly one matrix is given, the shapes do not fit, or (with
   * validation on) the matrix is not positive definite / not a lower Cholesky factor
   * @throws {NumericalError} when a covariance or precision matrix cannot be factorised (validation off)
   */
  constructor(loc: TensorLike = 0, options: MultivariateNormalOptions = {}) {
    const given = (['covarianceMatrix', 'precisionMatrix', 'scaleTril'] as const).filter((k) => options[k] !== undefined);
    if (given.length !== 1) {
      throw new ValueError(
        `MultivariateNormal: give exactly one of covarianceMatrix, precisionMatrix or scaleTril, got ${given.length === 0 ? 'none' : given.join(', ')}`,
      );
    }
    const which = given[0]!;
    const m = toTensor(options[which]!);
    const d = m.shape[m.rank - 1];
    if (m.rank < 2 || m.shape[m.rank - 2] !== d) {
      throw new ValueError(`MultivariateNormal: argument '${which}' must have shape [..., d, d], got ${fmtShape(m.shape)}`);
    }
    let l = toTensor(loc);
    if (l.rank === 0) l = tf.broadcastTo(l, [d!]);
    if (l.shape[l.rank - 1] !== d) {
      throw new ValueError(`MultivariateNormal: argument 'loc' must have shape [..., ${d}] to match '${which}' of shape ${fmtShape(m.shape)}, got ${fmtShape(l.shape)}`);
    }
    const batch = broadcastShapes(l.shape.slice(0, -1), m.shape.slice(0, -2));
    if (batch === undefined) {
      throw new ValueError(`MultivariateNormal: batch shapes of loc ${fmtShape(l.shape)} and ${which} ${fmtShape(m.shape)} do not broadcast`);
    }
    super(batch, [d!], options);
    this.loc = l;
    if (this.validateArgs) {
      const [constraint, expected] = which === 'scaleTril' ? [lowerCholesky, 'lower triangular with a positive diagonal'] : [positiveDefinite, 'symmetric positive definite'];
      tf.tidy(() => this.checkParam(() => constraint.check(m), which, expected, m));
    }
    this.givenCovariance = which === 'covarianceMatrix' ? m : undefined;
    this.givenPrecision = which === 'precisionMatrix' ? m : undefined;
    this.scaleTril = which === 'scaleTril' ? m : which === 'covarianceMatrix' ? cholesky(m) : precisionToScaleTril(m);
  }

  get support(): Constraint {
    return realVector;
  }
  override get hasRsample(): boolean {
    return true;
  }

  /** L L^T (a copy of the given matrix when the covariance was given), a new tensor. */
  get covarianceMatrix(): tf.Tensor {
    if (this.givenCovariance !== undefined) return tf.clone(this.givenCovariance);
    return tf.tidy(() => tf.matMul(this.scaleTril, this.scaleTril, false, true));
  }
  /** (L L^T)^-1 (a copy of the given matrix when the precision was given), a new tensor. */
  get precisionMatrix(): tf.Tensor {
    if (this.givenPrecision !== undefined) return tf.clone(this.givenPrecision);
    return choleskyInverse(this.scaleTril);
  }

  protected sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    const shape = this.shape(sampleShape);
    return trilAffine(this.loc, this.scaleTril, standardNormalNoise(key, shape), shape);
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    // -1/2 |L^-1 (x - loc)|^2 - sum log diag L - d/2 log 2 pi
    const d = this.eventShape[0]!;
    if (value.rank === 0 || value.shape[value.rank - 1] !== d) {
      // A value whose event dim is 1 broadcasts along the event, as it would in x - loc.
      return tf.tidy(() => mvnTrilLogProb(tf.broadcastTo(value, [...value.shape.slice(0, -1), d]), this.loc, this.scaleTril));
    }
    return mvnTrilLogProb(value, this.loc, this.scaleTril);
  }

  override get mean(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(this.loc, this.shape()));
  }
  /** The diagonal of the covariance, sum_j L_ij^2. */
  override get variance(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.sum(tf.square(this.scaleTril), -1), this.shape()));
  }
  override entropy(): tf.Tensor {
    // d/2 (1 + log 2 pi) + sum log diag L
    return tf.tidy(() => {
      const d = this.eventShape[0]!;
      const h = tf.add(tf.sum(tf.log(diagPart(this.scaleTril)), -1), 0.5 * d * (1 + LOG_2PI));
      return tf.broadcastTo(h, this.batchShape);
    });
  }
}
