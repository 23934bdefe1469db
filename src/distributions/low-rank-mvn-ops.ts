/**
 * The log-density of the low-rank-plus-diagonal Gaussian N(loc, W Wᵀ + diag(D)) as one fused op,
 * for parameters without batch dims (the case of a guide over a flat latent vector) and values of
 * shape [..., d].
 *
 * With A = D⁻¹ and the r×r capacitance C = I + Wᵀ A W (Woodbury identity and matrix determinant
 * lemma), for δ = x − loc:
 *   log p = −½ (δᵀAδ − vᵀC⁻¹v + log det C + Σ log D + d log 2π),   v = Wᵀ A δ.
 * With c = C⁻¹ v and α = Σ⁻¹δ = A δ − A W c, the derivatives are
 *   ∂/∂x = −α,   ∂/∂loc = α,   ∂/∂W = α cᵀ − A W C⁻¹,   ∂/∂D = ½ (α² − diag Σ⁻¹),
 * where diag Σ⁻¹ = A ⊙ (1 − rowsum(A W C⁻¹ ⊙ W)) (using Wᵀα = c, Σ⁻¹W = A W C⁻¹). Every term costs
 * O(d r²) or O(n d r); nothing d×d is formed.
 *
 * The forward pass is one double-precision loop over the data (no tfjs kernel). The backward pass
 * applies the closed forms with tfjs ops, taking C⁻¹ and c from the forward pass as constants
 * unless a gradient tape is recording the backward pass itself (a nested gradient, e.g. a
 * Hessian): then C⁻¹ and c are recomputed from the inputs with differentiable ops.
 */
import * as tf from '@tensorflow/tfjs';

import { customOp } from './grad-utils.js';
import { cholesky, choleskyInverse } from './linalg.js';
import { capacitance, choleskyInPlace, choleskySolveInPlace, columnDots, columnsOf, halfLogDet, inverseFromCholesky } from './low-rank-js.js';

const LOG_2PI = Math.log(2 * Math.PI);

/** What the forward pass computes in double precision and the backward pass reuses. */
interface WoodburyParts {
  readonly logProb: Float32Array;
  /** C⁻¹, r×r row-major. */
  readonly capInv: Float32Array;
  /** c = C⁻¹ Wᵀ A δ for each of the n rows, n×r row-major. */
  readonly c: Float32Array;
}

function woodburyForward(xv: ArrayLike<number>, lv: ArrayLike<number>, wv: ArrayLike<number>, dv: ArrayLike<number>, n: number, d: number, r: number, wShape: readonly number[]): WoodburyParts {
  const a = new Float64Array(d);
  let logDetD = 0;
  for (let i = 0; i < d; i++) {
    a[i] = 1 / dv[i]!;
    logDetD += Math.log(dv[i]!);
  }
  const cols = columnsOf(wv, d, r);
  const l = capacitance(cols, d, r, a); // C = I + Wᵀ A W
  choleskyInPlace(l, r, wShape, 'the capacitance matrix I + Wᵀ D⁻¹ W');
  const logDetC = 2 * halfLogDet(l, r);
  const logProb = new Float32Array(n);
  const c = new Float32Array(n * r);
  const u = new Float64Array(d);
  const v = new Float64Array(r);
  for (let s = 0; s < n; s++) {
    let quad = 0;
    for (let i = 0; i < d; i++) {
      const delta = xv[s * d + i]! - lv[i]!;
      u[i] = delta * a[i]!;
      quad += delta * u[i]!;
    }
    columnDots(cols, d, r, u, 0, v); // v = Wᵀ A δ
    quad -= choleskySolveInPlace(l, r, v); // vᵀC⁻¹v, and v becomes c = C⁻¹v
    for (let p = 0; p < r; p++) c[s * r + p] = v[p]!;
    logProb[s] = -0.5 * (quad + logDetC + logDetD + d * LOG_2PI);
  }
  return { logProb, capInv: inverseFromCholesky(l, r), c };
}

/**
 * C⁻¹ and c = C⁻¹ Wᵀ A (x − loc) as differentiable functions of the inputs (for a backward pass
 * that is itself being differentiated).
 */
function differentiableParts(x2: tf.Tensor, loc: tf.Tensor, w: tf.Tensor, dg: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const [d, r] = w.shape as [number, number];
  const aw = tf.div(w, tf.reshape(dg, [d, 1]));
  const capInv = choleskyInverse(cholesky(tf.add(tf.eye(r), tf.matMul(w, aw, true, false))));
  const v = tf.matMul(tf.sub(x2, loc), aw); // [n, r]
  return [capInv, tf.matMul(v, capInv)];
}

/** The four gradients, given C⁻¹ ([r, r]) and c ([n, r]). */
function woodburyBackward(dy: tf.Tensor, x: tf.Tensor, loc: tf.Tensor, w: tf.Tensor, dg: tf.Tensor, constants: WoodburyParts | null): tf.Tensor[] {
  const [d, r] = w.shape as [number, number];
  const n = x.size / d;
  const x2 = tf.reshape(x, [n, d]);
  const [capInv, c] =
    constants === null ? differentiableParts(x2, loc, w, dg) : [tf.tensor2d(constants.capInv, [r, r]), tf.tensor2d(constants.c, [n, r])];
  const alpha = tf.div(tf.sub(tf.sub(x2, loc), tf.matMul(c, w, false, true)), dg); // Σ⁻¹δ, [n, d]
  const dyCol = tf.reshape(dy, [n, 1]);
  const weighted = tf.mul(alpha, dyCol);
  const dySum = n === 1 ? tf.reshape(dy, []) : tf.sum(dy);
  const awCapInv = tf.matMul(tf.div(w, tf.reshape(dg, [d, 1])), capInv); // A W C⁻¹ = Σ⁻¹ W
  const gw = tf.sub(tf.matMul(weighted, c, true, false), tf.mul(awCapInv, dySum));
  const diagPrecision = tf.div(tf.sub(1, tf.sum(tf.mul(awCapInv, w), 1)), dg);
  const sqTerm = n === 1 ? tf.reshape(tf.mul(tf.square(alpha), dyCol), [d]) : tf.sum(tf.mul(tf.square(alpha), dyCol), 0);
  const gd = tf.mul(0.5, tf.sub(sqTerm, tf.mul(diagPrecision, dySum)));
  const gloc = n === 1 ? tf.reshape(weighted, [d]) : tf.sum(weighted, 0);
  return [tf.reshape(tf.neg(weighted), x.shape), gloc, gw, gd];
}

const woodburyLogDensity = customOp((x: tf.Tensor, loc: tf.Tensor, w: tf.Tensor, dg: tf.Tensor) => {
  const [d, r] = w.shape as [number, number];
  const n = x.size / d;
  const parts = woodburyForward(x.dataSync(), loc.dataSync(), w.dataSync(), dg.dataSync(), n, d, r, w.shape);
  return {
    value: tf.tensor(parts.logProb, x.shape.slice(0, -1), 'float32'),
    // The forward's constants are only valid where nothing differentiates the backward pass.
    gradFunc: (dy, [xs, ls, ws, ds]) => woodburyBackward(dy, xs!, ls!, ws!, ds!, tf.engine().isTapeOn() ? null : parts),
  };
});

/**
 * log N(x; loc, W Wᵀ + diag(D)) by the Woodbury identity, as one fused op.
 * @param x - values, shape [..., d]
 * @param loc - shape [d]
 * @param covFactor - W, shape [d, r]
 * @param covDiag - D > 0, shape [d]
 * @returns shape x.shape without its last dim
 * @throws {NumericalError} when the capacitance matrix is not positive definite (covDiag not positive, or NaN)
 */
export function lowRankLogProb(x: tf.Tensor, loc: tf.Tensor, covFactor: tf.Tensor, covDiag: tf.Tensor): tf.Tensor {
  return woodburyLogDensity(x, loc, covFactor, covDiag);
}

/** True when {@link lowRankLogProb} applies: parameters without batch dims and values ending in d. */
export function isFlatLowRank(x: tf.Tensor, loc: tf.Tensor, covFactor: tf.Tensor, covDiag: tf.Tensor): boolean {
  const d = covFactor.shape[0];
  return (
    covFactor.rank === 2 &&
    loc.rank === 1 &&
    covDiag.rank === 1 &&
    loc.shape[0] === d &&
    covDiag.shape[0] === d &&
    x.rank >= 1 &&
    x.shape[x.rank - 1] === d &&
    x.size > 0 &&
    [x, loc, covFactor, covDiag].every((t) => t.dtype === 'float32')
  );
}
