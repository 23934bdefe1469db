/** Sample statistics for statistical tests. */
export function meanVar(xs: ArrayLike<number>): { mean: number; variance: number } {
  const n = xs.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += xs[i]!;
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (xs[i]! - m) ** 2;
  return { mean: m, variance: v / (n - 1) };
}

/** Standard error of the sample mean for n draws of a variable with the given variance. */
export function seMean(variance: number, n: number): number {
  return Math.sqrt(variance / n);
}
