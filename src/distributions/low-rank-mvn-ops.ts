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

import { NumericalError, fmtShape } from '../kernel/errors.js';
import { customOp } from './grad-utils.js';
import { cholesky, choleskyInverse } from './linalg.js';

const LOG_2PI = Math.log(2 * Math.PI);

/** What the forward pass computes in double precision and the backward pass reuses. */
interface WoodburyParts {
  readonly logProb: Float32Array;
  /** C⁻¹, r×r row-major. */
  readonly capInv: Float32Array;
  /** c = C⁻¹ Wᵀ A δ for each of the n rows, n×r row-major. */
  readonly c: Float32Array;
}

/** In-place lower Cholesky factor of the r×r matrix `a` (lower triangle read); throws when it is not positive definite. */
function choleskyInPlace(a: Float64Array, r: number, shape: readonly number[]): void {
  for (let j = 0; j < r; j++) {
    let s = a[j * r + j]!;
    for (let k = 0; k < j; k++) s -= a[j * r + k]! ** 2;
    if (!(s > 0)) {
      throw new NumericalError(
        `LowRankMultivariateNormal: the capacitance matrix I + Wᵀ D⁻¹ W (covFactor of shape ${fmtShape(shape)}) is not positive definite ` +
          `(pivot ${j} is ${s}). Check that covDiag is positive and that covFactor and covDiag are finite`,
      );
    }
    const ljj = Math.sqrt(s);
    a[j * r + j] = ljj;
    for (let i = j + 1; i < r; i++) {
      let t = a[i * r + j]!;
      for (let k = 0; k < j; k++) t -= a[i * r + k]! * a[j * r + k]!;
      a[i * r + j] = t / ljj;
    }
    for (let k = j + 1; k < r; k++) a[j * r + k] = 0;
  }
}

function woodburyForward(xv: ArrayLike<number>, lv: ArrayLike<number>, wv: ArrayLike<number>, dv: ArrayLike<number>, n: number, d: number, r: number, wShape: readonly number[]): WoodburyParts {
  const a = new Float64Array(d);
  let logDetD = 0;
  for (let i = 0; i < d; i++) {
    a[i] = 1 / dv[i]!;
    logDetD += Math.log(dv[i]!);
  }
  // C = I + Wᵀ A W: lower triangle accumulated row by row of W (contiguous reads).
  const l = new Float64Array(r * r);
  for (let i = 0; i < d; i++) {
    const base = i * r;
    for (let p = 0; p < r; p++) {
      const wp = wv[base + p]! * a[i]!;
      if (wp === 0) continue;
      const row = p * r;
      for (let q = 0; q <= p; q++) l[row + q]! += wp * wv[base + q]!;
    }
  }
  for (let p = 0; p < r; p++) l[p * r + p]! += 1;
  choleskyInPlace(l, r, wShape);
  let logDetC = 0;
  for (let p = 0; p < r; p++) logDetC += 2 * Math.log(l[p * r + p]!);

  const logProb = new Float32Array(n);
  const c = new Float32Array(n * r);
  const v = new Float64Array(r);
  for (let s = 0; s < n; s++) {
    v.fill(0);
    let quad = 0;
    const xb = s * d;
    for (let i = 0; i < d; i++) {
      const delta = xv[xb + i]! - lv[i]!;
      const u = delta * a[i]!;
      quad += delta * u;
      if (u === 0) continue;
      const base = i * r;
      for (let p = 0; p < r; p++) v[p]! += wv[base + p]! * u;
    }
    // y = L⁻¹ v (so vᵀC⁻¹v = |y|²), then c = L⁻ᵀ y = C⁻¹ v.
    for (let p = 0; p < r; p++) {
      let t = v[p]!;
      for (let q = 0; q < p; q++) t -= l[p * r + q]! * v[q]!;
      v[p] = t / l[p * r + p]!;
      quad -= v[p]! ** 2;
    }
    for (let p = r - 1; p >= 0; p--) {
      let t = v[p]!;
      for (let q = p + 1; q < r; q++) t -= l[q * r + p]! * v[q]!;
      v[p] = t / l[p * r + p]!;
      c[s * r + p] = v[p]!;
    }
    logProb[s] = -0.5 * (quad + logDetC + logDetD + d * LOG_2PI);
  }
  // C⁻¹ = L⁻ᵀ L⁻¹, from the columns of L⁻¹ (forward substitution on the unit vectors).
  const linv = new Float64Array(r * r);
  for (let j = 0; j < r; j++) {
    for (let p = j; p < r; p++) {
      let t = p === j ? 1 : 0;
      for (let q = j; q < p; q++) t -= l[p * r + q]! * linv[q * r + j]!;
      linv[p * r + j] = t / l[p * r + p]!;
    }
  }
  const capInv = new Float32Array(r * r);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j <= i; j++) {
      let t = 0;
      for (let k = i; k < r; k++) t += linv[k * r + i]! * linv[k * r + j]!;
      capInv[i * r + j] = t;
      capInv[j * r + i] = t;
    }
  }
  return { logProb, capInv, c };
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
