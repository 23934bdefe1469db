import * as tf from '@tensorflow/tfjs';

import { ValueError, fmtShape } from '../kernel/errors.js';
import { type PRNGKey, normal, split } from '../kernel/rng.js';
import { type Constraint, realVector } from './constraints.js';
import { Distribution, type DistributionOptions } from './distribution.js';
import { positive01 } from './family-utils.js';
import { batchMatMul, cholesky, diagEmbed, diagPart, matrixTranspose, matvec, triangularSolve } from './linalg.js';
import { isFlatLowRank, lowRankLogProb } from './low-rank-mvn-ops.js';
import { type TensorLike, broadcastShapes, toTensor } from './tensor-like.js';

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * The multivariate normal distribution with covariance W W^T + diag(D): `covFactor` W of shape
 * [..., d, r] and `covDiag` D of shape [..., d]. logProb works with the r x r capacitance matrix
 * C = I + W^T D^-1 W (Woodbury identity for the quadratic form, matrix determinant lemma
 * det(W W^T + D) = det(C) prod D), so its cost is O(d r^2) rather than O(d^3); for parameters
 * without batch dims it is one fused op (low-rank-mvn-ops.ts). Draws are
 * loc + W eps1 + sqrt(D) eps2 (reparameterised).
 * @public
 */
export class LowRankMultivariateNormal extends Distribution {
  readonly loc: tf.Tensor;
  readonly covFactor: tf.Tensor;
  readonly covDiag: tf.Tensor;

  /**
   * @param loc - means, shape [..., d]
   * @param covFactor - W, shape [..., d, r]
   * @param covDiag - D > 0, shape [..., d]
   * @throws {ValueError} when the shapes do not fit or (with validation on) covDiag is not positive
   */
  constructor(loc: TensorLike, covFactor: TensorLike, covDiag: TensorLike, options: DistributionOptions = {}) {
    const l = toTensor(loc);
    const w = toTensor(covFactor);
    const dg = toTensor(covDiag);
    if (w.rank < 2) {
      throw new ValueError(`LowRankMultivariateNormal: argument 'covFactor' must have shape [..., d, r], got ${fmtShape(w.shape)}`);
    }
    const d = w.shape[w.rank - 2]!;
    if (l.rank < 1 || l.shape[l.rank - 1] !== d || dg.rank < 1 || dg.shape[dg.rank - 1] !== d) {
      throw new ValueError(
        `LowRankMultivariateNormal: loc [..., d] and covDiag [..., d] must match covFactor [..., d, r] with d = ${d}, ` +
          `got loc ${fmtShape(l.shape)}, covFactor ${fmtShape(w.shape)}, covDiag ${fmtShape(dg.shape)}`,
      );
    }
    const batch = broadcastShapes(l.shape.slice(0, -1), w.shape.slice(0, -2), dg.shape.slice(0, -1));
    if (batch === undefined) {
      throw new ValueError(
        `LowRankMultivariateNormal: batch shapes do not broadcast: loc ${fmtShape(l.shape)}, covFactor ${fmtShape(w.shape)}, covDiag ${fmtShape(dg.shape)}`,
      );
    }
    super(batch, [d], options);
    this.loc = l;
    this.covFactor = w;
    this.covDiag = dg;
    if (this.validateArgs) tf.tidy(() => this.checkParam(() => positive01(dg), 'covDiag', '> 0', dg));
  }

  /**
   * The lower Cholesky factor of the capacitance matrix I + W^T D^-1 W, shape [..., r, r]. Made
   * on use (a new tensor each time): the fused log-density of a guide's step never needs it.
   */
  private capacitanceTril(): tf.Tensor {
    return tf.tidy(() => {
      const w = this.covFactor;
      const r = w.shape[w.rank - 1]!;
      const wScaled = tf.div(w, tf.expandDims(this.covDiag, -1)); // D^-1 W
      return cholesky(tf.add(tf.eye(r), batchMatMul(matrixTranspose(w), wScaled)));
    });
  }

  /** True when loc, covFactor and covDiag have no batch dims. */
  private get isFlat(): boolean {
    return this.loc.rank === 1 && this.covFactor.rank === 2 && this.covDiag.rank === 1;
  }

  get support(): Constraint {
    return realVector;
  }
  override get hasRsample(): boolean {
    return true;
  }

  /** W W^T + diag(D), shape [..., d, d]. */
  get covarianceMatrix(): tf.Tensor {
    return tf.tidy(() => tf.add(tf.matMul(this.covFactor, this.covFactor, false, true), diagEmbed(this.covDiag)));
  }
  /** The Woodbury inverse D^-1 - D^-1 W C^-1 W^T D^-1, shape [..., d, d]. */
  get precisionMatrix(): tf.Tensor {
    return tf.tidy(() => {
      const dInv = tf.reciprocal(this.covDiag);
      const a = triangularSolve(this.capacitanceTril(), matrixTranspose(tf.mul(this.covFactor, tf.expandDims(dInv, -1)))); // L_C^-1 W^T D^-1
      return tf.sub(diagEmbed(dInv), tf.matMul(a, a, true, false));
    });
  }
  /** The lower Cholesky factor of the covariance, shape [..., d, d] (an O(d^3) factorisation). */
  get scaleTril(): tf.Tensor {
    return tf.tidy(() => cholesky(this.covarianceMatrix));
  }

  protected sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    const [k1, k2] = split(key, 2) as [PRNGKey, PRNGKey];
    const r = this.covFactor.shape[this.covFactor.rank - 1]!;
    return tf.tidy(() => {
      const eps1 = normal(k1, [...sampleShape, ...this.batchShape, r]);
      const eps2 = normal(k2, this.shape(sampleShape));
      return tf.add(tf.add(this.loc, this.factorTimes(eps1)), tf.mul(tf.sqrt(this.covDiag), eps2));
    });
  }

  /** W eps for eps of shape [..., r]: one plain matrix product when W has no batch dims. */
  private factorTimes(eps: tf.Tensor): tf.Tensor {
    if (!this.isFlat) return matvec(this.covFactor, eps);
    const [d, r] = this.covFactor.shape as [number, number];
    if (eps.rank === 1) return tf.reshape(tf.matMul(this.covFactor, tf.reshape(eps, [r, 1])), [d]);
    const rows = tf.reshape(eps, [eps.size / r, r]);
    return tf.reshape(tf.matMul(rows, this.covFactor, false, true), [...eps.shape.slice(0, -1), d]);
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    if (isFlatLowRank(value, this.loc, this.covFactor, this.covDiag)) return lowRankLogProb(value, this.loc, this.covFactor, this.covDiag);
    // x^T S^-1 x = x^T D^-1 x - |L_C^-1 W^T D^-1 x|^2 and log det S = log det C + sum log D.
    return tf.tidy(() => {
      const d = this.eventShape[0]!;
      const capTril = this.capacitanceTril();
      const diff = tf.sub(value, this.loc);
      const scaled = tf.div(diff, this.covDiag);
      const wtx = matvec(matrixTranspose(this.covFactor), scaled);
      const z = triangularSolve(capTril, tf.expandDims(wtx, -1));
      const maha = tf.sub(tf.sum(tf.mul(diff, scaled), -1), tf.sum(tf.square(z), [-2, -1]));
      return tf.mul(-0.5, tf.add(tf.add(maha, this.logDetCovariance(capTril)), d * LOG_2PI));
    });
  }

  private logDetCovariance(capTril: tf.Tensor): tf.Tensor {
    return tf.add(tf.mul(2, tf.sum(tf.log(diagPart(capTril)), -1)), tf.sum(tf.log(this.covDiag), -1));
  }

  override get mean(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(this.loc, this.shape()));
  }
  /** The diagonal of the covariance, sum_k W_ik^2 + D_i. */
  override get variance(): tf.Tensor {
    return tf.tidy(() => tf.broadcastTo(tf.add(tf.sum(tf.square(this.covFactor), -1), this.covDiag), this.shape()));
  }
  override entropy(): tf.Tensor {
    // (d (1 + log 2 pi) + log det S) / 2
    return tf.tidy(() => {
      const d = this.eventShape[0]!;
      return tf.broadcastTo(tf.mul(0.5, tf.add(this.logDetCovariance(this.capacitanceTril()), d * (1 + LOG_2PI))), this.batchShape);
    });
  }
}
