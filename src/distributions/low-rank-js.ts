/**
 * Double-precision JS helpers of the fused low-rank Gaussian ops (low-rank-mvn-ops.ts,
 * low-rank-draw.ts): a d×r factor held column by column, its r×r Gram matrix, and the Cholesky
 * factorisation and inverse of that small matrix. The d×r work is written as contiguous loops
 * over columns (dot products and column updates), which V8 runs several times faster than loops
 * over rows of r entries.
 */
import { NumericalError, fmtShape } from '../kernel/errors.js';

/** The columns of the row-major d×r matrix `w`, column p at [p·d, (p+1)·d), in double precision. */
export function columnsOf(w: ArrayLike<number>, d: number, r: number): Float64Array {
  const cols = new Float64Array(d * r);
  for (let i = 0; i < d; i++) for (let p = 0; p < r; p++) cols[p * d + i] = w[i * r + p]!;
  return cols;
}

/**
 * The lower triangle (row-major r×r, upper left 0) of I + Wᵀ diag(a) W for W given by columns,
 * with a = 1 when `weights` is omitted. Two dot products share each pass over column p.
 */
export function capacitance(cols: Float64Array, d: number, r: number, weights?: Float64Array): Float64Array {
  const l = new Float64Array(r * r);
  let scaled = cols;
  if (weights !== undefined) {
    scaled = new Float64Array(d * r);
    for (let p = 0; p < r; p++) for (let i = 0; i < d; i++) scaled[p * d + i] = cols[p * d + i]! * weights[i]!;
  }
  for (let p = 0; p < r; p++) {
    const op = p * d;
    let q = 0;
    for (; q + 1 <= p; q += 2) {
      const o0 = q * d;
      const o1 = o0 + d;
      let s0 = 0;
      let s1 = 0;
      for (let i = 0; i < d; i++) {
        const a = scaled[op + i]!;
        s0 += a * cols[o0 + i]!;
        s1 += a * cols[o1 + i]!;
      }
      l[p * r + q] = s0;
      l[p * r + q + 1] = s1;
    }
    if (q === p) {
      let s = 0;
      for (let i = 0; i < d; i++) s += scaled[op + i]! * cols[op + i]!;
      l[p * r + p] = s;
    }
    l[p * r + p]! += 1;
  }
  return l;
}

/** Σ_i cols[p·d + i] v[off + i] for each column p, into out[0..r). */
export function columnDots(cols: Float64Array, d: number, r: number, v: ArrayLike<number>, off: number, out: Float64Array): void {
  for (let p = 0; p < r; p++) {
    const op = p * d;
    let s = 0;
    for (let i = 0; i < d; i++) s += cols[op + i]! * v[off + i]!;
    out[p] = s;
  }
}

/** y[off + i] += scale · Σ_p cols[p·d + i] c[p]: a combination of the columns added to y. */
export function addColumns(cols: Float64Array, d: number, r: number, c: ArrayLike<number>, cOff: number, scale: number, y: Float64Array, off: number): void {
  for (let p = 0; p < r; p++) {
    const f = scale * c[cOff + p]!;
    if (f === 0) continue;
    const op = p * d;
    for (let i = 0; i < d; i++) y[off + i]! += f * cols[op + i]!;
  }
}

/**
 * In-place lower Cholesky factor of the r×r matrix `a` (lower triangle read, upper set to 0).
 * @throws {NumericalError} naming LowRankMultivariateNormal when `a` is not positive definite
 */
export function choleskyInPlace(a: Float64Array, r: number, factorShape: readonly number[], what: string): void {
  for (let j = 0; j < r; j++) {
    let t = a[j * r + j]!;
    for (let k = 0; k < j; k++) t -= a[j * r + k]! ** 2;
    if (!(t > 0)) {
      throw new NumericalError(
        `LowRankMultivariateNormal: ${what} (covariance factor of shape ${fmtShape(factorShape)}) is not positive definite ` +
          `(pivot ${j} is ${t}). Check that the diagonal is positive and that all parameters are finite`,
      );
    }
    const ljj = Math.sqrt(t);
    a[j * r + j] = ljj;
    for (let i = j + 1; i < r; i++) {
      let u = a[i * r + j]!;
      for (let k = 0; k < j; k++) u -= a[i * r + k]! * a[j * r + k]!;
      a[i * r + j] = u / ljj;
    }
    for (let k = j + 1; k < r; k++) a[j * r + k] = 0;
  }
}

/** Solves L y = v then Lᵀ c = y in place in v (so v becomes C⁻¹v); returns |y|² = vᵀC⁻¹v. */
export function choleskySolveInPlace(l: Float64Array, r: number, v: Float64Array): number {
  let yy = 0;
  for (let p = 0; p < r; p++) {
    let t = v[p]!;
    for (let q = 0; q < p; q++) t -= l[p * r + q]! * v[q]!;
    v[p] = t / l[p * r + p]!;
    yy += v[p]! ** 2;
  }
  for (let p = r - 1; p >= 0; p--) {
    let t = v[p]!;
    for (let q = p + 1; q < r; q++) t -= l[q * r + p]! * v[q]!;
    v[p] = t / l[p * r + p]!;
  }
  return yy;
}

/** Σ_p log L_pp. */
export function halfLogDet(l: Float64Array, r: number): number {
  let s = 0;
  for (let p = 0; p < r; p++) s += Math.log(l[p * r + p]!);
  return s;
}

/** C⁻¹ = L⁻ᵀ L⁻¹ (r×r row-major, float32) from the lower Cholesky factor L of C. */
export function inverseFromCholesky(l: Float64Array, r: number): Float32Array {
  const linv = new Float64Array(r * r);
  for (let j = 0; j < r; j++) {
    for (let p = j; p < r; p++) {
      let t = p === j ? 1 : 0;
      for (let q = j; q < p; q++) t -= l[p * r + q]! * linv[q * r + j]!;
      linv[p * r + j] = t / l[p * r + p]!;
    }
  }
  const out = new Float32Array(r * r);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j <= i; j++) {
      let t = 0;
      for (let k = i; k < r; k++) t += linv[k * r + i]! * linv[k * r + j]!;
      out[i * r + j] = t;
      out[j * r + i] = t;
    }
  }
  return out;
}
