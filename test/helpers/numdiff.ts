/**
 * Double-precision numerical differentiation for checking log-Jacobians: a central-difference
 * Jacobian of a plain-JS function and log|det| by LU with partial pivoting.
 */

/** Central-difference Jacobian J[i][j] = d f_i / d x_j of f: R^n → R^m, step h (double precision). */
export function jacobianFD(f: (x: number[]) => number[], x: readonly number[], h = 1e-6): number[][] {
  const m = f([...x]).length;
  const jac: number[][] = Array.from({ length: m }, () => new Array<number>(x.length).fill(0));
  for (let j = 0; j < x.length; j++) {
    const xp = [...x];
    const xm = [...x];
    xp[j]! += h;
    xm[j]! -= h;
    const fp = f(xp);
    const fm = f(xm);
    for (let i = 0; i < m; i++) jac[i]![j] = (fp[i]! - fm[i]!) / (2 * h);
  }
  return jac;
}

/** log|det A| of a square matrix by Gaussian elimination with partial pivoting. */
export function logAbsDet(a: readonly (readonly number[])[]): number {
  const n = a.length;
  const m = a.map((r) => [...r]);
  let out = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i]![k]!) > Math.abs(m[p]![k]!)) p = i;
    [m[k], m[p]] = [m[p]!, m[k]!];
    const piv = m[k]![k]!;
    if (piv === 0) return -Infinity;
    out += Math.log(Math.abs(piv));
    for (let i = k + 1; i < n; i++) {
      const f = m[i]![k]! / piv;
      for (let j = k; j < n; j++) m[i]![j]! -= f * m[k]![j]!;
    }
  }
  return out;
}

/** Row-major lower-triangle (diagonal 0) or strict lower-triangle (-1) entries of an n×n matrix. */
export function trilVec(mat: readonly number[], n: number, diagonal = 0): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j <= i + diagonal; j++) out.push(mat[i * n + j]!);
  return out;
}

/** n×n row-major matrix from its lower-triangle vector (zeros above). */
export function trilFromVec(v: readonly number[], n: number, diagonal = 0): number[] {
  const out = new Array<number>(n * n).fill(0);
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j <= i + diagonal; j++) out[i * n + j] = v[k++]!;
  return out;
}

/** A Aᵀ for an n×n row-major matrix. */
export function outerSelf(a: readonly number[], n: number): number[] {
  const out = new Array<number>(n * n).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += a[i * n + k]! * a[j * n + k]!;
    out[i * n + j] = s;
  }
  return out;
}
