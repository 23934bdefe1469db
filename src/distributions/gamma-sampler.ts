/**
 * Reparameterised Gamma(alpha, 1) draws from PRNG keys. The draws come from Marsaglia and Tsang's
 * method in double-precision JavaScript (with the alpha < 1 boost); their gradient with respect
 * to alpha is the implicit reparameterisation gradient
 *   dz/dalpha = -(dF(z; alpha)/dalpha) / p(z; alpha),
 * F the Gamma CDF (the regularised lower incomplete gamma function P) and p its density, so that
 * a fixed uniform quantile u = F(z; alpha) is held while alpha moves. dF/dalpha is evaluated in
 * double precision by differentiating the power series of P (small z) or the continued fraction
 * of Q = 1 - P (large z) term by term.
 *
 * Everything is kept in log space: draws for small alpha underflow (Gamma(0.01) draws are below
 * 1e-38 about 40% of the time), while log z and d(log z)/dalpha stay finite. Beta and Dirichlet
 * use the log draws directly.
 *
 * References: G. Marsaglia and W. W. Tsang, "A simple method for generating gamma variables",
 * ACM TOMS 26(3), 2000. M. Figurnov, S. Mohamed and A. Mnih, "Implicit reparameterization
 * gradients", NeurIPS 2018. W. H. Press et al., Numerical Recipes, section 6.2.
 */
import * as tf from '@tensorflow/tfjs';

import { ValueError, fmtShape } from '../kernel/errors.js';
import { type PRNGKey, foldIn, normals, split, uniforms } from '../kernel/rng.js';
import { customOp, sumToShape } from './grad-utils.js';
import { digamma64 } from './special-kernels.js';
import { broadcastShapes, sameShape, shapeSize } from './tensor-like.js';

const EPS = 1e-15;
const MAX_TERMS = 200_000;
/** Above this concentration the Wilson–Hilferty map replaces the O(sqrt(alpha))-term series. */
const LARGE_ALPHA = 1e6;
const FLOAT32_TINY = 1.1754943508222875e-38;

/** Normals and uniforms drawn block by block from one key, for rejection samplers. */
class KeyStream {
  private readonly keyN: PRNGKey;
  private readonly keyU: PRNGKey;
  private normalsBuf: Float64Array = new Float64Array(0);
  private uniformsBuf: Float64Array = new Float64Array(0);
  private iN = 0;
  private iU = 0;
  private blockN = 0;
  private blockU = 0;

  constructor(
    key: PRNGKey,
    private readonly blockSize: number,
  ) {
    [this.keyN, this.keyU] = split(key, 2) as [PRNGKey, PRNGKey];
  }
  normal(): number {
    if (this.iN === this.normalsBuf.length) {
      this.normalsBuf = normals(foldIn(this.keyN, this.blockN++), this.blockSize);
      this.iN = 0;
    }
    return this.normalsBuf[this.iN++]!;
  }
  uniform(): number {
    if (this.iU === this.uniformsBuf.length) {
      this.uniformsBuf = uniforms(foldIn(this.keyU, this.blockU++), this.blockSize);
      this.iU = 0;
    }
    return this.uniformsBuf[this.iU++]!;
  }
}

/** A source of standard normals and (0, 1) uniforms for rejection samplers. */
export interface VariateStream {
  normal(): number;
  uniform(): number;
}

/** log of one Gamma(alpha, 1) draw; NaN unless alpha > 0 and finite. */
export function logGammaDraw(alpha: number, s: VariateStream): number {
  if (!(alpha > 0) || alpha === Infinity) return NaN;
  // Boost (Marsaglia–Tsang, section 6): Gamma(a) = Gamma(a + 1) * U^(1/a), taken in log space.
  const boosted = alpha < 1;
  const a = boosted ? alpha + 1 : alpha;
  const d = a - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = s.normal();
    let v = 1 + c * x;
    if (v <= 0) continue;
    v = v * v * v;
    const u = s.uniform();
    const x2 = x * x;
    // Squeeze first, then the exact log test.
    if (u < 1 - 0.0331 * x2 * x2 || Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) {
      const logZ = Math.log(d) + Math.log(v);
      return boosted ? logZ + Math.log(s.uniform()) / alpha : logZ;
    }
  }
}

/**
 * d(log z)/d(alpha) at fixed F(z; alpha) for a Gamma(alpha, 1) draw z = exp(logZ), in double
 * precision. Exported for tests.
 */
export function dLogGammaDraw(alpha: number, logZ: number): number {
  if (!(alpha > 0) || Number.isNaN(logZ)) return NaN;
  const x = Math.exp(logZ);
  if (alpha > LARGE_ALPHA) {
    // Wilson–Hilferty: z = alpha g^3 with g = 1 - 1/(9 alpha) + w / (3 sqrt(alpha)), w held fixed.
    const w = (Math.cbrt(x / alpha) - 1 + 1 / (9 * alpha)) * 3 * Math.sqrt(alpha);
    const g = 1 - 1 / (9 * alpha) + w / (3 * Math.sqrt(alpha));
    const dg = 1 / (9 * alpha * alpha) - w / (6 * alpha * Math.sqrt(alpha));
    return 1 / alpha + (3 * dg) / g;
  }
  if (x < alpha + 1) {
    // P = x^a e^-x / Gamma(a + 1) * S, S = sum_n x^n / ((a+1)...(a+n)); with S' = dS/da,
    // d(log z)/da = -(S (log x - psi(a + 1)) + S') / a.
    let t = 1;
    let s = 1;
    let ds = 0;
    let h = 0;
    for (let n = 1; n < MAX_TERMS; n++) {
      t *= x / (alpha + n);
      h += 1 / (alpha + n);
      s += t;
      ds -= t * h;
      if (t * (1 + h) < EPS * (s + Math.abs(ds))) break;
    }
    return -(s * (logZ - digamma64(alpha + 1)) + ds) / alpha;
  }
  // Q = x^a e^-x / Gamma(a) * C with the continued fraction
  // C = 1/(x + 1 - a - 1(1 - a)/(x + 3 - a - 2(2 - a)/(x + 5 - a - ...))), and then
  // d(log z)/da = C (log x - psi(a)) + dC/da. C and dC/da come from the Wallis recurrences
  // A_m = b_m A_{m-1} + a_m A_{m-2} (same for B), differentiated term by term and rescaled.
  let aPrev = 1;
  let a = 0;
  let bPrev = 0;
  let b = 1;
  let daPrev = 0;
  let da = 0;
  let dbPrev = 0;
  let db = 0;
  let cf = 0;
  let dcf = 0;
  for (let m = 1; m < MAX_TERMS; m++) {
    const am = m === 1 ? 1 : -(m - 1) * (m - 1 - alpha);
    const dam = m === 1 ? 0 : m - 1;
    const bm = x + 2 * m - 1 - alpha;
    const aNew = bm * a + am * aPrev;
    const bNew = bm * b + am * bPrev;
    const daNew = -a + bm * da + dam * aPrev + am * daPrev;
    const dbNew = -b + bm * db + dam * bPrev + am * dbPrev;
    [aPrev, a, bPrev, b, daPrev, da, dbPrev, db] = [a, aNew, b, bNew, da, daNew, db, dbNew];
    // Rescale everything by B_m: the recurrences are linear, so ratios are unchanged.
    const scale = 1 / b;
    aPrev *= scale;
    a *= scale;
    bPrev *= scale;
    b = 1;
    daPrev *= scale;
    da *= scale;
    dbPrev *= scale;
    db *= scale;
    const cfNew = a;
    const dcfNew = da - a * db;
    const done = Math.abs(cfNew - cf) <= EPS * Math.abs(cfNew) && Math.abs(dcfNew - dcf) <= EPS * (Math.abs(dcfNew) + Math.abs(cfNew));
    cf = cfNew;
    dcf = dcfNew;
    if (done && m > 2) break;
  }
  return cf * (logZ - digamma64(alpha)) + dcf;
}

interface Draws {
  alpha: Float64Array;
  logZ: Float64Array;
}

function draw(key: PRNGKey, alphaT: tf.Tensor, shape: readonly number[]): Draws {
  const n = shapeSize(shape);
  const src = alphaT.dataSync();
  const alpha = new Float64Array(n);
  if (alphaT.size === 1) alpha.fill(src[0]!);
  else {
    // Broadcast alpha to `shape` by walking the output index backwards through its dims.
    const lead = shape.length - alphaT.rank;
    for (let i = 0; i < n; i++) {
      let rem = i;
      let off = 0;
      let stride = 1;
      for (let d = shape.length - 1; d >= lead; d--) {
        const size = shape[d]!;
        const ad = alphaT.shape[d - lead]!;
        if (ad !== 1) off += (rem % size) * stride;
        rem = Math.floor(rem / size);
        stride *= ad;
      }
      alpha[i] = src[off]!;
    }
  }
  const stream = new KeyStream(key, n + 64);
  const logZ = new Float64Array(n);
  for (let i = 0; i < n; i++) logZ[i] = logGammaDraw(alpha[i]!, stream);
  return { alpha, logZ };
}

function checkShapes(where: string, alpha: tf.Tensor, shape: readonly number[]): void {
  const b = broadcastShapes(alpha.shape, shape);
  if (b === undefined || !sameShape(b, shape)) {
    throw new ValueError(`${where}: concentration of shape ${fmtShape(alpha.shape)} does not broadcast to the sample shape ${fmtShape(shape)}`);
  }
}

function rsampleOp(key: PRNGKey, alpha: tf.Tensor, shape: readonly number[], logSpace: boolean): tf.Tensor {
  const op = customOp((alphaT: tf.Tensor) => {
    const { alpha: a, logZ } = draw(key, alphaT, shape);
    const n = logZ.length;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = logSpace ? logZ[i]! : Math.max(Math.exp(logZ[i]!), FLOAT32_TINY);
    return {
      value: tf.tensor(out, [...shape], 'float32'),
      gradFunc: (dy: tf.Tensor, [as]: tf.Tensor[]) => {
        // Computed only when a gradient is asked for. The draws are constants of the backward
        // pass, so a second derivative with respect to alpha is not available (it would be 0).
        const g = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          const dl = dLogGammaDraw(a[i]!, logZ[i]!);
          g[i] = logSpace ? dl : Math.exp(logZ[i]!) * dl;
        }
        return tf.tidy(() => sumToShape(tf.mul(dy, tf.tensor(g, [...shape], 'float32')), as!.shape));
      },
    };
  });
  return op(alpha);
}

/**
 * Gamma(alpha, 1) draws of the given shape, differentiable with respect to alpha through implicit
 * reparameterisation. Draws are floored at the smallest normal float32 (1.2e-38) so they stay in
 * the support; use {@link logStandardGammaRsample} when alpha is small.
 * @param key - the PRNG key; the same key gives the same draws
 * @param alpha - concentrations (> 0; NaN draws otherwise), broadcastable to `shape`
 * @param shape - the shape of the draws
 * @throws {ValueError} when alpha does not broadcast to `shape`
 */
export function standardGammaRsample(key: PRNGKey, alpha: tf.Tensor, shape: readonly number[]): tf.Tensor {
  checkShapes('standardGammaRsample', alpha, shape);
  return rsampleOp(key, alpha, shape, false);
}

/**
 * The logs of Gamma(alpha, 1) draws (the same draws as {@link standardGammaRsample} for the same
 * key), differentiable with respect to alpha; finite even where the draws underflow float32.
 * @throws {ValueError} when alpha does not broadcast to `shape`
 */
export function logStandardGammaRsample(key: PRNGKey, alpha: tf.Tensor, shape: readonly number[]): tf.Tensor {
  checkShapes('logStandardGammaRsample', alpha, shape);
  return rsampleOp(key, alpha, shape, true);
}
