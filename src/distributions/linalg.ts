/**
 * Dense linear algebra that tfjs lacks, batched over leading dims: Cholesky factorisation,
 * triangular solves and what is built from them. The factorisation and the solves run as
 * double-precision JavaScript loops inside tf.customGrad (one read of the inputs per call);
 * their backward passes are written with tfjs ops (matMul and these same solves), so gradients
 * can themselves be differentiated.
 *
 * References: I. Murray, "Differentiation of the Cholesky decomposition", arXiv:1602.07527 (2016);
 * M. Giles, "An extended collection of matrix derivative results for forward and reverse mode
 * algorithmic differentiation" (2008).
 */
import * as tf from '@tensorflow/tfjs';

import { NumericalError, ValueError, fmtShape } from '../kernel/errors.js';
import { customOp, sumToShape } from './grad-utils.js';
import { broadcastShapes, sameShape, shapeSize } from './tensor-like.js';

/** Options of {@link triangularSolve}. */
export interface TriangularSolveOptions {
  /** The matrix is lower triangular (else upper); the other triangle is never read. @defaultValue true */
  readonly lower?: boolean;
  /** Solve with the transpose (adjoint, for real matrices) of the matrix. @defaultValue false */
  readonly transpose?: boolean;
}

/** Swaps the last two dims. */
export function matrixTranspose(x: tf.Tensor): tf.Tensor {
  const perm = Array.from({ length: x.rank }, (_, i) => i);
  perm[x.rank - 2] = x.rank - 1;
  perm[x.rank - 1] = x.rank - 2;
  return tf.transpose(x, perm);
}

/** The diagonals of a batch of square matrices, shape [..., n] (multiplies by a constant identity, so it is differentiable). */
export function diagPart(x: tf.Tensor): tf.Tensor {
  const n = x.shape[x.rank - 1]!;
  return tf.tidy(() => tf.sum(tf.mul(x, tf.eye(n)), -1));
}

/** Square matrices with `v` ([..., n]) on the diagonal, shape [..., n, n]. */
export function diagEmbed(v: tf.Tensor): tf.Tensor {
  const n = v.shape[v.rank - 1]!;
  return tf.tidy(() => tf.mul(tf.expandDims(v, -1), tf.eye(n)));
}

/** A constant [n, n] 0/1 mask of the lower (or upper) triangle, diagonal included. */
export function triangleMask(n: number, lower = true): tf.Tensor {
  const m = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (lower ? j <= i : j >= i) m[i * n + j] = 1;
  return tf.tensor2d(m, [n, n]);
}

/** The lower (or upper) triangle of each matrix, the rest set to 0; differentiable. */
export function tril(x: tf.Tensor, lower = true): tf.Tensor {
  const n = x.shape[x.rank - 1]!;
  return tf.tidy(() => tf.mul(x, triangleMask(n, lower)));
}

function checkSquare(where: string, a: tf.Tensor): number {
  const n = a.shape[a.rank - 1];
  if (a.rank < 2 || n !== a.shape[a.rank - 2]) {
    throw new ValueError(`${where}: expected a batch of square matrices of shape [..., n, n], got shape ${fmtShape(a.shape)}`);
  }
  return n!;
}

/** For each index of the broadcast batch shape, the flat batch index into an operand of shape `shape`. */
export function batchOffsets(batch: readonly number[], shape: readonly number[]): Int32Array {
  const total = shapeSize(batch);
  const out = new Int32Array(total);
  const lead = batch.length - shape.length;
  const strides = new Array<number>(batch.length).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1) strides[i + lead] = s;
    s *= shape[i]!;
  }
  for (let idx = 0; idx < total; idx++) {
    let rem = idx;
    let off = 0;
    for (let d = batch.length - 1; d >= 0; d--) {
      const size = batch[d]!;
      off += (rem % size) * strides[d]!;
      rem = Math.floor(rem / size);
    }
    out[idx] = off;
  }
  return out;
}

function choleskyForward(a: tf.Tensor, n: number): tf.Tensor {
  const src = a.dataSync();
  const count = a.size / (n * n);
  const out = new Float32Array(a.size);
  const l = new Float64Array(n * n);
  for (let b = 0; b < count; b++) {
    const base = b * n * n;
    l.fill(0);
    for (let j = 0; j < n; j++) {
      // Only the lower triangle of the input is read, as in LAPACK's potrf.
      let d = src[base + j * n + j]!;
      for (let k = 0; k < j; k++) d -= l[j * n + k]! * l[j * n + k]!;
      if (!(d > 0)) {
        throw new NumericalError(
          `cholesky: matrix ${count > 1 ? `${b} of the batch ` : ''}(shape ${fmtShape(a.shape)}) is not positive definite: ` +
            `pivot ${j} of ${n} is ${d}. Add jitter to the diagonal (e.g. A + 1e-6 * I, larger for float32 with large entries) ` +
            'or check that the matrix is symmetric positive definite and finite',
        );
      }
      const ljj = Math.sqrt(d);
      l[j * n + j] = ljj;
      for (let i = j + 1; i < n; i++) {
        let s = src[base + i * n + j]!;
        for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
        l[i * n + j] = s / ljj;
      }
    }
    for (let i = 0; i < n * n; i++) out[base + i] = l[i]!;
  }
  return tf.tensor(out, a.shape, 'float32');
}

function solveForward(a: tf.Tensor, b: tf.Tensor, lower: boolean, transpose: boolean): tf.Tensor {
  const n = a.shape[a.rank - 1]!;
  const k = b.shape[b.rank - 1]!;
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2))!;
  const offA = batchOffsets(batch, a.shape.slice(0, -2));
  const offB = batchOffsets(batch, b.shape.slice(0, -2));
  const av = a.dataSync();
  const bv = b.dataSync();
  const out = new Float32Array(shapeSize(batch) * n * k);
  const x = new Float64Array(n * k);
  // Solving with the transpose of a lower matrix is a backward substitution, like an upper one.
  const forwardSweep = lower !== transpose;
  // Entry (i, j) of op(A), where op is the identity or the transpose.
  const entry = (base: number, i: number, j: number): number => (transpose ? av[base + j * n + i]! : av[base + i * n + j]!);
  for (let t = 0; t < offA.length; t++) {
    const aBase = offA[t]! * n * n;
    const bBase = offB[t]! * n * k;
    for (let i = 0; i < n * k; i++) x[i] = bv[bBase + i]!;
    for (let step = 0; step < n; step++) {
      const i = forwardSweep ? step : n - 1 - step;
      const lo = forwardSweep ? 0 : i + 1;
      const hi = forwardSweep ? i : n;
      for (let j = lo; j < hi; j++) {
        const aij = entry(aBase, i, j);
        if (aij === 0) continue;
        for (let c = 0; c < k; c++) x[i * k + c]! -= aij * x[j * k + c]!;
      }
      const d = entry(aBase, i, i);
      for (let c = 0; c < k; c++) x[i * k + c] = x[i * k + c]! / d;
    }
    out.set(x, t * n * k);
  }
  return tf.tensor(out, [...batch, n, k], 'float32');
}

/** The solve for A and B whose batch dims have equal rank (broadcasting size-1 dims). */
function solveCore(a: tf.Tensor, b: tf.Tensor, lower: boolean, transpose: boolean): tf.Tensor {
  const op = customOp((at: tf.Tensor, bt: tf.Tensor) => ({
    value: solveForward(at, bt, lower, transpose),
    gradFunc: (dy: tf.Tensor, [as, bs]: tf.Tensor[]) => {
      // X = op(A)^-1 B:  dB = op(A)^-T dX;  dA = -dB X^T (op = I) or -X dB^T (op = T), kept to A's triangle.
      const [aa, bb] = [as!, bs!];
      const x = solveCore(aa, bb, lower, transpose);
      const gb = solveCore(aa, dy, lower, !transpose);
      const n = aa.shape[aa.rank - 1]!;
      const full = transpose ? tf.matMul(x, gb, false, true) : tf.matMul(gb, x, false, true);
      const ga = tf.neg(tf.mul(full, triangleMask(n, lower)));
      return [sumToShape(ga, aa.shape), sumToShape(gb, bb.shape)];
    },
  }));
  return op(a, b);
}

/**
 * Solves op(A) X = B for triangular A, where op is the identity or the transpose; batched with
 * broadcasting of the leading dims. Dims of B beyond those of A are folded into the columns, so
 * a single [n, n] matrix against many right-hand sides is one solve (and its gradient with
 * respect to A is never materialised per right-hand side).
 * @param a - triangular matrices, shape [..., n, n]
 * @param b - right-hand sides, shape [..., n, k]
 * @returns X, shape broadcast(batch dims) ++ [n, k]
 * @throws {ValueError} when the shapes do not fit
 */
export function triangularSolve(a: tf.Tensor, b: tf.Tensor, options: TriangularSolveOptions = {}): tf.Tensor {
  const lower = options.lower ?? true;
  const transpose = options.transpose ?? false;
  const n = checkSquare('triangularSolve', a);
  if (b.rank < 2 || b.shape[b.rank - 2] !== n) {
    throw new ValueError(
      `triangularSolve: right-hand side must have shape [..., ${n}, k] for a matrix of shape ${fmtShape(a.shape)}, got ${fmtShape(b.shape)}`,
    );
  }
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  if (broadcastShapes(batchA, batchB) === undefined) {
    throw new ValueError(`triangularSolve: batch shapes ${fmtShape(batchA)} and ${fmtShape(batchB)} do not broadcast`);
  }
  return withFoldedColumns(a, b, (aa, bb) => solveCore(aa, bb, lower, transpose));
}

/**
 * Applies `f(a, b')` (a per-matrix op, like a solve or a product, mapping [..., n, k] to
 * [..., m, k]) where the dims of `b` beyond `a`'s batch rank are folded into the columns of b'
 * and unfolded again in the result. This is how one [n, n] matrix meets many right-hand sides
 * without being broadcast to (and differentiated at) one copy per right-hand side.
 */
function withFoldedColumns(a: tf.Tensor, b: tf.Tensor, f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): tf.Tensor {
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const lead = batchB.length - batchA.length;
  if (lead <= 0) {
    const bb = lead < 0 ? tf.reshape(b, [...new Array<number>(-lead).fill(1), ...b.shape]) : b;
    return f(a, bb);
  }
  return tf.tidy(() => {
    // B: [L..., T..., n, k] -> [T..., n, L..., k] -> [T..., n, prod(L) k]
    const leadShape = batchB.slice(0, lead);
    const n = b.shape[b.rank - 2]!;
    const k = b.shape[b.rank - 1]!;
    const t = batchB.length - lead;
    const perm = [...Array.from({ length: t }, (_, i) => lead + i), lead + t, ...leadShape.map((_, i) => i), lead + t + 1];
    const folded = tf.reshape(tf.transpose(b, perm), [...batchB.slice(lead), n, shapeSize(leadShape) * k]);
    const x = f(a, folded);
    const xTail = x.shape.slice(0, -2);
    const m = x.shape[x.rank - 2]!;
    const unfolded = tf.reshape(x, [...xTail, m, ...leadShape, k]);
    const back = [...leadShape.map((_, i) => t + 1 + i), ...xTail.map((_, i) => i), t, t + 1 + lead];
    return tf.transpose(unfolded, back);
  });
}

/**
 * Batched matrix product A B with numpy broadcasting of the batch dims. tf.matMul broadcasts in
 * its forward pass but its gradient fails for broadcast inputs; here B's extra leading dims are
 * folded into columns and the remaining batch dims are broadcast explicitly.
 * @param a - shape [..., n, m]
 * @param b - shape [..., m, k]
 * @returns shape broadcast(batch dims) ++ [n, k]
 * @throws {ValueError} when the shapes do not fit
 */
export function batchMatMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const m = a.shape[a.rank - 1];
  if (a.rank < 2 || b.rank < 2 || b.shape[b.rank - 2] !== m) {
    throw new ValueError(`batchMatMul: expected shapes [..., n, m] and [..., m, k], got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  if (batch === undefined) {
    throw new ValueError(`batchMatMul: batch shapes of ${fmtShape(a.shape)} and ${fmtShape(b.shape)} do not broadcast`);
  }
  return withFoldedColumns(a, b, (aa, bb) =>
    tf.tidy(() => {
      const common = broadcastShapes(aa.shape.slice(0, -2), bb.shape.slice(0, -2))!;
      const ab = sameShape(aa.shape.slice(0, -2), common) ? aa : tf.broadcastTo(aa, [...common, ...aa.shape.slice(-2)]);
      const bbb = sameShape(bb.shape.slice(0, -2), common) ? bb : tf.broadcastTo(bb, [...common, ...bb.shape.slice(-2)]);
      return tf.matMul(ab, bbb);
    }),
  );
}

/**
 * Batched matrix-vector product with broadcasting: [..., n, m] times [..., m] gives [..., n].
 * @throws {ValueError} when the shapes do not fit
 */
export function matvec(a: tf.Tensor, v: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.squeeze(batchMatMul(a, tf.expandDims(v, -1)), [-1]));
}

/**
 * The lower Cholesky factor L of symmetric positive definite matrices A = L L^T (only the lower
 * triangle of A is read). The gradient is symmetrised: it treats A as symmetric.
 * @param a - shape [..., n, n]
 * @returns L, shape [..., n, n], zero above the diagonal
 * @throws {NumericalError} when a matrix is not positive definite (or holds NaN)
 */
export function cholesky(a: tf.Tensor): tf.Tensor {
  const n = checkSquare('cholesky', a);
  const op = customOp((at: tf.Tensor) => ({
    value: choleskyForward(at, n),
    gradFunc: (dy: tf.Tensor, [as]: tf.Tensor[]) =>
      tf.tidy(() => {
        // Murray (2016): dA = sym(L^-T Phi(L^T dL) L^-1), Phi = lower triangle with half the diagonal.
        const l = cholesky(as!);
        const phiMask = tf.sub(triangleMask(n), tf.mul(0.5, tf.eye(n)));
        const p = tf.mul(tf.matMul(l, dy, true, false), phiMask);
        const m = triangularSolve(l, p, { transpose: true }); // L^-T P
        const s = matrixTranspose(triangularSolve(l, matrixTranspose(m), { transpose: true })); // L^-T P L^-1
        return tf.mul(0.5, tf.add(s, matrixTranspose(s)));
      }),
  }));
  return op(a);
}

/**
 * Solves (L L^T) X = B given the Cholesky factor L.
 * @param l - lower Cholesky factors, shape [..., n, n]
 * @param b - right-hand sides, shape [..., n, k]
 */
export function choleskySolve(l: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.tidy(() => triangularSolve(l, triangularSolve(l, b), { transpose: true }));
}

/** log det(L L^T) = 2 sum log diag(L), shape [...]. */
export function logDetFromCholesky(l: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(2, tf.sum(tf.log(diagPart(l)), -1)));
}

/** (L L^T)^-1 from the Cholesky factor L, shape [..., n, n]. */
export function choleskyInverse(l: tf.Tensor): tf.Tensor {
  const n = checkSquare('choleskyInverse', l);
  return tf.tidy(() => choleskySolve(l, tf.eye(n)));
}

/** The inverse of triangular matrices, shape [..., n, n] (triangular like the input). */
export function triangularInverse(l: tf.Tensor, options: { readonly lower?: boolean } = {}): tf.Tensor {
  const n = checkSquare('triangularInverse', l);
  return tf.tidy(() => triangularSolve(l, tf.eye(n), { lower: options.lower ?? true }));
}
