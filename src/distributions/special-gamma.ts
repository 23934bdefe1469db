/**
 * The gamma-function family as differentiable tfjs compositions in float32: lgamma, digamma,
 * trigamma, lbeta, mvlgamma. Each forward pass runs inside tf.customGrad, where ops are not
 * recorded on the tape, so it may branch with tf.where freely (tfjs has no gradient for
 * comparison ops); the backward pass is the next function of the family, so that
 * d lgamma = digamma, d digamma = trigamma, and second derivatives of lgamma work.
 *
 * On the cpu and wasm backends the forward passes of lgamma and digamma run as double-precision
 * JavaScript kernels (special-kernels.ts), correctly rounded to float32 and far faster; the
 * compositions here serve the other backends. Their accuracy (float32, measured in
 * test/distributions/special.spec.ts against float64 references): lgamma has relative error
 * about 3e-7 where |lgamma| >= 1 and absolute error about 1e-7 near its zeros at 1 and 2;
 * digamma has absolute error about 5e-7 for x < 6 and relative error about 2e-7 beyond.
 */
import * as tf from '@tensorflow/tfjs';

import { customOp } from './grad-utils.js';
import { DIGAMMA_KERNEL, LGAMMA_KERNEL, runIfAvailable } from './special-kernels.js';
import { type TensorLike, toTensor } from './tensor-like.js';

const EULER_GAMMA = 0.5772156649015329;
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
const LOG_PI = Math.log(Math.PI);

/** zeta(k) - 1 in double precision: a direct sum to N plus the Euler–Maclaurin tail. */
function zetaMinusOne(k: number): number {
  const n = 30;
  let s = 0;
  for (let i = 2; i < n; i++) s += i ** -k;
  // Tail sum_{i>=n} i^-k = n^{1-k}/(k-1) + n^-k/2 + k n^{-k-1}/12 - k(k+1)(k+2) n^{-k-3}/720 + ...
  s += n ** (1 - k) / (k - 1) + 0.5 * n ** -k + (k * n ** (-k - 1)) / 12 - (k * (k + 1) * (k + 2) * n ** (-k - 3)) / 720;
  return s;
}

/**
 * Taylor coefficients of lgamma(2 + e) = sum_k c_k e^k with c_1 = 1 - EulerGamma and
 * c_k = (-1)^k (zeta(k) - 1) / k. On |e| <= 1/2 the terms fall like 4^-k / k, so 14 terms
 * leave a truncation error below 1e-9.
 */
const LGAMMA2_COEFS: number[] = [1 - EULER_GAMMA];
for (let k = 2; k <= 14; k++) LGAMMA2_COEFS.push(((k % 2 === 0 ? 1 : -1) * zetaMinusOne(k)) / k);

/** Horner evaluation of sum_i coefs[i] * t^i with tensor t. */
function horner(t: tf.Tensor, coefs: readonly number[]): tf.Tensor {
  let p: tf.Tensor = tf.scalar(coefs[coefs.length - 1]!);
  for (let i = coefs.length - 2; i >= 0; i--) p = tf.add(tf.mul(p, t), coefs[i]!);
  return p;
}

/** Stirling's series for lgamma(z), accurate to float32 for z >= 3.5 (next term < 2e-9). */
function stirlingLgamma(z: tf.Tensor): tf.Tensor {
  const r = tf.reciprocal(z);
  const r2 = tf.square(r);
  // Bernoulli terms B_2m / (2m (2m-1) z^(2m-1)), m = 1..5.
  const series = tf.mul(r, horner(r2, [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188]));
  return tf.add(tf.sub(tf.mul(tf.sub(z, 0.5), tf.log(z)), z), tf.add(series, HALF_LOG_2PI));
}

function lgammaForward(x: tf.Tensor): tf.Tensor {
  const fast = runIfAvailable(LGAMMA_KERNEL, x);
  if (fast !== undefined) return fast;
  // x < 3.5: shift to 2 + e with |e| <= 1/2 by lgamma(x) = lgamma(x + 1) - log(x) (up to twice)
  // or lgamma(x) = lgamma(x - 1) + log(x - 1) (once), then the Taylor series at 2. Shifting
  // towards the small values near 2 avoids the cancellation that a shifted Stirling or Lanczos
  // formula suffers near the zeros of lgamma (their float32 error there is ~1e-5).
  const c = tf.clipByValue(tf.floor(tf.add(x, 0.5)), 0, 3);
  const e = tf.sub(x, c);
  const arg = tf.where(
    tf.equal(c, 0),
    tf.reciprocal(tf.mul(x, tf.add(x, 1))),
    tf.where(tf.equal(c, 1), tf.reciprocal(x), tf.where(tf.equal(c, 2), tf.onesLike(x), tf.sub(x, 1))),
  );
  const near2 = tf.add(tf.mul(e, horner(e, LGAMMA2_COEFS)), tf.log(arg));
  const big = tf.greaterEqual(x, 3.5);
  const far = stirlingLgamma(tf.where(big, x, tf.fill(x.shape, 3.5)));
  const out = tf.where(big, far, near2);
  // Stirling gives inf - inf at +Infinity; lgamma is defined here for x >= 0 only.
  return tf.where(tf.equal(x, Infinity), x, tf.where(tf.less(x, 0), tf.fill(x.shape, NaN), out));
}

function digammaForward(x: tf.Tensor): tf.Tensor {
  const fast = runIfAvailable(DIGAMMA_KERNEL, x);
  if (fast !== undefined) return fast;
  // psi(x) = psi(x + 6) - sum_{i<6} 1/(x + i) below 6, then the asymptotic series
  // psi(z) = log z - 1/(2z) - 1/(12z^2) + 1/(120z^4) - 1/(252z^6) + 1/(240z^8) (next term < 2e-10 at z = 6).
  const small = tf.less(x, 6);
  let shift: tf.Tensor = tf.zerosLike(x);
  for (let i = 0; i < 6; i++) shift = tf.add(shift, tf.reciprocal(tf.add(x, i)));
  const z = tf.where(small, tf.add(x, 6), x);
  const r = tf.reciprocal(z);
  const r2 = tf.square(r);
  const tail = tf.mul(r2, horner(r2, [1 / 12, -1 / 120, 1 / 252, -1 / 240]));
  const asym = tf.sub(tf.sub(tf.log(z), tf.mul(0.5, r)), tail);
  const out = tf.where(small, tf.sub(asym, shift), asym);
  return tf.where(tf.less(x, 0), tf.fill(x.shape, NaN), out);
}

/**
 * trigamma as a plain composition (so autodiff gives its derivative). The shift mask comes from
 * tf.step, which has a (zero) gradient, unlike the comparison ops.
 */
function trigammaCompose(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const m = tf.step(tf.sub(6, x));
    let shift: tf.Tensor = tf.zerosLike(x);
    for (let i = 0; i < 6; i++) shift = tf.add(shift, tf.reciprocal(tf.square(tf.add(x, i))));
    const z = tf.add(x, tf.mul(6, m));
    const r = tf.reciprocal(z);
    const r2 = tf.square(r);
    // psi1(z) = 1/z + 1/(2z^2) + 1/(6z^3) - 1/(30z^5) + 1/(42z^7) - 1/(30z^9) (next term < 1e-9 at z = 6).
    const asym = tf.add(tf.add(r, tf.mul(0.5, r2)), tf.mul(tf.mul(r, r2), horner(r2, [1 / 6, -1 / 30, 1 / 42, -1 / 30])));
    return tf.add(asym, tf.mul(m, shift));
  });
}

type Unary = (x: tf.Tensor) => tf.Tensor;

/** A unary op whose forward pass is `forward` and whose derivative is `derivative(x)`. */
function unaryWithDerivative(forward: Unary, derivative: () => Unary): Unary {
  const op = customOp((x: tf.Tensor) => ({
    value: forward(x),
    gradFunc: (dy: tf.Tensor, [xs]: tf.Tensor[]) => tf.mul(dy, derivative()(xs!)),
  }));
  return (x) => op(x);
}

const trigammaOp: Unary = trigammaCompose;
const digammaOp = unaryWithDerivative(digammaForward, () => trigammaOp);
const lgammaOp = unaryWithDerivative(lgammaForward, () => digammaOp);

/**
 * log|Gamma(x)| for x >= 0 (NaN for x < 0), element-wise; its gradient is digamma.
 * @param x - arguments, any shape
 * @returns a float32 tensor of the shape of `x`
 */
export function lgamma(x: TensorLike): tf.Tensor {
  return lgammaOp(toTensor(x));
}

/**
 * The digamma function psi(x) = d/dx log Gamma(x) for x >= 0, element-wise; its gradient is trigamma.
 * @param x - arguments, any shape
 * @returns a float32 tensor of the shape of `x`
 */
export function digamma(x: TensorLike): tf.Tensor {
  return digammaOp(toTensor(x));
}

/**
 * The trigamma function psi'(x) for x > 0, element-wise (differentiable by autodiff).
 * @param x - arguments, any shape
 * @returns a float32 tensor of the shape of `x`
 */
export function trigamma(x: TensorLike): tf.Tensor {
  return trigammaOp(toTensor(x));
}

/**
 * log B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b), with broadcasting.
 * @returns a float32 tensor of the broadcast shape
 */
export function lbeta(a: TensorLike, b: TensorLike): tf.Tensor {
  return tf.tidy(() => {
    const ta = toTensor(a);
    const tb = toTensor(b);
    return tf.sub(tf.add(lgamma(ta), lgamma(tb)), lgamma(tf.add(ta, tb)));
  });
}

/**
 * The multivariate log-gamma function of order p:
 * log Gamma_p(a) = p(p-1)/4 log(pi) + sum_{j=0}^{p-1} lgamma(a - j/2), defined for a > (p-1)/2.
 * @param a - arguments, any shape
 * @param p - the order, an integer >= 1
 * @returns a float32 tensor of the shape of `a`
 */
export function mvlgamma(a: TensorLike, p: number): tf.Tensor {
  return tf.tidy(() => {
    const ta = toTensor(a);
    const offsets = tf.tensor1d(Array.from({ length: p }, (_, j) => -0.5 * j));
    const terms = lgamma(tf.add(tf.expandDims(ta, -1), offsets));
    return tf.add(tf.sum(terms, -1), (p * (p - 1) * LOG_PI) / 4);
  });
}
