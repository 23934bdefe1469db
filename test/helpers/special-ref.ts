/**
 * Double-precision reference implementations of special functions, for checking the float32
 * library versions. Each uses a textbook method chosen to be independent of the library's:
 * - lgamma: Lanczos (g = 7, n = 9; Godfrey's coefficients, relative error ~1e-15) with reflection;
 * - digamma / trigamma: recurrence to x >= 20, then the asymptotic series to z^-14;
 * - erf / erfc: the all-positive series erf(x) = 2/sqrt(pi) e^{-x^2} sum 2^n x^{2n+1} / (2n+1)!!
 *   below 3, the continued fraction of erfc above (Abramowitz–Stegun 7.1.6 and 7.1.14);
 * - erfinv / erfcinv: Newton iteration on those;
 * - regularised lower incomplete gamma P(a, x): the series x^a e^-x sum x^n / Gamma(a+n+1)
 *   below x = a + 1 and the Legendre continued fraction for Q above (Numerical Recipes 6.2).
 */
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

export function lgamma64(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma64(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

export function digamma64(x: number): number {
  let r = 0;
  while (x < 20) {
    r -= 1 / x;
    x += 1;
  }
  const q = 1 / (x * x);
  // psi(x) ~ log x - 1/(2x) - sum B_2k / (2k x^2k)
  const b = [1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12];
  let s = 0;
  for (let k = b.length - 1; k >= 0; k--) s = s * q + b[k]!;
  return r + Math.log(x) - 0.5 / x - q * s;
}

export function trigamma64(x: number): number {
  let r = 0;
  while (x < 20) {
    r += 1 / (x * x);
    x += 1;
  }
  const q = 1 / (x * x);
  // psi1(x) ~ 1/x + 1/(2x^2) + sum B_2k / x^(2k+1)
  const b = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6];
  let s = 0;
  for (let k = b.length - 1; k >= 0; k--) s = s * q + b[k]!;
  return r + 1 / x + 0.5 * q + (s * q) / x;
}

function erfSeries(x: number): number {
  // 2/sqrt(pi) e^{-x^2} sum_n 2^n x^{2n+1} / (1*3*...*(2n+1)): every term positive.
  let term = x;
  let sum = x;
  for (let n = 1; n < 500; n++) {
    term *= (2 * x * x) / (2 * n + 1);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}

function erfcFraction(x: number): number {
  // erfc(x) = e^{-x^2}/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated backwards.
  let f = x;
  for (let n = 400; n >= 1; n--) f = x + n / 2 / f;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

export function erf64(x: number): number {
  if (x < 0) return -erf64(-x);
  return x < 3 ? erfSeries(x) : 1 - erfcFraction(x);
}

export function erfc64(x: number): number {
  if (x < 0) return 2 - erfc64(-x);
  return x < 3 ? 1 - erfSeries(x) : erfcFraction(x);
}

/** erfcinv(q) for q in (0, 2) by bisection then Newton, to full double precision. */
export function erfcinv64(q: number): number {
  if (q > 1) return -erfcinv64(2 - q);
  let lo = 0;
  let hi = 30;
  for (let i = 0; i < 60; i++) {
    const mid = 0.5 * (lo + hi);
    if (erfc64(mid) > q) lo = mid;
    else hi = mid;
  }
  let x = 0.5 * (lo + hi);
  for (let i = 0; i < 3; i++) x += (erfc64(x) - q) / ((2 / Math.sqrt(Math.PI)) * Math.exp(-x * x));
  return x;
}

export function erfinv64(y: number): number {
  if (Math.abs(y) < 0.5) {
    // Newton on erf itself: forming 1 - y would lose the digits of a small y.
    let x = (Math.sqrt(Math.PI) / 2) * y;
    for (let i = 0; i < 8; i++) x -= (erf64(x) - y) / ((2 / Math.sqrt(Math.PI)) * Math.exp(-x * x));
    return x;
  }
  return y >= 0 ? erfcinv64(1 - y) : -erfcinv64(1 + y);
}

/** Regularised lower incomplete gamma P(a, x) in double precision. */
export function gammaP64(a: number, x: number): number {
  if (x <= 0) return 0;
  const logPrefix = a * Math.log(x) - x - lgamma64(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 100000; n++) {
      term *= x / (a + n);
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    return Math.exp(logPrefix) * sum;
  }
  return 1 - gammaQcf(a, x, logPrefix);
}

/** Regularised upper incomplete gamma Q(a, x) = 1 - P(a, x), accurate in the upper tail. */
export function gammaQ64(a: number, x: number): number {
  if (x < a + 1) return 1 - gammaP64(a, x);
  return gammaQcf(a, x, a * Math.log(x) - x - lgamma64(a));
}

function gammaQcf(a: number, x: number, logPrefix: number): number {
  // Modified Lentz on Q = prefix / (x + 1 - a - 1(1-a)/(x + 3 - a - 2(2-a)/(x + 5 - a - ...))).
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 100000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return Math.exp(logPrefix) * h;
}

/**
 * The Gamma(a, 1) quantile: the z with P(a, z) = prob, or with Q(a, z) = prob when `upper` (so
 * that upper-tail probabilities keep their digits); bisection on log z, to double precision.
 */
export function gammaQuantile64(a: number, prob: number, upper = false): number {
  let lo = -800;
  let hi = Math.log(a + 50 * Math.sqrt(a) + 100);
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    const z = Math.exp(mid);
    const below = upper ? gammaQ64(a, z) > prob : gammaP64(a, z) < prob;
    if (below) lo = mid;
    else hi = mid;
  }
  return Math.exp(0.5 * (lo + hi));
}

/**
 * d(log z)/d(alpha) for a Gamma(alpha, 1) quantile z held at a fixed CDF level, by central
 * differences (relative step 1e-5) of gammaQuantile64; the smaller tail probability is the one
 * held, so that it keeps its digits. Accurate to ~1e-9 relative.
 */
export function gammaDLogQuantile64(alpha: number, z: number): number {
  const upper = z > alpha;
  const prob = upper ? gammaQ64(alpha, z) : gammaP64(alpha, z);
  const h = 1e-5;
  const up = Math.log(gammaQuantile64(alpha * (1 + h), prob, upper));
  const dn = Math.log(gammaQuantile64(alpha * (1 - h), prob, upper));
  return (up - dn) / (2 * alpha * h);
}
