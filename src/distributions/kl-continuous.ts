/**
 * Closed-form KL divergences of the continuous families beyond Normal: the gamma-function families
 * (Beta, Gamma, Dirichlet) and the Gaussian vectors (MultivariateNormal, LowRankMultivariateNormal
 * in every pairing), registered when kl.ts loads this module. Subclasses inherit them (Chi2
 * through Gamma).
 */
import * as tf from '@tensorflow/tfjs';

import { Beta } from './beta.js';
import { Dirichlet } from './dirichlet.js';
import { Gamma } from './gamma.js';
import { registerKL } from './kl-registry.js';
import { diagPart, triangularSolve } from './linalg.js';
import { LowRankMultivariateNormal } from './low-rank-multivariate-normal.js';
import { MultivariateNormal } from './multivariate-normal.js';
import { digamma, lbeta, lgamma } from './special.js';

// log B(a2, b2) - log B(a1, b1) + (a1 - a2) ψ(a1) + (b1 - b2) ψ(b1) + (a2 - a1 + b2 - b1) ψ(a1 + b1)
registerKL(Beta, Beta, (p, q) => {
  const a1 = p.concentration1;
  const b1 = p.concentration0;
  const a2 = q.concentration1;
  const b2 = q.concentration0;
  const t1 = tf.sub(lbeta(a2, b2), lbeta(a1, b1));
  const t2 = tf.add(tf.mul(tf.sub(a1, a2), digamma(a1)), tf.mul(tf.sub(b1, b2), digamma(b1)));
  const t3 = tf.mul(tf.sub(tf.add(a2, b2), tf.add(a1, b1)), digamma(tf.add(a1, b1)));
  return tf.add(t1, tf.add(t2, t3));
});

// Shape a, rate b: (a1 - a2) ψ(a1) - log Γ(a1) + log Γ(a2) + a2 (log b1 - log b2) + a1 (b2 - b1) / b1
registerKL(Gamma, Gamma, (p, q) => {
  const a1 = p.concentration;
  const b1 = p.rate;
  const a2 = q.concentration;
  const b2 = q.rate;
  const t1 = tf.sub(tf.mul(tf.sub(a1, a2), digamma(a1)), tf.sub(lgamma(a1), lgamma(a2)));
  const t2 = tf.mul(a2, tf.sub(tf.log(b1), tf.log(b2)));
  const t3 = tf.mul(a1, tf.div(tf.sub(b2, b1), b1));
  return tf.add(t1, tf.add(t2, t3));
});

// With a0 = Σa, b0 = Σb over the last dim:
// log Γ(a0) - Σ log Γ(a) - log Γ(b0) + Σ log Γ(b) + Σ (a - b)(ψ(a) - ψ(a0))
registerKL(Dirichlet, Dirichlet, (p, q) => {
  const a = p.concentration;
  const b = q.concentration;
  const a0 = tf.sum(a, -1);
  const b0 = tf.sum(b, -1);
  const norm = tf.add(tf.sub(lgamma(a0), tf.sum(lgamma(a), -1)), tf.sub(tf.sum(lgamma(b), -1), lgamma(b0)));
  const cross = tf.sum(tf.mul(tf.sub(a, b), tf.sub(digamma(a), tf.expandDims(digamma(a0), -1))), -1);
  return tf.add(norm, cross);
});

/** A Gaussian vector family exposing its mean and the lower Cholesky factor of its covariance. */
interface GaussianVector {
  readonly loc: tf.Tensor;
  readonly scaleTril: tf.Tensor;
  readonly eventShape: number[];
}

/**
 * KL(N(μp, Σp) ‖ N(μq, Σq)) = Σ log diag Lq - Σ log diag Lp + ½ (|Lq⁻¹ Lp|²_F + |Lq⁻¹ (μp - μq)|² - d),
 * with Σ = L Lᵀ. Low-rank covariances go through their dense Cholesky factor: O(d³) per pair.
 */
function gaussianVectorKL(p: GaussianVector, q: GaussianVector): tf.Tensor {
  const d = p.eventShape[0]!;
  const lp = p.scaleTril;
  const lq = q.scaleTril;
  const tr = tf.sum(tf.square(triangularSolve(lq, lp)), [-2, -1]);
  const z = triangularSolve(lq, tf.expandDims(tf.sub(p.loc, q.loc), -1));
  const maha = tf.sum(tf.square(z), [-2, -1]);
  const halfLogDetRatio = tf.sub(tf.sum(tf.log(diagPart(lq)), -1), tf.sum(tf.log(diagPart(lp)), -1));
  return tf.add(halfLogDetRatio, tf.mul(0.5, tf.sub(tf.add(tr, maha), d)));
}
registerKL(MultivariateNormal, MultivariateNormal, gaussianVectorKL);
registerKL(LowRankMultivariateNormal, MultivariateNormal, gaussianVectorKL);
registerKL(MultivariateNormal, LowRankMultivariateNormal, gaussianVectorKL);
registerKL(LowRankMultivariateNormal, LowRankMultivariateNormal, gaussianVectorKL);
