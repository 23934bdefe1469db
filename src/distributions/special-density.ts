/**
 * The Gamma(a, 1), Beta(a, b) and standard Student t densities as differentiable ops: the
 * derivatives of the CDF ops in special-cdf.ts with respect to their argument, and (inverted) of
 * the quantile ops with respect to the probability.
 *
 * The values are computed in double precision in JavaScript and rounded once, because the
 * float32 log-density compositions lose ~1e-7 · |log-density terms| absolutely, i.e. ~4e-4
 * relative at shapes of 1e3 where the terms reach 7e3. Their gradients are closed forms made of
 * float32 ops that call these densities again, so that every order of derivative is available:
 *   d p / dx = p · d log p / dx, d p / dθ = p · d log p / dθ,
 * with d log p / dθ from digamma (float32). At the ends of the support (x = 0, x = 1) the
 * gradients are reported as 0.
 */
import * as tf from '@tensorflow/tfjs';

import { constant, customOp } from './grad-utils.js';
import { float32Tensor, mapElements, readBroadcast, tensorGrad } from './js-elementwise.js';
import { lbeta64, studentTLogDensity64 } from './special-incomplete.js';
import { lgamma64 } from './special-kernels.js';
import { digamma } from './special-gamma.js';

type BinaryOp = (a: tf.Tensor, x: tf.Tensor) => tf.Tensor;
type TernaryOp = (a: tf.Tensor, b: tf.Tensor, x: tf.Tensor) => tf.Tensor;

/** c · log(x) with 0 for c = 0, so that x^0 = 1 also at x = 0. */
function powerLog64(c: number, logX: number): number {
  return c === 0 ? 0 : c * logX;
}

function gammaDensity64(a: number, x: number): number {
  if (!(a > 0) || a === Infinity || Number.isNaN(x)) return NaN;
  if (x < 0 || x === Infinity) return 0;
  return Math.exp(powerLog64(a - 1, Math.log(x)) - x - lgamma64(a));
}

function betaDensity64(a: number, b: number, x: number): number {
  if (!(a > 0 && b > 0) || a === Infinity || b === Infinity || Number.isNaN(x)) return NaN;
  if (x < 0 || x > 1) return 0;
  // 1 - x is exact in double for a float32 x.
  return Math.exp(powerLog64(a - 1, Math.log(x)) + powerLog64(b - 1, Math.log1p(-x)) - lbeta64(a, b));
}

function studentTDensity64(df: number, t: number): number {
  if (!(df > 0) || df === Infinity || Number.isNaN(t)) return NaN;
  return Math.exp(studentTLogDensity64(df, t));
}

/** The broadcast inputs, a constant mask of the open interval (lo, hi), and x with 1/2 outside it. */
function interior(x: tf.Tensor, shape: number[], lo: number, hi: number): { inside: tf.Tensor; xs: tf.Tensor } {
  const xb = tf.broadcastTo(x, shape);
  const inside = constant(() => tf.logicalAnd(tf.greater(xb, lo), tf.less(xb, hi)));
  return { inside, xs: tf.where(inside, xb, tf.fill(shape, 0.5)) };
}

/** `value` inside, 0 outside. */
function onInterior(inside: tf.Tensor, value: tf.Tensor): tf.Tensor {
  return tf.where(inside, value, tf.zerosLike(value));
}

/**
 * The Gamma(a, 1) density x^(a-1) e^-x / Gamma(a) (0 for x < 0), with
 * d/dx = p ((a - 1)/x - 1) and d/da = p (log x - digamma(a)).
 */
export const gammaDensity: BinaryOp = customOp((a: tf.Tensor, x: tf.Tensor) => {
  const { shape, values } = readBroadcast('gammaDensity', [a, x]);
  return {
    value: float32Tensor(mapElements(values, gammaDensity64), shape),
    gradFunc: (dy: tf.Tensor, [as, xs]: tf.Tensor[]) => {
      const p = gammaDensity(as!, xs!);
      const ab = tf.broadcastTo(as!, shape);
      const { inside, xs: v } = interior(xs!, shape, 0, Infinity);
      const dx = onInterior(inside, tf.mul(p, tf.sub(tf.div(tf.sub(ab, 1), v), 1)));
      const da = onInterior(inside, tf.mul(p, tf.sub(tf.log(v), digamma(ab))));
      return [tensorGrad(dy, da, as!), tensorGrad(dy, dx, xs!)];
    },
  };
});

/**
 * The Beta(a, b) density x^(a-1) (1-x)^(b-1) / B(a, b) (0 outside [0, 1]), with
 * d/dx = p ((a-1)/x - (b-1)/(1-x)), d/da = p (log x - digamma(a) + digamma(a+b)) and
 * d/db = p (log(1-x) - digamma(b) + digamma(a+b)).
 */
export const betaDensity: TernaryOp = customOp((a: tf.Tensor, b: tf.Tensor, x: tf.Tensor) => {
  const { shape, values } = readBroadcast('betaDensity', [a, b, x]);
  return {
    value: float32Tensor(mapElements(values, betaDensity64), shape),
    gradFunc: (dy: tf.Tensor, [as, bs, xs]: tf.Tensor[]) => {
      const p = betaDensity(as!, bs!, xs!);
      const ab = tf.broadcastTo(as!, shape);
      const bb = tf.broadcastTo(bs!, shape);
      const { inside, xs: v } = interior(xs!, shape, 0, 1);
      const log1mv = tf.log1p(tf.neg(v));
      const psiAB = digamma(tf.add(ab, bb));
      const dx = onInterior(inside, tf.mul(p, tf.sub(tf.div(tf.sub(ab, 1), v), tf.div(tf.sub(bb, 1), tf.sub(1, v)))));
      const da = onInterior(inside, tf.mul(p, tf.add(tf.sub(tf.log(v), digamma(ab)), psiAB)));
      const db = onInterior(inside, tf.mul(p, tf.add(tf.sub(log1mv, digamma(bb)), psiAB)));
      return [tensorGrad(dy, da, as!), tensorGrad(dy, db, bs!), tensorGrad(dy, dx, xs!)];
    },
  };
});

/**
 * The standard Student t density with df degrees of freedom, with
 * d/dt = -p (df + 1) t / (df + t^2) and
 * d/d(df) = p [(digamma((df+1)/2) - digamma(df/2) - 1/df - log(1 + t^2/df)) / 2 + (df+1) t^2 / (2 df (df + t^2))].
 */
export const studentTDensity: BinaryOp = customOp((df: tf.Tensor, t: tf.Tensor) => {
  const { shape, values } = readBroadcast('studentTDensity', [df, t]);
  return {
    value: float32Tensor(mapElements(values, studentTDensity64), shape),
    gradFunc: (dy: tf.Tensor, [dfs, ts]: tf.Tensor[]) => {
      const p = studentTDensity(dfs!, ts!);
      const d = tf.broadcastTo(dfs!, shape);
      const { inside, xs: v } = interior(ts!, shape, -Infinity, Infinity);
      const t2 = tf.square(v);
      const dfPlusT2 = tf.add(d, t2);
      const dt = onInterior(inside, tf.mul(p, tf.div(tf.mul(tf.neg(tf.add(d, 1)), v), dfPlusT2)));
      const psi = tf.sub(digamma(tf.mul(0.5, tf.add(d, 1))), digamma(tf.mul(0.5, d)));
      const inner = tf.sub(tf.sub(psi, tf.reciprocal(d)), tf.log1p(tf.div(t2, d)));
      const tail = tf.div(tf.mul(tf.add(d, 1), t2), tf.mul(d, dfPlusT2));
      const ddf = onInterior(inside, tf.mul(p, tf.mul(0.5, tf.add(inner, tail))));
      return [tensorGrad(dy, ddf, dfs!), tensorGrad(dy, dt, ts!)];
    },
  };
});
