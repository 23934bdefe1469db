/**
 * The error-function family as differentiable tfjs compositions in float32: erf, erfc, erfinv,
 * erfcinv and ndtri (the standard normal quantile). tf.erf uses Abramowitz–Stegun 7.1.26, whose
 * absolute error of 1.5e-7 is a large relative error for small |x| and in the erfc tail; these
 * versions keep relative accuracy (about 3e-7) everywhere, which tail probabilities need.
 *
 * Forward passes run inside tf.customGrad (not recorded on the tape, so tf.where may branch);
 * the backward passes are written with ops that can themselves be differentiated.
 */
import * as tf from '@tensorflow/tfjs';

import { customOp } from './grad-utils.js';
import { type TensorLike, toTensor } from './tensor-like.js';

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const SQRT_PI_OVER_2 = Math.sqrt(Math.PI) / 2;

type Unary = (x: tf.Tensor) => tf.Tensor;

/** exp whose gradient is computed from the input again (tf.exp's reuses its saved output, which breaks nested gradients). */
export const expNested: Unary = (() => {
  const op = customOp((x: tf.Tensor) => ({
    value: tf.exp(x),
    gradFunc: (dy: tf.Tensor, [xs]: tf.Tensor[]) => tf.mul(dy, expNested(xs!)),
  }));
  return (x: tf.Tensor) => op(x);
})();

/** Maclaurin coefficients of erf(x) / x in powers of x^2: (2/sqrt(pi)) (-1)^n / (n! (2n+1)), n = 0..7. */
const ERF_SMALL: number[] = [];
{
  let fact = 1;
  for (let n = 0; n <= 7; n++) {
    if (n > 0) fact *= n;
    ERF_SMALL.push((TWO_OVER_SQRT_PI * (n % 2 === 0 ? 1 : -1)) / (fact * (2 * n + 1)));
  }
}

/**
 * Numerical Recipes' Chebyshev fit for erfc (Press et al., 2nd ed., section 6.2; fractional error
 * below 1.2e-7 for all z >= 0): erfc(z) = t exp(-z^2 + P(t)), t = 1 / (1 + z/2).
 */
const ERFC_CHEB = [
  -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223,
  0.17087277,
];

function hornerT(t: tf.Tensor, coefs: readonly number[]): tf.Tensor {
  let p: tf.Tensor = tf.scalar(coefs[coefs.length - 1]!);
  for (let i = coefs.length - 2; i >= 0; i--) p = tf.add(tf.mul(p, t), coefs[i]!);
  return p;
}

/** erf by its Maclaurin series, accurate to 1e-9 relative for |x| <= 1/2. */
function erfSmall(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, hornerT(tf.square(x), ERF_SMALL));
}

/** log erfc(z) for z >= 0, without underflow: log t - h^2 + rest in the notation below. */
function logErfcPositive(z: tf.Tensor): tf.Tensor {
  const t = tf.reciprocal(tf.add(1, tf.mul(0.5, z)));
  const h = tf.div(tf.floor(tf.mul(z, 256)), 256);
  const rest = tf.add(tf.neg(tf.mul(tf.sub(z, h), tf.add(z, h))), hornerT(t, ERFC_CHEB));
  return tf.add(tf.sub(tf.log(t), tf.square(h)), rest);
}

/** erfc for z >= 0 with float32 relative accuracy in the tail. */
function erfcPositive(z: tf.Tensor): tf.Tensor {
  const t = tf.reciprocal(tf.add(1, tf.mul(0.5, z)));
  // exp(-z^2) = exp(-h^2) exp(-(z - h)(z + h)) with h = z rounded down to 1/256: h has at most
  // 12 significant bits below 16, so h^2 is exact in float32 and the large part of the exponent
  // carries no rounding error (rounding z^2 would cost a relative error of ~z^2 * 6e-8).
  const h = tf.div(tf.floor(tf.mul(z, 256)), 256);
  const rest = tf.add(tf.neg(tf.mul(tf.sub(z, h), tf.add(z, h))), hornerT(t, ERFC_CHEB));
  return tf.mul(tf.mul(t, tf.exp(tf.neg(tf.square(h)))), tf.exp(rest));
}

function erfForward(x: tf.Tensor): tf.Tensor {
  const ax = tf.abs(x);
  const tail = tf.sub(1, erfcPositive(ax));
  // Not tf.sign: the wasm backend's Sign returns 0 for tiny nonzero inputs (e.g. 1e-7).
  const large = tf.where(tf.less(x, 0), tf.neg(tail), tail);
  return tf.where(tf.less(ax, 0.5), erfSmall(x), large);
}

function erfcForward(x: tf.Tensor): tf.Tensor {
  const ax = tf.abs(x);
  const tail = erfcPositive(ax);
  const outer = tf.where(tf.greater(x, 0), tail, tf.sub(2, tail));
  return tf.where(tf.less(ax, 0.5), tf.sub(1, erfSmall(x)), outer);
}

/**
 * Giles' single-precision approximation of erfinv in terms of w = -log((1 - y)(1 + y)), written
 * with the two factors passed separately so that erfcinv can supply 1 - y = q exactly
 * (M. Giles, "Approximating the erfinv function", GPU Computing Gems, 2011).
 */
const GILES_CENTRAL = [
  1.50140941, 0.246640727, -0.00417768164, -0.00125372503, 0.00021858087, -4.39150654e-6, -3.5233877e-6,
  3.43273939e-7, 2.81022636e-8,
];
const GILES_TAIL = [
  2.83297682, 1.00167406, 0.00943887047, -0.0076224613, 0.00573950773, -0.00367342844, 0.00134934322,
  0.000100950558, -0.000200214257,
];

/** One Newton step for erfc(x) = q in log space: exact in the far tail, where q may be ~1e-38. */
function logNewtonStep(x: tf.Tensor, logQ: tf.Tensor): tf.Tensor {
  const le = logErfcPositive(x);
  // d/dx log erfc(x) = -(2/sqrt(pi)) exp(-x^2) / erfc(x)
  const slope = tf.mul(TWO_OVER_SQRT_PI, tf.exp(tf.sub(tf.neg(tf.square(x)), le)));
  return tf.add(x, tf.div(tf.sub(le, logQ), slope));
}

/**
 * |erfinv(y)| from a = |y| and oneMinus = 1 - |y| (passed separately so that erfcinv can supply
 * 1 - y = q exactly). Start: Giles' polynomials, or for w > 16 (erfcinv of q < ~1e-7, beyond
 * their range) the asymptotic x = sqrt(L - log(sqrt(pi) x)), L = -log q, iterated twice.
 * Then Newton: on erf(x) = a for a < 1/2, and twice on log erfc(x) = log(1 - a) otherwise.
 */
function erfinvAbs(a: tf.Tensor, oneMinus: tf.Tensor): tf.Tensor {
  const w = tf.neg(tf.log(tf.mul(oneMinus, tf.add(1, a))));
  const central = tf.mul(hornerT(tf.sub(w, 2.5), GILES_CENTRAL), a);
  const tail = tf.mul(hornerT(tf.sub(tf.sqrt(w), 3), GILES_TAIL), a);
  const logQ = tf.log(oneMinus);
  let asym = tf.sqrt(tf.neg(logQ));
  for (let i = 0; i < 2; i++) asym = tf.sqrt(tf.sub(tf.neg(logQ), tf.log(tf.mul(Math.sqrt(Math.PI), asym))));
  const x0 = tf.where(tf.less(w, 5), central, tf.where(tf.less(w, 16), tail, asym));
  const slope = tf.mul(TWO_OVER_SQRT_PI, tf.exp(tf.neg(tf.square(x0))));
  const nearZero = tf.sub(x0, tf.div(tf.sub(erfForward(x0), a), slope));
  const inTail = logNewtonStep(logNewtonStep(x0, logQ), logQ);
  const x1 = tf.where(tf.less(a, 0.5), nearZero, inTail);
  return tf.where(tf.equal(oneMinus, 0), tf.fill(x0.shape, Infinity), x1);
}

function erfinvForward(y: tf.Tensor): tf.Tensor {
  const a = tf.abs(y);
  const r = erfinvAbs(a, tf.sub(1, a));
  return tf.where(tf.less(y, 0), tf.neg(r), r); // not tf.sign (see erfForward)
}

function erfcinvForward(q: tf.Tensor): tf.Tensor {
  // erfcinv(q) = erfinv(1 - q); for q <= 1 the small factor 1 - y is q itself, exact.
  const upper = tf.greater(q, 1);
  const qs = tf.where(upper, tf.sub(2, q), q); // reflect: erfcinv(2 - q) = -erfcinv(q)
  const r = erfinvAbs(tf.sub(1, qs), qs);
  return tf.where(upper, tf.neg(r), r);
}

/**
 * A unary op with the given forward pass and the gradient dy * derivative(x). The derivative
 * recomputes what it needs from x rather than reading the forward output (see customOp).
 */
function unaryOp(forward: Unary, derivative: (x: tf.Tensor) => tf.Tensor): Unary {
  const op = customOp((x: tf.Tensor) => ({
    value: forward(x),
    gradFunc: (dy: tf.Tensor, [xs]: tf.Tensor[]) => tf.mul(dy, derivative(xs!)),
  }));
  return (x) => op(x);
}

const gaussDensity = (x: tf.Tensor): tf.Tensor => tf.mul(TWO_OVER_SQRT_PI, expNested(tf.neg(tf.square(x))));
const erfOp = unaryOp(erfForward, (x) => gaussDensity(x));
const erfcOp = unaryOp(erfcForward, (x) => tf.neg(gaussDensity(x)));
const erfinvOp: Unary = unaryOp(erfinvForward, (y) => tf.mul(SQRT_PI_OVER_2, expNested(tf.square(erfinvOp(y)))));
const erfcinvOp: Unary = unaryOp(erfcinvForward, (q) => tf.mul(-SQRT_PI_OVER_2, expNested(tf.square(erfcinvOp(q)))));

/**
 * The error function, element-wise, with relative accuracy about 3e-7.
 * @returns a float32 tensor of the shape of `x`
 */
export function erf(x: TensorLike): tf.Tensor {
  return erfOp(toTensor(x));
}

/**
 * The complementary error function 1 - erf(x), accurate relative to its value in the right tail
 * (about 3e-7 down to the float32 underflow near x = 9.2).
 * @returns a float32 tensor of the shape of `x`
 */
export function erfc(x: TensorLike): tf.Tensor {
  return erfcOp(toTensor(x));
}

/**
 * The inverse error function on [-1, 1] (+-Infinity at +-1, NaN outside), accurate near +-1.
 * @returns a float32 tensor of the shape of `y`
 */
export function erfinv(y: TensorLike): tf.Tensor {
  return erfinvOp(toTensor(y));
}

/**
 * The inverse complementary error function on [0, 2]: erfcinv(q) = erfinv(1 - q), computed
 * without forming 1 - q, so it stays accurate for tiny q.
 * @returns a float32 tensor of the shape of `q`
 */
export function erfcinv(q: TensorLike): tf.Tensor {
  return erfcinvOp(toTensor(q));
}

/**
 * The standard normal quantile function Phi^-1(p) = -sqrt(2) erfcinv(2p), accurate in both tails.
 * @returns a float32 tensor of the shape of `p`
 */
export function ndtri(p: TensorLike): tf.Tensor {
  return tf.tidy(() => tf.mul(-Math.SQRT2, erfcinv(tf.mul(2, toTensor(p)))));
}
