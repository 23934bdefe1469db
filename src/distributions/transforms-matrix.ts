/**
 * Vector and matrix transforms: StickBreaking (onto the simplex), Ordered, LowerCholesky,
 * SoftplusLowerCholesky, CorrCholesky, and the Cholesky maps of positive-definite and correlation
 * matrices (used backwards, as L ↦ L Lᵀ, by bijectTo).
 *
 * Vectors of matrix entries use NumPyro's layout (see tril.ts). tfjs has no cumprod gradient, so
 * running products are cumulative sums of logs, which also keeps them accurate when a factor is
 * near 0 or 1.
 *
 * References:
 * - Stan Reference Manual, "Unit simplex" and "Cholesky factors of correlation matrices".
 * - D. Lewandowski, D. Kurowicka, H. Joe (2009), "Generating random correlation matrices based on
 *   vines and extended onion method", J. Multivariate Analysis 100.
 */
import * as tf from '@tensorflow/tfjs';

import { ValueError, fmtShape } from '../kernel/errors.js';
import {
  type Constraint,
  corrCholesky,
  corrMatrix,
  lowerCholesky,
  orderedVector,
  positiveDefinite,
  realVector,
  simplex,
} from './constraints.js';
import { softplus } from './special.js';
import { Transform } from './transform-base.js';
import { FLOAT32_EPS, FLOAT32_TINY } from './transforms-elementwise.js';
import { customOp } from './grad-utils.js';
import { bandMask, choleskyF64, matrixDiag, matrixSizeFromVector, selectLast, trilIndices, trilToVec, vecToTril } from './tril.js';

/** Cumulative sum along the last axis (tf.cumsum silently returns an empty tensor for axis -1). */
function cumsumLast(x: tf.Tensor, exclusive = false, reverse = false): tf.Tensor {
  return tf.cumsum(x, x.rank - 1, exclusive, reverse);
}

/** `x[..., begin:begin+size]` along the last axis. */
function sliceLast(x: tf.Tensor, begin: number, size: number): tf.Tensor {
  const b = x.shape.map(() => 0);
  const s = x.shape.map(() => -1);
  b[x.rank - 1] = begin;
  s[x.rank - 1] = size;
  return tf.slice(x, b, s);
}

function lastDim(x: tf.Tensor | readonly number[], where: string): number {
  const shape = Array.isArray(x) ? (x as readonly number[]) : (x as tf.Tensor).shape;
  if (shape.length === 0) throw new ValueError(`${where}: expected at least one dim, got shape ${fmtShape(shape)}`);
  return shape[shape.length - 1]!;
}

function squareDim(shape: readonly number[], where: string): number {
  const n = shape[shape.length - 1];
  if (shape.length < 2 || n !== shape[shape.length - 2]) {
    throw new ValueError(`${where}: expected square matrices [..., n, n], got shape ${fmtShape(shape)}`);
  }
  return n!;
}

/**
 * Stick breaking onto the simplex, R^(K-1) → simplex of size K, with NumPyro's offset:
 * z_i = sigmoid(x_i - log(K-1-i)), so that x = 0 maps to the uniform point (1/K, …, 1/K).
 */
export class StickBreaking extends Transform {
  readonly name: string = 'StickBreaking';
  get domain(): Constraint {
    return realVector;
  }
  get codomain(): Constraint {
    return simplex;
  }
  private static offset(k1: number): tf.Tensor {
    return tf.tensor1d(Float32Array.from({ length: k1 }, (_, i) => Math.log(k1 - i)));
  }
  /** log z and log(1 - z), stable for any x. */
  private static logParts(x: tf.Tensor): [tf.Tensor, tf.Tensor] {
    const xs = tf.sub(x, StickBreaking.offset(lastDim(x, 'StickBreaking')));
    return [tf.neg(softplus(tf.neg(xs))), tf.neg(softplus(xs))];
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const k1 = lastDim(x, 'StickBreaking.forward');
      if (k1 === 0) return tf.ones([...x.shape.slice(0, -1), 1]);
      const [logZ, log1mZ] = StickBreaking.logParts(x);
      // y_i = z_i Π_{j<i} (1 - z_j); the last entry is what remains of the stick.
      const logRemain = cumsumLast(log1mZ, true);
      const logLast = tf.sum(log1mZ, -1, true);
      return tf.exp(tf.concat([tf.add(logZ, logRemain), logLast], -1));
    });
  }
  inverse(y: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const k = lastDim(y, 'StickBreaking.inverse');
      if (k === 1) return tf.zeros([...y.shape.slice(0, -1), 0]);
      // x_i = logit(z_i) = log(y_i / Σ_{j>i} y_j); the tail sum is summed directly rather than as
      // 1 - Σ_{j<=i} y_j, which would cancel catastrophically in float32 near the end of the stick.
      const rest = cumsumLast(y, true, true);
      const num = tf.maximum(sliceLast(y, 0, k - 1), FLOAT32_TINY);
      const den = tf.maximum(sliceLast(rest, 0, k - 1), FLOAT32_TINY);
      return tf.add(tf.sub(tf.log(num), tf.log(den)), StickBreaking.offset(k - 1));
    });
  }
  logAbsDetJacobian(x: tf.Tensor, _y?: tf.Tensor): tf.Tensor {
    // |det| of x ↦ y[:-1] is Π y_i (1 - z_i) (Stan reference manual).
    return tf.tidy(() => {
      if (lastDim(x, 'StickBreaking.logAbsDetJacobian') === 0) return tf.zeros(x.shape.slice(0, -1));
      const [logZ, log1mZ] = StickBreaking.logParts(x);
      const logRemain = cumsumLast(log1mZ, true);
      return tf.sum(tf.add(tf.add(logZ, logRemain), log1mZ), -1);
    });
  }
  override forwardShape(shape: readonly number[]): number[] {
    return [...shape.slice(0, -1), lastDim(shape, 'StickBreaking.forwardShape') + 1];
  }
  override inverseShape(shape: readonly number[]): number[] {
    return [...shape.slice(0, -1), lastDim(shape, 'StickBreaking.inverseShape') - 1];
  }
}

/** Onto increasing vectors: y_0 = x_0, y_i = y_{i-1} + exp(x_i). */
export class Ordered extends Transform {
  readonly name: string = 'Ordered';
  get domain(): Constraint {
    return realVector;
  }
  get codomain(): Constraint {
    return orderedVector;
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const k = lastDim(x, 'Ordered.forward');
      if (k < 2) return tf.clone(x);
      return cumsumLast(tf.concat([sliceLast(x, 0, 1), tf.exp(sliceLast(x, 1, k - 1))], -1));
    });
  }
  inverse(y: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const k = lastDim(y, 'Ordered.inverse');
      if (k < 2) return tf.clone(y);
      return tf.concat([sliceLast(y, 0, 1), tf.log(tf.sub(sliceLast(y, 1, k - 1), sliceLast(y, 0, k - 1)))], -1);
    });
  }
  logAbsDetJacobian(x: tf.Tensor, _y?: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const k = lastDim(x, 'Ordered.logAbsDetJacobian');
      return k < 2 ? tf.zeros(x.shape.slice(0, -1)) : tf.sum(sliceLast(x, 1, k - 1), -1);
    });
  }
}

/** Index of each packed coordinate (strict lower triangle row by row, then the diagonal) in the flat n×n matrix. */
const PACKED_POSITIONS = new Map<number, number[]>();
function packedPositions(n: number): number[] {
  let p = PACKED_POSITIONS.get(n);
  if (p === undefined) {
    p = [...trilIndices(n, -1).map(([i, j]) => i * n + j), ...Array.from({ length: n }, (_, i) => i * (n + 1))];
    PACKED_POSITIONS.set(n, p);
  }
  return p;
}

/** 0 for the packed strict-lower coordinates, 1 for the n diagonal ones (a tensor of a constant array: no kernel). */
function diagonalCoordinates(m: number, n: number): tf.Tensor {
  const a = new Float32Array(m);
  a.fill(1, m - n);
  return tf.tensor1d(a);
}

/**
 * n(n+1)/2 → n×n lower triangular with a positive diagonal; `positive64` maps the last n entries.
 * The forward map is one fused op: the matrix is filled in a JavaScript loop (no tfjs kernel,
 * where the composition of slices, a gather, exp and the diagonal embedding records a dozen ops
 * on the gradient tape), and the backward pass gathers the packed coordinates of the output
 * gradient and scales the diagonal ones by the positive map's derivative, in differentiable ops.
 * (The floor at FLOAT32_TINY is left out of the derivative: below it the derivative is itself
 * below FLOAT32_TINY.)
 */
abstract class LowerCholeskyBase extends Transform {
  /** The positive map of the diagonal, in double precision (the fused forward pass runs in JavaScript). */
  protected abstract positive64(x: number): number;
  /**
   * The factor of the gradient of each packed coordinate: 1 for the strict lower triangle, the
   * positive map's derivative on the diagonal. `diag` is 1 on the diagonal coordinates, else 0.
   */
  protected abstract gradientScale(x: tf.Tensor, diag: tf.Tensor): tf.Tensor;
  protected abstract positiveInverse(y: tf.Tensor): tf.Tensor;
  protected abstract positiveLogDet(x: tf.Tensor): tf.Tensor;
  get domain(): Constraint {
    return realVector;
  }
  get codomain(): Constraint {
    return lowerCholesky;
  }
  forward(x: tf.Tensor): tf.Tensor {
    const m = lastDim(x, `${this.name}.forward`);
    const n = matrixSizeFromVector(m, 0, `${this.name}.forward`);
    const lead = x.shape.slice(0, -1);
    if (x.size === 0) return tf.zeros([...lead, n, n]);
    const op = customOp((xt: tf.Tensor) => ({
      value: this.fill(xt, n),
      gradFunc: (dy, [xs]) => {
        const flat = tf.reshape(dy, [...lead, n * n]);
        return tf.mul(selectLast(flat, packedPositions(n)), this.gradientScale(xs!, diagonalCoordinates(m, n)));
      },
    }));
    return op(x);
  }
  /** The matrices from the packed vectors' data. */
  private fill(x: tf.Tensor, n: number): tf.Tensor {
    const m = (n * (n + 1)) / 2;
    const src = x.dataSync();
    const count = x.size / m;
    const out = new Float32Array(count * n * n);
    for (let b = 0; b < count; b++) {
      const xb = b * m;
      const ob = b * n * n;
      let k = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) out[ob + i * n + j] = src[xb + k++]!;
      for (let i = 0; i < n; i++) out[ob + i * (n + 1)] = Math.max(this.positive64(src[xb + m - n + i]!), FLOAT32_TINY);
    }
    return tf.tensor(out, [...x.shape.slice(0, -1), n, n], 'float32');
  }
  inverse(y: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      squareDim(y.shape, `${this.name}.inverse`);
      return tf.concat([trilToVec(y, -1), this.positiveInverse(matrixDiag(y))], -1);
    });
  }
  logAbsDetJacobian(x: tf.Tensor, _y?: tf.Tensor): tf.Tensor {
    // The Jacobian is diagonal: 1 for the off-diagonal entries, the positive map's derivative on the diagonal.
    return tf.tidy(() => {
      const m = lastDim(x, `${this.name}.logAbsDetJacobian`);
      const n = matrixSizeFromVector(m, 0, `${this.name}.logAbsDetJacobian`);
      return tf.sum(this.positiveLogDet(sliceLast(x, m - n, n)), -1);
    });
  }
  override forwardShape(shape: readonly number[]): number[] {
    const n = matrixSizeFromVector(lastDim(shape, `${this.name}.forwardShape`), 0, `${this.name}.forwardShape`);
    return [...shape.slice(0, -1), n, n];
  }
  override inverseShape(shape: readonly number[]): number[] {
    const n = squareDim(shape, `${this.name}.inverseShape`);
    return [...shape.slice(0, -2), (n * (n + 1)) / 2];
  }
}

/**
 * Unconstrained vector → lower Cholesky factor: the first n(n-1)/2 entries fill the strict lower
 * triangle row by row, the last n are the logs of the diagonal (NumPyro's layout).
 */
export class LowerCholesky extends LowerCholeskyBase {
  readonly name: string = 'LowerCholesky';
  protected positive64(x: number): number {
    return Math.exp(x);
  }
  protected gradientScale(x: tf.Tensor, diag: tf.Tensor): tf.Tensor {
    // exp(0) = 1 exactly on the strict coordinates, exp(x) on the diagonal ones.
    return tf.exp(tf.mul(x, diag));
  }
  protected positiveInverse(y: tf.Tensor): tf.Tensor {
    return tf.log(y);
  }
  protected positiveLogDet(x: tf.Tensor): tf.Tensor {
    return x;
  }
}

/** As LowerCholesky, with softplus instead of exp on the diagonal (gentler growth). */
export class SoftplusLowerCholesky extends LowerCholeskyBase {
  readonly name: string = 'SoftplusLowerCholesky';
  protected positive64(x: number): number {
    return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
  }
  protected gradientScale(x: tf.Tensor, diag: tf.Tensor): tf.Tensor {
    // sigmoid(x) on the diagonal coordinates (evaluated at 0 elsewhere, then replaced by 1).
    return tf.add(tf.mul(tf.sigmoid(tf.mul(x, diag)), diag), tf.sub(1, diag));
  }
  protected positiveInverse(y: tf.Tensor): tf.Tensor {
    return tf.add(y, tf.log(tf.neg(tf.expm1(tf.neg(y)))));
  }
  protected positiveLogDet(x: tf.Tensor): tf.Tensor {
    return tf.neg(softplus(tf.neg(x)));
  }
}

/**
 * Unconstrained vector of n(n-1)/2 → Cholesky factor of an n×n correlation matrix: tanh gives
 * partial correlations r in (-1, 1), laid out row by row in the strict lower triangle, and signed
 * stick breaking of each row gives y_ij = r_ij sqrt(Π_{k<j} (1 - r_ik²)), y_ii = sqrt(Π_{k<i} (1 - r_ik²)).
 * The log-Jacobian is taken onto the strict lower triangle of y, as NumPyro's.
 */
export class CorrCholesky extends Transform {
  readonly name: string = 'CorrCholesky';
  get domain(): Constraint {
    return realVector;
  }
  get codomain(): Constraint {
    return corrCholesky;
  }
  /** Row-wise log Π_{k<j}(1 - r_ik²) as a matrix, and log(1 - tanh²x) per entry. */
  private static logStick(x: tf.Tensor): [tf.Tensor, tf.Tensor] {
    // log(1 - tanh²x) = 2 (log 2 - x - softplus(-2x)), exact even where tanh(x) rounds to ±1.
    const l = tf.mul(2, tf.sub(tf.sub(Math.LN2, x), softplus(tf.mul(-2, x))));
    return [cumsumLast(vecToTril(l, -1), true), l];
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const n = matrixSizeFromVector(lastDim(x, 'CorrCholesky.forward'), -1, 'CorrCholesky.forward');
      const r = vecToTril(tf.tanh(x), -1);
      const [logShift] = CorrCholesky.logStick(x);
      return tf.mul(tf.add(r, tf.eye(n)), tf.exp(tf.mul(0.5, logShift)));
    });
  }
  inverse(y: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      squareDim(y.shape, 'CorrCholesky.inverse');
      // r_ij = y_ij / sqrt(Σ_{k>=j} y_ik²): the tail of the unit row, summed directly for accuracy.
      const tail = tf.maximum(cumsumLast(tf.square(y), false, true), FLOAT32_TINY);
      const r = trilToVec(tf.div(y, tf.sqrt(tail)), -1);
      return tf.atanh(tf.clipByValue(r, -1 + FLOAT32_EPS, 1 - FLOAT32_EPS));
    });
  }
  logAbsDetJacobian(x: tf.Tensor, _y?: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const n = matrixSizeFromVector(lastDim(x, 'CorrCholesky.logAbsDetJacobian'), -1, 'CorrCholesky.logAbsDetJacobian');
      const [logShift, l] = CorrCholesky.logStick(x);
      // Stick breaking scales r_ij by sqrt(Π_{k<j}(1 - r_ik²)); tanh contributes log(1 - tanh²x).
      const stick = tf.mul(0.5, tf.sum(tf.mul(logShift, bandMask(n, -n, -1)), [-2, -1]));
      return tf.add(stick, tf.sum(l, -1));
    });
  }
  override forwardShape(shape: readonly number[]): number[] {
    const n = matrixSizeFromVector(lastDim(shape, 'CorrCholesky.forwardShape'), -1, 'CorrCholesky.forwardShape');
    return [...shape.slice(0, -1), n, n];
  }
  override inverseShape(shape: readonly number[]): number[] {
    const n = squareDim(shape, 'CorrCholesky.inverseShape');
    return [...shape.slice(0, -2), (n * (n - 1)) / 2];
  }
}

/**
 * Cholesky factors of a batch of matrices in double precision, read back from the tensor. tfjs
 * has no Cholesky op, so this path has no gradient; bijectTo only uses it to go from a
 * constrained value back to unconstrained space (initial values).
 */
function choleskyNoGrad(x: tf.Tensor, where: string): tf.Tensor {
  const n = squareDim(x.shape, where);
  const data = x.dataSync();
  const out = new Float32Array(data.length);
  for (let off = 0; off < data.length; off += n * n) {
    const l = choleskyF64(data, n, off);
    if (l === undefined) throw new ValueError(`${where}: matrix is not positive definite (shape ${fmtShape(x.shape)})`);
    out.set(l, off);
  }
  return tf.tensor(out, x.shape, 'float32');
}

/** L Lᵀ. */
function outer(l: tf.Tensor): tf.Tensor {
  return tf.matMul(l, l, false, true);
}

/**
 * Positive-definite matrix → its lower Cholesky factor. The forward direction reads values back
 * (no gradient); the inverse L ↦ L Lᵀ is differentiable, and is what `bijectTo(positiveDefinite)` uses.
 */
export class Cholesky extends Transform {
  readonly name: string = 'Cholesky';
  get domain(): Constraint {
    return positiveDefinite;
  }
  get codomain(): Constraint {
    return lowerCholesky;
  }
  forward(x: tf.Tensor): tf.Tensor {
    return choleskyNoGrad(x, 'Cholesky.forward');
  }
  inverse(y: tf.Tensor): tf.Tensor {
    return outer(y);
  }
  logAbsDetJacobian(x: tf.Tensor, y?: tf.Tensor): tf.Tensor {
    // Onto the lower triangles: log|d vech(L) / d vech(X)| = -n log 2 - Σ_i (n - i) log L_ii (i from 0).
    return tf.tidy(() => {
      const l = y ?? this.forward(x);
      const n = squareDim(l.shape, 'Cholesky.logAbsDetJacobian');
      const order = tf.tensor1d(Float32Array.from({ length: n }, (_, i) => n - i));
      return tf.sub(tf.neg(tf.sum(tf.mul(order, tf.log(matrixDiag(l))), -1)), n * Math.LN2);
    });
  }
}

/**
 * Correlation matrix → its Cholesky factor (unit-norm rows); as Cholesky, the forward direction
 * has no gradient and bijectTo(corrMatrix) uses the inverse L ↦ L Lᵀ.
 */
export class CorrMatrixCholesky extends Transform {
  readonly name: string = 'CorrMatrixCholesky';
  get domain(): Constraint {
    return corrMatrix;
  }
  get codomain(): Constraint {
    return corrCholesky;
  }
  forward(x: tf.Tensor): tf.Tensor {
    return choleskyNoGrad(x, 'CorrMatrixCholesky.forward');
  }
  inverse(y: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const c = outer(y);
      // L Lᵀ of a unit-row factor has a unit diagonal up to rounding; set it exactly.
      const n = squareDim(y.shape, 'CorrMatrixCholesky.inverse');
      const off = tf.sub(1, tf.eye(n));
      return tf.add(tf.mul(c, off), tf.eye(n));
    });
  }
  logAbsDetJacobian(x: tf.Tensor, y?: tf.Tensor): tf.Tensor {
    // Onto the strict lower triangles: -Σ_i (n - 1 - i) log L_ii (LKJ's change of variables).
    return tf.tidy(() => {
      const l = y ?? this.forward(x);
      const n = squareDim(l.shape, 'CorrMatrixCholesky.logAbsDetJacobian');
      const order = tf.tensor1d(Float32Array.from({ length: n }, (_, i) => n - 1 - i));
      return tf.neg(tf.sum(tf.mul(order, tf.log(matrixDiag(l))), -1));
    });
  }
}
