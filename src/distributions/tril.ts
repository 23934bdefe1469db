/**
 * Helpers for lower-triangular matrices stored as vectors, in NumPyro's layout: the entries of
 * the lower triangle in row-major order ((0,0), (1,0), (1,1), (2,0), …), or of the strict lower
 * triangle when `diagonal` is -1. tfjs has no scatter with a gradient, so packing and unpacking
 * gather along the last axis.
 */
import * as tf from '@tensorflow/tfjs';

import { ValueError } from '../kernel/errors.js';

/** Row-major (row, col) pairs of the lower triangle with col <= row + diagonal (diagonal 0 or -1). */
export function trilIndices(n: number, diagonal = 0): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j <= i + diagonal; j++) out.push([i, j]);
  return out;
}

/** n with n(n+1)/2 = m (diagonal 0) or n(n-1)/2 = m (diagonal -1); throws when m is not such a size. */
export function matrixSizeFromVector(m: number, diagonal: number, where: string): number {
  const n = Math.round((Math.sqrt(1 + 8 * m) - 1) / 2) - diagonal;
  if (((n + diagonal) * (n + diagonal + 1)) / 2 !== m) {
    const what = diagonal === 0 ? 'n(n+1)/2' : 'n(n-1)/2';
    throw new ValueError(`${where}: the last dim must be ${what} for some n, got ${m}`);
  }
  return n;
}

// Above this many entries in the 0/1 selection matrix, use tf.gather even on wasm.
const MATMUL_SELECT_LIMIT = 1 << 16;

/**
 * `x[..., idx]` for a constant index list; differentiable. On wasm, tf.gather's gradient needs a
 * kernel that backend lacks (UnsortedSegmentSum), so small selections there are a matMul with a
 * constant 0/1 matrix instead (which turns a non-finite entry into NaN across its row).
 */
export function selectLast(x: tf.Tensor, idx: readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    const m = x.shape[x.rank - 1]!;
    const k = idx.length;
    const lead = x.shape.slice(0, x.rank - 1);
    if (tf.getBackend() === 'wasm' && m * k <= MATMUL_SELECT_LIMIT) {
      const sel = new Float32Array(m * k);
      idx.forEach((src, j) => {
        sel[src * k + j] = 1;
      });
      const flat = tf.reshape(x, [-1, m]);
      return tf.reshape(tf.matMul(flat, tf.tensor2d(sel, [m, k])), [...lead, k]);
    }
    return tf.gather(x, tf.tensor1d(Int32Array.from(idx), 'int32'), x.rank - 1);
  });
}

/** Vector (last dim m) to an n×n lower-triangular matrix with zeros elsewhere. */
export function vecToTril(v: tf.Tensor, diagonal = 0): tf.Tensor {
  return tf.tidy(() => {
    const m = v.shape[v.rank - 1]!;
    const n = matrixSizeFromVector(m, diagonal, 'vecToTril');
    // Index into [0, v...]: position 0 is the zero used for every entry outside the triangle.
    const map = new Array<number>(n * n).fill(0);
    trilIndices(n, diagonal).forEach(([i, j], k) => {
      map[i * n + j] = k + 1;
    });
    const padded = tf.concat([tf.zeros([...v.shape.slice(0, v.rank - 1), 1]), v], v.rank - 1);
    const flat = selectLast(padded, map);
    return tf.reshape(flat, [...v.shape.slice(0, v.rank - 1), n, n]);
  });
}

/** The lower triangle (diagonal 0) or strict lower triangle (-1) of `x` as a vector, row-major. */
export function trilToVec(x: tf.Tensor, diagonal = 0): tf.Tensor {
  return tf.tidy(() => {
    const n = x.shape[x.rank - 1]!;
    const lead = x.shape.slice(0, x.rank - 2);
    const flat = tf.reshape(x, [...lead, n * n]);
    return selectLast(
      flat,
      trilIndices(n, diagonal).map(([i, j]) => i * n + j),
    );
  });
}

/** The diagonal of the last two dims. */
export function matrixDiag(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const n = x.shape[x.rank - 1]!;
    const flat = tf.reshape(x, [...x.shape.slice(0, x.rank - 2), n * n]);
    return selectLast(
      flat,
      Array.from({ length: n }, (_, i) => i * n + i),
    );
  });
}

/** A constant n×n 0/1 mask: 1 where col - row is in [lo, hi]. */
export function bandMask(n: number, lo: number, hi: number): tf.Tensor {
  const m = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (j - i >= lo && j - i <= hi) m[i * n + j] = 1;
  return tf.tensor2d(m, [n, n]);
}

/** The transpose of the last two dims. */
export function matrixTranspose(x: tf.Tensor): tf.Tensor {
  const perm = Array.from({ length: x.rank }, (_, i) => i);
  perm[x.rank - 2] = x.rank - 1;
  perm[x.rank - 1] = x.rank - 2;
  return tf.transpose(x, perm);
}

/**
 * Cholesky factor of one symmetric n×n matrix (row-major, double precision), or undefined when it
 * is not numerically positive definite. Used by checks and by inverse maps that need no gradient.
 */
export function choleskyF64(a: ArrayLike<number>, n: number, offset = 0): Float64Array | undefined {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a[offset + j * n + j]!;
    for (let k = 0; k < j; k++) d -= l[j * n + k]! ** 2;
    if (!(d > 0)) return undefined;
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[offset + i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = s / ljj;
    }
  }
  return l;
}
