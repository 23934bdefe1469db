/**
 * Regularised incomplete gamma and beta functions, and Student's t tail, in double-precision
 * JavaScript: the forward kernels behind gammainc, gammaincc, betainc and stdtr (special-cdf.ts)
 * and the functions their quantiles invert (special-quantile.ts).
 *
 * Each function returns both tails [lower, upper] with the smaller one computed directly and the
 * other as its complement, so that a tail probability far below 1 keeps its relative accuracy.
 *
 * Methods (W. H. Press et al., Numerical Recipes, 3rd ed., sections 6.2 and 6.4; DLMF 8.7.1,
 * 8.9.2 and 8.17.22):
 * - P(a, x) by the power series x^a e^-x / Gamma(a+1) sum_n x^n / ((a+1)...(a+n)) for
 *   x < a + 1, and Q(a, x) by Legendre's continued fraction beyond, evaluated with the modified
 *   Lentz method. Both need O(sqrt(a)) terms near x = a.
 * - I_x(a, b) by the continued fraction x^a y^b / (a B(a, b)) / (1 + d1/(1 + d2/(1 + ...))) for
 *   x < (a + 1)/(a + b + 2), and through I_x(a, b) = 1 - I_y(b, a) beyond, where it converges
 *   fastest. y = 1 - x is passed in by the caller so that it keeps its digits when x is near 1.
 *
 * The prefactors x^a e^-x / Gamma(a) and x^a y^b / B(a, b) are formed from Stirling's series for
 * large shapes (gammaLogPrefix, lbeta64), so they do not lose the ~1e-16 a log a that direct
 * logs of the gamma functions would.
 *
 * Accuracy of the directly computed tail, measured against mpmath at 80 digits: ~4e-14 relative
 * for P and Q with a from 0.01 to 1e7; ~3e-13 for I_x with shapes up to 1e3 (the continued
 * fraction needs ~sqrt(max(a, b)) terms near its switch point); ~2e-14 for the t CDF with df up to
 * 1e3, 7e-12 at df = 1e5.
 *
 * Shape derivatives (used by the backward passes and by the implicit quantile gradients):
 * - dP/da reuses the term-by-term derivative of the same series / continued fraction written for
 *   the implicit Gamma sampler gradient (gamma-sampler.ts): there dLogGammaDraw = -(dP/da)/(x p(x)).
 *   Above a = 1e6, where that function switches to a Wilson–Hilferty approximation, central
 *   differences are used instead.
 * - dI/da, dI/db and the df-derivative of the t tail are central differences of the log of the
 *   directly computed tail with relative step 1e-5: log tails are nearly linear in the shapes even
 *   deep in a tail, so the truncation error is ~1e-10 relative and the rounding error ~1e-9.
 *   Measured: dP/da ~1e-13, dI/da and dI/db <= 5e-9, dF/d(df) <= 3e-9 for df <= 30, 2e-7 at
 *   df = 1e3 and 2e-3 at df = 1e5 (where the derivative itself is ~1e-11).
 */
import { dLogGammaDraw } from './gamma-sampler.js';
import { lgamma64 } from './special-kernels.js';

const EPS = 1e-16;
const TINY = 1e-300;
const MAX_TERMS = 1_000_000;
/** Above this shape dLogGammaDraw is an approximation; central differences take over. */
const SERIES_DERIVATIVE_LIMIT = 1e6;
const REL_STEP = 1e-5;
const HALF_LOG_PI = 0.5 * Math.log(Math.PI);
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

export type Tails = [lower: number, upper: number];

const NAN_TAILS: Tails = [NaN, NaN];

/**
 * The Stirling remainder lgamma(x) - [(x - 1/2) log x - x + log(2 pi)/2] for x >= 10: the series
 * sum_k B_2k / (2k (2k - 1) x^(2k-1)) to k = 7 (the next term is below 3e-17 at x = 10).
 */
function stirlingRemainder(x: number): number {
  const r = 1 / x;
  const r2 = r * r;
  return r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 * (1 / 1680 - r2 * (1 / 1188 - r2 * (691 / 360360 - r2 / 156))))));
}

/**
 * log B(a, b) in double precision. With a large argument the three lgamma values nearly cancel,
 * so their Stirling forms are combined first (the log terms through log1p) and only the small
 * remainders are added: the result keeps ~1e-16 relative accuracy and varies smoothly with a
 * and b, which the central-difference shape derivatives below rely on.
 */
export function lbeta64(a: number, b: number): number {
  const p = Math.min(a, b);
  const q = Math.max(a, b);
  const s = p + q;
  if (p >= 10) {
    const corr = stirlingRemainder(p) + stirlingRemainder(q) - stirlingRemainder(s);
    return -0.5 * Math.log(q) + HALF_LOG_2PI + corr + (p - 0.5) * Math.log(p / s) + q * Math.log1p(-p / s);
  }
  if (q >= 10) {
    // lgamma(q) - lgamma(p + q) from the Stirling forms of both.
    const corr = stirlingRemainder(q) - stirlingRemainder(s);
    return lgamma64(p) + corr + p - p * Math.log(s) + (q - 0.5) * Math.log1p(-p / s);
  }
  return lgamma64(p) + lgamma64(q) - lgamma64(s);
}

/** log(1 + t) - t, without the cancellation of the direct form for small |t|. */
function log1pmx(t: number): number {
  if (Math.abs(t) >= 0.25) return Math.log1p(t) - t;
  // -t^2/2 + t^3/3 - t^4/4 + ...; 0.25^k / k falls below 1e-17 relative by k = 26.
  let term = -t * t;
  let sum = 0;
  for (let k = 2; k < 60; k++) {
    sum += term / k;
    term *= -t;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
  }
  return sum;
}

/**
 * log of x^a e^-x / Gamma(a) = log(x p(x)) for the Gamma(a, 1) density p. For a >= 10 it is
 * a (log(1 + t) - t) + log(a)/2 - log(2 pi)/2 - stirlingRemainder(a) with t = (x - a)/a, which
 * avoids cancelling terms of size a log a (the naive form loses ~1e-16 a log a absolutely).
 */
function gammaLogPrefix(a: number, x: number): number {
  if (a < 10) return a * Math.log(x) - x - lgamma64(a);
  const t = (x - a) / a;
  // Near x = a the series form; elsewhere log(x/a), exact enough once x and a differ by 2x.
  const core = Math.abs(t) < 0.5 ? a * log1pmx(t) : a * Math.log(x / a) - (x - a);
  return core + 0.5 * Math.log(a) - HALF_LOG_2PI - stirlingRemainder(a);
}

/** Sum of the series P(a, x) = x^a e^-x / Gamma(a + 1) * S: returns S. */
function gammaSeries(a: number, x: number): number {
  let term = 1;
  let sum = 1;
  for (let n = 1; n < MAX_TERMS; n++) {
    term *= x / (a + n);
    sum += term;
    if (term < EPS * sum) break;
  }
  return sum;
}

/**
 * Legendre's continued fraction Q(a, x) = x^a e^-x / Gamma(a) * C with
 * C = 1/(x + 1 - a - 1(1 - a)/(x + 3 - a - 2(2 - a)/(x + 5 - a - ...))), by modified Lentz.
 */
function gammaFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let n = 1; n < MAX_TERMS; n++) {
    const an = -n * (n - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return h;
}

/** True when P(a, x) is the tail computed directly (the series side). */
function gammaLowerIsDirect(a: number, x: number): boolean {
  return x < a + 1;
}

/** The directly computed tail of the regularised incomplete gamma function, for x in (0, inf). */
function gammaDirectTail(a: number, x: number, lower: boolean): number {
  const logPre = gammaLogPrefix(a, x);
  if (lower) return Math.exp(logPre - Math.log(a)) * gammaSeries(a, x);
  return Math.exp(logPre) * gammaFraction(a, x);
}

/**
 * [P(a, x), Q(a, x)], the regularised lower and upper incomplete gamma functions, for a > 0
 * (NaN otherwise); x <= 0 gives [0, 1] and x = +Infinity gives [1, 0].
 */
export function gammaTails64(a: number, x: number): Tails {
  if (!(a > 0) || a === Infinity || Number.isNaN(x)) return NAN_TAILS;
  if (x <= 0) return [0, 1];
  if (x === Infinity) return [1, 0];
  const lower = gammaLowerIsDirect(a, x);
  const t = gammaDirectTail(a, x, lower);
  return lower ? [t, 1 - t] : [1 - t, t];
}

/** log of the Gamma(a, 1) density at x > 0. */
export function gammaLogDensity64(a: number, x: number): number {
  return (a - 1) * Math.log(x) - x - lgamma64(a);
}

/** d/dθ log f(θ) by central differences with relative step REL_STEP; 0 where f underflows. */
function dLogCentral(f: (theta: number) => number, theta: number): number {
  const h = REL_STEP * theta;
  const up = Math.log(f(theta + h));
  const dn = Math.log(f(theta - h));
  if (!Number.isFinite(up) || !Number.isFinite(dn)) return 0;
  return (up - dn) / (2 * h);
}

/** dP(a, x)/da (= -dQ(a, x)/da) in double precision, for a > 0; 0 at x <= 0 and x = +Infinity. */
export function gammaDa64(a: number, x: number): number {
  if (!(a > 0) || a === Infinity || Number.isNaN(x)) return NaN;
  if (x <= 0 || x === Infinity) return 0;
  if (a <= SERIES_DERIVATIVE_LIMIT) {
    // dLogGammaDraw(a, log x) = -(dP/da) / (x p(x)), where x p(x) = x^a e^-x / Gamma(a).
    const xp = Math.exp(gammaLogPrefix(a, x));
    return xp === 0 ? 0 : -dLogGammaDraw(a, Math.log(x)) * xp;
  }
  const lower = gammaLowerIsDirect(a, x);
  const t = gammaDirectTail(a, x, lower);
  const d = t * dLogCentral((s) => gammaDirectTail(s, x, lower), a);
  return lower ? d : -d;
}

/**
 * Continued fraction of I_x(a, b) = x^a y^b / (a B(a, b)) * F (DLMF 8.17.22), by modified Lentz:
 * F = 1/(1 + d1/(1 + d2/(1 + ...))) with d_{2m+1} = -(a+m)(a+b+m) x / ((a+2m)(a+2m+1)) and
 * d_{2m} = m(b-m) x / ((a+2m-1)(a+2m)).
 */
function betaFraction(a: number, b: number, x: number): number {
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < MAX_TERMS; m++) {
    const m2 = 2 * m;
    // The even step d_{2m}, then the odd step d_{2m+1}; convergence is tested after the odd one.
    const even = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + even * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + even / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    const odd = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + odd * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + odd / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    if (Math.abs(d * c - 1) < EPS) break;
  }
  return h;
}

/** True when I_x(a, b) itself is the tail the continued fraction computes best. */
function betaLowerIsDirect(a: number, b: number, x: number): boolean {
  return x < (a + 1) / (a + b + 2);
}

/**
 * The directly computed tail: I_x(a, b) when `lower`, else 1 - I_x(a, b) = I_y(b, a). The logs of
 * x and y may be passed in when the caller has them more accurately than log(x) would give.
 */
function betaDirectTail(a: number, b: number, x: number, y: number, lower: boolean, logX = Math.log(x), logY = Math.log(y)): number {
  const logPre = a * logX + b * logY - lbeta64(a, b);
  if (lower) return (Math.exp(logPre) / a) * betaFraction(a, b, x);
  return (Math.exp(logPre) / b) * betaFraction(b, a, y);
}

/**
 * [I_x(a, b), 1 - I_x(a, b)], the regularised incomplete beta function and its complement, for
 * a, b > 0 (NaN otherwise). `y` must be 1 - x, passed separately so that it keeps its digits;
 * x <= 0 gives [0, 1] and y <= 0 gives [1, 0]. The logs of x and y may be passed as well, for a
 * caller that has them more accurately (or beyond the range of x itself).
 */
export function betaTails64(a: number, b: number, x: number, y: number = 1 - x, logX = Math.log(x), logY = Math.log(y)): Tails {
  if (!(a > 0 && b > 0) || a === Infinity || b === Infinity || Number.isNaN(x) || Number.isNaN(y)) return NAN_TAILS;
  if (x < 0 || logX === -Infinity) return [0, 1];
  if (y < 0 || logY === -Infinity) return [1, 0];
  const lower = betaLowerIsDirect(a, b, x);
  const t = betaDirectTail(a, b, x, y, lower, logX, logY);
  return lower ? [t, 1 - t] : [1 - t, t];
}

/** log of the Beta(a, b) density at x in (0, 1), with y = 1 - x. */
export function betaLogDensity64(a: number, b: number, x: number, y: number): number {
  return (a - 1) * Math.log(x) + (b - 1) * Math.log(y) - lbeta64(a, b);
}

/** [dI_x(a, b)/da, dI_x(a, b)/db] in double precision; 0 outside (0, 1). */
export function betaDab64(a: number, b: number, x: number, y: number = 1 - x): [number, number] {
  if (!(a > 0 && b > 0) || a === Infinity || b === Infinity || Number.isNaN(x) || Number.isNaN(y)) return [NaN, NaN];
  if (x <= 0 || y <= 0) return [0, 0];
  // The same branch on both sides of each difference, so both evaluate the same formula.
  const lower = betaLowerIsDirect(a, b, x);
  const t = betaDirectTail(a, b, x, y, lower);
  const sign = lower ? 1 : -1;
  const da = t * dLogCentral((s) => betaDirectTail(s, b, x, y, lower), a);
  const db = t * dLogCentral((s) => betaDirectTail(a, s, x, y, lower), b);
  return [sign * da, sign * db];
}

/**
 * [x, y, log x, log y] for x = df/(df + t^2), y = t^2/(df + t^2), each formed without
 * cancellation (through r = t^2/df or its inverse s, and log1p). For |t| beyond 1e154, where t^2
 * overflows and x underflows, log x still comes out right from log s = log df - 2 log |t|.
 */
function studentTBetaArgs(df: number, t: number): [number, number, number, number] {
  if (t * t < df) {
    const r = (t * t) / df;
    return [1 / (1 + r), r / (1 + r), -Math.log1p(r), Math.log(r) - Math.log1p(r)];
  }
  const s = df / t / t;
  const logS = s > 1e-300 ? Math.log(s) : Math.log(df) - 2 * Math.log(Math.abs(t));
  return [s / (1 + s), 1 / (1 + s), logS - Math.log1p(s), -Math.log1p(s)];
}

/** P(T > |t|) = I_x(df/2, 1/2) / 2 for T ~ StudentT(df), t finite and non-zero. */
function studentTUpperHalf(df: number, t: number): number {
  const [x, y, logX, logY] = studentTBetaArgs(df, t);
  return 0.5 * betaTails64(0.5 * df, 0.5, x, y, logX, logY)[0];
}

/**
 * [F(t), 1 - F(t)] for the standard Student t distribution with df > 0 degrees of freedom
 * (NaN otherwise), through F(t) = I_x(df/2, 1/2) / 2 for t < 0 with x = df / (df + t^2), and
 * symmetry for t > 0.
 */
export function studentTTails64(df: number, t: number): Tails {
  if (!(df > 0) || Number.isNaN(t)) return NAN_TAILS;
  if (t === Infinity) return [1, 0];
  if (t === -Infinity) return [0, 1];
  if (df === Infinity) return NAN_TAILS;
  if (t === 0) return [0.5, 0.5];
  const tail = studentTUpperHalf(df, t);
  return t < 0 ? [tail, 1 - tail] : [1 - tail, tail];
}

/** log of the standard Student t density with df degrees of freedom at t. */
export function studentTLogDensity64(df: number, t: number): number {
  // log(1 + t^2/df), without overflowing t^2 for huge |t|.
  const l = t * t < df ? Math.log1p((t * t) / df) : 2 * Math.log(Math.abs(t)) - Math.log(df) + Math.log1p(df / t / t);
  return lgamma64(0.5 * (df + 1)) - lgamma64(0.5 * df) - 0.5 * Math.log(df) - HALF_LOG_PI - 0.5 * (df + 1) * l;
}

/** dF(t)/d(df) for the standard Student t CDF F, in double precision; 0 at t = 0 and |t| = inf. */
export function studentTDdf64(df: number, t: number): number {
  if (!(df > 0) || df === Infinity || Number.isNaN(t)) return NaN;
  if (t === 0 || !Number.isFinite(t)) return 0;
  // P(T > |t|) = I_x(df/2, 1/2) / 2. Difference the beta tail that is computed directly (for
  // small |t| that is 1 - I_x, the small mass between 0 and |t|), with its branch held fixed.
  const args = (s: number): [number, number, number, number] => studentTBetaArgs(s, t);
  const [x0] = args(df);
  const lower = betaLowerIsDirect(0.5 * df, 0.5, x0);
  const direct = (s: number): number => {
    const [x, y, logX, logY] = args(s);
    return betaDirectTail(0.5 * s, 0.5, x, y, lower, logX, logY);
  };
  const dDirect = direct(df) * dLogCentral(direct, df);
  const dUpperHalf = lower ? 0.5 * dDirect : -0.5 * dDirect;
  // F = P(T > |t|) for t < 0 and 1 - P(T > |t|) for t > 0.
  return t < 0 ? dUpperHalf : -dUpperHalf;
}
