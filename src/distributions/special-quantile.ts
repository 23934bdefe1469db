/**
 * Quantiles of the Gamma(a, 1), Beta(a, b) and standard Student t distributions in double
 * precision: the inverses of the tails in special-incomplete.ts, behind gammaincinv, gammainccinv,
 * betaincinv and stdtrit (special-cdf.ts).
 *
 * Each quantile solves log T(u) = log target for the tail T holding the smaller of the two
 * probabilities (so a probability near 1 is never formed as 1 - tiny), in a variable u in which
 * log T is close to linear: u = log z for the gamma and t tails (P ~ z^a near 0, the t tail
 * ~ |t|^-df far out), u = logit x for the beta tails (I ~ x^a near 0, 1 - I ~ (1 - x)^b near 1).
 * Newton's method on that equation, safeguarded by a bracket that every evaluation narrows
 * (bisection when a Newton step leaves it or stalls, doubling steps while one side is open),
 * stops when a step is below 1e-13 in u, i.e. a relative change of about 1e-13 in the quantile.
 */
import {
  betaLogDensity64,
  betaTails64,
  gammaLogDensity64,
  gammaTails64,
  lbeta64,
  studentTLogDensity64,
  studentTTails64,
} from './special-incomplete.js';
import { lgamma64 } from './special-kernels.js';

const TOL = 1e-13;
const MAX_ITER = 400;
/** The largest Newton step taken at once, in u (a factor e^40 in the quantile). */
const MAX_STEP = 40;

/**
 * The root of an increasing function h of u, given h and h' at u as [h, h'], from the start u0.
 * Returns NaN when h is NaN.
 */
export function solveIncreasing(h: (u: number) => [number, number], u0: number): number {
  let lo = -Infinity;
  let hi = Infinity;
  let u = u0;
  let expand = 1;
  // The last two step lengths: a Newton step must be at most half the one before last.
  let step1 = Infinity;
  let step2 = Infinity;
  for (let i = 0; i < MAX_ITER; i++) {
    const [f, df] = h(u);
    if (Number.isNaN(f)) return NaN;
    if (f === 0) return u;
    if (f < 0) lo = u;
    else hi = u;
    const newton = u - f / df;
    let next: number;
    // Accept Newton inside the bracket when it at least halves the step before last; otherwise
    // bisect a closed bracket, or step outwards (doubling) towards an open side.
    const ok = Number.isFinite(newton) && newton > lo && newton < hi && Math.abs(newton - u) <= MAX_STEP;
    if (ok && Math.abs(newton - u) <= 0.5 * step2) next = newton;
    else if (Number.isFinite(lo) && Number.isFinite(hi)) next = 0.5 * (lo + hi);
    else if (ok) next = newton;
    else {
      next = f < 0 ? u + expand : u - expand;
      expand *= 2;
    }
    const step = Math.abs(next - u);
    if (step <= TOL * Math.max(1, Math.abs(u)) || hi - lo <= TOL * Math.max(1, Math.abs(u))) return next;
    step2 = step1;
    step1 = step;
    u = next;
  }
  return u;
}

/** [target, lower]: the smaller tail probability and whether it is the lower one. */
function pickTail(prob: number, upper: boolean): [number, boolean] {
  const lowerProb = upper ? 1 - prob : prob;
  return lowerProb <= 0.5 ? [lowerProb, true] : [upper ? prob : 1 - prob, false];
}

/**
 * The Gamma(a, 1) quantile: z with P(a, z) = prob, or with Q(a, z) = prob when `upper`.
 * prob = 0 and 1 give the ends of the support; NaN for prob outside [0, 1] or a <= 0.
 */
export function gammaQuantile64(a: number, prob: number, upper = false): number {
  if (!(a > 0) || a === Infinity || !(prob >= 0 && prob <= 1)) return NaN;
  if (prob === (upper ? 1 : 0)) return 0;
  if (prob === (upper ? 0 : 1)) return Infinity;
  const [target, lower] = pickTail(prob, upper);
  const logTarget = Math.log(target);
  const h = (u: number): [number, number] => {
    const z = Math.exp(u);
    const tail = gammaTails64(a, z)[lower ? 0 : 1];
    // d log T / du = +-z p(z) / T.
    const slope = Math.exp(Math.log(z) + gammaLogDensity64(a, z) - Math.log(tail));
    return lower ? [Math.log(tail) - logTarget, slope] : [logTarget - Math.log(tail), slope];
  };
  // Start from the small-z limit P ~ z^a / Gamma(a + 1) in the lower tail, and from
  // z ~ a - log(target) (Q ~ e^-z for large z) in the upper one.
  const u0 = lower ? Math.min((logTarget + lgamma64(a + 1)) / a, Math.log(a)) : Math.log(a - logTarget);
  return Math.exp(solveIncreasing(h, u0));
}

/**
 * The Beta(a, b) quantile as [x, 1 - x] (both with full relative accuracy): I_x(a, b) = prob,
 * or 1 - I_x(a, b) = prob when `upper`. NaN for prob outside [0, 1] or non-positive shapes.
 */
export function betaQuantile64(a: number, b: number, prob: number, upper = false): [number, number] {
  if (!(a > 0 && b > 0) || a === Infinity || b === Infinity || !(prob >= 0 && prob <= 1)) return [NaN, NaN];
  if (prob === (upper ? 1 : 0)) return [0, 1];
  if (prob === (upper ? 0 : 1)) return [1, 0];
  const [target, lower] = pickTail(prob, upper);
  const logTarget = Math.log(target);
  const lb = lbeta64(a, b);
  const at = (u: number): [number, number] => [1 / (1 + Math.exp(-u)), 1 / (1 + Math.exp(u))];
  const h = (u: number): [number, number] => {
    const [x, y] = at(u);
    const tail = betaTails64(a, b, x, y)[lower ? 0 : 1];
    // dx/du = x y, so d log T / du = +-p(x) x y / T.
    const slope = Math.exp(betaLogDensity64(a, b, x, y) + Math.log(x) + Math.log(y) - Math.log(tail));
    return lower ? [Math.log(tail) - logTarget, slope] : [logTarget - Math.log(tail), slope];
  };
  // Start from the end-point limits I ~ x^a / (a B) and 1 - I ~ y^b / (b B), kept on the
  // correct side of the mean's logit.
  const mid = Math.log(a) - Math.log(b);
  const u0 = lower
    ? Math.min((logTarget + Math.log(a) + lb) / a, mid)
    : Math.max(-(logTarget + Math.log(b) + lb) / b, mid);
  return at(solveIncreasing(h, u0));
}

/**
 * The quantile of the standard Student t distribution with df degrees of freedom: t with
 * F(t) = prob. NaN for prob outside [0, 1] or df <= 0; +-Infinity at prob = 1 and 0.
 */
export function studentTQuantile64(df: number, prob: number): number {
  if (!(df > 0) || df === Infinity || !(prob >= 0 && prob <= 1)) return NaN;
  if (prob === 0.5) return 0;
  if (prob === 0) return -Infinity;
  if (prob === 1) return Infinity;
  // Solve for s = |t| > 0 with P(T > s) = min(prob, 1 - prob); the sign comes from the side.
  const target = Math.min(prob, 1 - prob);
  const logTarget = Math.log(target);
  const h = (u: number): [number, number] => {
    const s = Math.exp(u);
    const tail = studentTTails64(df, s)[1];
    // d log T / du = -s f(s) / T, and h = log target - log T increases with u.
    const slope = Math.exp(u + studentTLogDensity64(df, s) - Math.log(tail));
    return [logTarget - Math.log(tail), slope];
  };
  const s = Math.exp(solveIncreasing(h, 0));
  return prob < 0.5 ? -s : s;
}
