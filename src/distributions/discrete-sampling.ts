/**
 * Scalar samplers in plain JavaScript (double precision) for the count families. A sampler may
 * need a data-dependent number of uniforms (rejection), so all of them read from a UniformStream:
 * an endless sequence of uniforms made block by block from one PRNG key. The same key and the
 * same parameter values therefore give the same draws on every backend.
 *
 * References:
 * - W. Hörmann (1993), "The generation of binomial random variates", J. Statist. Comput. Simul. 46 (BTRS).
 * - W. Hörmann (1993), "The transformed rejection method for generating Poisson random variables",
 *   Insurance: Mathematics and Economics 12 (PTRS).
 * - V. Kachitvichyanukul, B. Schmeiser (1988), "Binomial random variate generation", CACM 31 (inversion, BINV).
 */
import { type PRNGKey, foldIn, uniforms } from '../kernel/rng.js';
import { logGammaDraw } from './gamma-sampler.js';

const BLOCK = 256;

/** Uniforms on (0, 1) drawn from `key` in blocks of 256, each block from foldIn(key, blockIndex). */
export class UniformStream {
  private buf: Float64Array = new Float64Array(0);
  private pos = 0;
  private block = 0;
  private spareNormal: number | undefined;

  constructor(private readonly key: PRNGKey) {}

  uniform(): number {
    if (this.pos >= this.buf.length) {
      this.buf = uniforms(foldIn(this.key, this.block++), BLOCK);
      this.pos = 0;
    }
    return this.buf[this.pos++]!;
  }

  /** A standard normal (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return z;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()));
    const t = 2 * Math.PI * this.uniform();
    this.spareNormal = r * Math.sin(t);
    return r * Math.cos(t);
  }
}

// log k! for k < 16, exactly summed; above that the Stirling series is accurate to ~1e-13.
const LOG_FACT_TABLE: number[] = [0];
for (let k = 1; k < 16; k++) LOG_FACT_TABLE.push(LOG_FACT_TABLE[k - 1]! + Math.log(k));
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** log(k!) for a non-negative integer k, in double precision (for acceptance tests of the samplers). */
export function logFactorial(k: number): number {
  if (k < 16) return LOG_FACT_TABLE[k]!;
  const r = 1 / k;
  const r2 = r * r;
  // Stirling: k log k - k + ½ log(2πk) + 1/(12k) - 1/(360k³) + 1/(1260k⁵) - 1/(1680k⁷)
  return k * Math.log(k) - k + HALF_LOG_2PI + 0.5 * Math.log(k) + r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 / 1680)));
}

/** A Poisson(rate) draw: Knuth's product of uniforms for rate < 10, PTRS above. */
export function samplePoisson(rate: number, s: UniformStream): number {
  if (!(rate > 0)) return rate === 0 ? 0 : NaN;
  if (rate === Infinity) return Infinity;
  if (rate < 10) {
    // The count of uniforms whose running product stays above e^-rate; expected rate + 1 uniforms.
    const limit = Math.exp(-rate);
    let k = 0;
    let prod = s.uniform();
    while (prod > limit) {
      k++;
      prod *= s.uniform();
    }
    return k;
  }
  const slam = Math.sqrt(rate);
  const logLam = Math.log(rate);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const logInvAlpha = Math.log(1.1239 + 1.1328 / (b - 3.4));
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = s.uniform() - 0.5;
    const v = s.uniform();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + rate + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + logInvAlpha - Math.log(a / (us * us) + b) <= -rate + k * logLam - logFactorial(k)) return k;
  }
}

/** A Binomial(n, p) draw for integer n >= 0 and p in [0, 1]: inversion when n·min(p,1-p) < 10, BTRS above. */
export function sampleBinomial(n: number, p: number, s: UniformStream): number {
  if (!(p >= 0 && p <= 1) || !(n >= 0)) return NaN;
  if (n === 0 || p === 0) return 0;
  if (p === 1) return n;
  // Both algorithms assume p <= 1/2; the count of failures is Binomial(n, 1 - p).
  if (p > 0.5) return n - sampleBinomial(n, 1 - p, s);
  return n * p < 10 ? binomialInversion(n, p, s) : binomialBTRS(n, p, s);
}

function binomialInversion(n: number, p: number, s: UniformStream): number {
  // Walk the pmf from 0 with the recurrence f(k) = f(k-1)·((n+1)/k - 1)·p/q.
  const q = 1 - p;
  const ratio = p / q;
  const a = (n + 1) * ratio;
  let f = Math.exp(n * Math.log1p(-p));
  let u = s.uniform();
  let k = 0;
  while (u > f) {
    u -= f;
    k++;
    if (k > n) {
      // Rounding left a sliver of mass past n: start over with a fresh uniform.
      k = 0;
      f = Math.exp(n * Math.log1p(-p));
      u = s.uniform();
      continue;
    }
    f *= a / k - ratio;
  }
  return k;
}

function binomialBTRS(n: number, p: number, s: UniformStream): number {
  const q = 1 - p;
  const spq = Math.sqrt(n * p * q);
  const b = 1.15 + 2.53 * spq;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const vr = 0.92 - 4.2 / b;
  const alpha = (2.83 + 5.1 / b) * spq;
  const lpq = Math.log(p / q);
  const m = Math.floor((n + 1) * p);
  const h = logFactorial(m) + logFactorial(n - m);
  for (;;) {
    const u = s.uniform() - 0.5;
    let v = s.uniform();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    if (us >= 0.07 && v <= vr) return k;
    v = Math.log((v * alpha) / (a / (us * us) + b));
    if (v <= h - logFactorial(k) - logFactorial(n - k) + (k - m) * lpq) return k;
  }
}

/** A Gamma(shape, rate 1) draw: the gamma sampler's draw (Marsaglia–Tsang), read from this stream. */
export function sampleGamma(shape: number, s: UniformStream): number {
  return Math.exp(logGammaDraw(shape, s));
}

/** Index of the category that uniform `u` falls in, given cumulative sums `cum[off..off+k)` (last = total). */
export function searchCumulative(cum: Float64Array, off: number, k: number, u: number): number {
  const target = u * cum[off + k - 1]!;
  let lo = 0;
  let hi = k - 1;
  // First index whose cumulative sum exceeds the target: zero-probability categories are never chosen.
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cum[off + mid]! > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
