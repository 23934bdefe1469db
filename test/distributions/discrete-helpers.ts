/**
 * Statistical checks shared by the discrete-family specs. Every bound is derived from a standard
 * error or a chi-square quantile at a false-failure rate of about 1e-4 per assertion.
 */
import { expect } from 'chai';

/** Standard normal quantile for a two-sided 6.3e-5 false-failure rate (K = 4 standard errors). */
export const K = 4;

/** Upper 1e-4 quantile of chi-square with `df` degrees of freedom (Wilson–Hilferty approximation). */
export function chiSquareCritical(df: number): number {
  const z = 3.719; // upper 1e-4 normal quantile
  const a = 2 / (9 * df);
  return df * (1 - a + z * Math.sqrt(a)) ** 3;
}

/**
 * Pearson chi-square goodness of fit of integer draws against a pmf on 0..kmax. Cells with an
 * expected count below 5 are pooled with their neighbours (and the tail beyond kmax forms one
 * more cell) so the chi-square approximation holds.
 */
export function expectMatchesPmf(draws: ArrayLike<number>, pmf: (k: number) => number, kmax: number, label = ''): void {
  const n = draws.length;
  const counts = new Float64Array(kmax + 2);
  let bad: number | undefined;
  for (let i = 0; i < n; i++) {
    const x = draws[i]!;
    if (!(Number.isInteger(x) && x >= 0)) bad ??= x;
    else counts[Math.min(x, kmax + 1)]! += 1;
  }
  expect(bad, `${label} a draw that is not a non-negative integer`).to.equal(undefined);
  const expected: number[] = [];
  let massSoFar = 0;
  for (let k = 0; k <= kmax; k++) {
    expected.push(n * pmf(k));
    massSoFar += pmf(k);
  }
  expected.push(n * Math.max(0, 1 - massSoFar));
  // Pool adjacent cells until each pooled cell expects >= 5 draws.
  const obsCells: number[] = [];
  const expCells: number[] = [];
  let o = 0;
  let e = 0;
  for (let k = 0; k < expected.length; k++) {
    o += counts[k]!;
    e += expected[k]!;
    if (e >= 5) {
      obsCells.push(o);
      expCells.push(e);
      o = 0;
      e = 0;
    }
  }
  if (e > 0 || o > 0) {
    if (expCells.length === 0) {
      obsCells.push(o);
      expCells.push(e);
    } else {
      obsCells[obsCells.length - 1]! += o;
      expCells[expCells.length - 1]! += e;
    }
  }
  let chi2 = 0;
  for (let c = 0; c < obsCells.length; c++) {
    const ec = expCells[c]!;
    if (ec === 0) {
      expect(obsCells[c], `${label} draws in a zero-probability cell`).to.equal(0);
      continue;
    }
    chi2 += (obsCells[c]! - ec) ** 2 / ec;
  }
  const df = Math.max(1, obsCells.length - 1);
  expect(chi2, `${label} chi-square over ${obsCells.length} cells`).to.be.at.most(chiSquareCritical(df));
}

/** Sample mean, variance and the plug-in standard errors of both (SE of s² from the 4th central moment). */
export function momentsWithSE(xs: ArrayLike<number>): { mean: number; variance: number; seMean: number; seVar: number } {
  const n = xs.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += xs[i]!;
  m /= n;
  let m2 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = (xs[i]! - m) ** 2;
    m2 += d;
    m4 += d * d;
  }
  const variance = m2 / (n - 1);
  m4 /= n;
  // Var(s²) = (μ4 - σ⁴)/n + 2σ⁴/(n(n-1)), with the sample moments plugged in.
  const v2 = variance * variance;
  return { mean: m, variance, seMean: Math.sqrt(variance / n), seVar: Math.sqrt(Math.max(m4 - v2, 0) / n + (2 * v2) / (n * (n - 1))) };
}

/** Checks sample mean and variance against the true values within K standard errors. */
export function expectMoments(xs: ArrayLike<number>, mean: number, variance: number, label = ''): void {
  const s = momentsWithSE(xs);
  // The mean's SE uses the true variance; the variance's SE is the plug-in estimate.
  expect(s.mean, `${label} sample mean`).to.be.closeTo(mean, K * Math.sqrt(variance / xs.length) + 1e-12);
  expect(s.variance, `${label} sample variance`).to.be.closeTo(variance, K * s.seVar + 1e-12);
}

/** log k! summed term by term in double precision (an independent reference for pmfs). */
export function logFactorialRef(k: number): number {
  let s = 0;
  for (let i = 2; i <= k; i++) s += Math.log(i);
  return s;
}

/** Every column j of a row-major [n, m] array. */
export function column(data: ArrayLike<number>, m: number, j: number): Float64Array {
  const n = data.length / m;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = data[i * m + j]!;
  return out;
}
