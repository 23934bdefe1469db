/**
 * Special functions that tfjs lacks, as differentiable float32 tfjs compositions: the gamma
 * family (special-gamma.ts), the error-function family (special-erf.ts), and here the stable
 * log-exp helpers (log1pexp, log1mexp, logSumExp) and xlogy / xlog1py. The incomplete gamma and
 * beta functions, Student's t CDF and their inverses (special-cdf.ts) are computed in double
 * precision in JavaScript instead, with closed-form gradients in their argument.
 *
 * Forward passes that need branches run inside tf.customGrad, whose forward ops are not
 * recorded on the tape: tfjs has no gradient for comparison ops, so tf.where on a condition
 * computed from a differentiated input would otherwise break backpropagation. Backward passes
 * use ops that can be differentiated again, so second derivatives work as well.
 */
import * as tf from '@tensorflow/tfjs';

import { constant, customOp, sumToShape } from './grad-utils.js';
import { expNested } from './special-erf.js';
import { type TensorLike, broadcastShapes, toTensor } from './tensor-like.js';

export { lgamma, digamma, trigamma, lbeta, mvlgamma } from './special-gamma.js';
export { erf, erfc, erfinv, erfcinv, ndtri } from './special-erf.js';
export { gammainc, gammaincc, betainc, stdtr, gammaincinv, gammainccinv, betaincinv, stdtrit } from './special-cdf.js';

type Unary = (x: tf.Tensor) => tf.Tensor;

/** The logistic sigmoid with a nested-differentiable gradient s (1 - s). */
const sigmoidNested: Unary = (() => {
  const op = customOp((x: tf.Tensor) => ({
    value: tf.sigmoid(x),
    gradFunc: (dy: tf.Tensor, [xs]: tf.Tensor[]) => {
      const s = sigmoidNested(xs!);
      return tf.mul(dy, tf.mul(s, tf.sub(1, s)));
    },
  }));
  return (x: tf.Tensor) => op(x);
})();

const log1pexpOp: Unary = (() => {
  const op = customOp((x: tf.Tensor) => ({
    // max(x, 0) + log1p(exp(-|x|)): no overflow for large x, full relative accuracy for very
    // negative x (tf.softplus computes log(1 + exp(x)), which loses digits once exp(x) < 1e-4).
    value: tf.add(tf.relu(x), tf.log1p(tf.exp(tf.neg(tf.abs(x))))),
    gradFunc: (dy: tf.Tensor, [xs]: tf.Tensor[]) => tf.mul(dy, sigmoidNested(xs!)),
  }));
  return (x: tf.Tensor) => op(x);
})();

const LN2 = Math.LN2;

const log1mexpOp: Unary = (() => {
  const op = customOp((x: tf.Tensor) => ({
    // log(1 - exp(x)) for x <= 0 (Maechler 2012): log(-expm1(x)) near 0, log1p(-exp(x)) below -ln 2.
    value: tf.where(tf.greater(x, -LN2), tf.log(tf.neg(tf.expm1(x))), tf.log1p(tf.neg(tf.exp(x)))),
    // d/dx log(1 - e^x) = -1 / (e^-x - 1)
    gradFunc: (dy: tf.Tensor, [xs]: tf.Tensor[]) => tf.div(tf.neg(dy), tf.expm1(tf.neg(xs!))),
  }));
  return (x: tf.Tensor) => op(x);
})();

/**
 * log(1 + exp(x)) (softplus), stable for all x; its gradient is sigmoid(x).
 * @returns a float32 tensor of the shape of `x`
 */
export function log1pexp(x: TensorLike): tf.Tensor {
  return log1pexpOp(toTensor(x));
}

/** Alias of {@link log1pexp}. */
export const softplus = log1pexp;

/**
 * log(1 - exp(x)) for x <= 0, stable both near 0 and for very negative x (NaN for x > 0).
 * @returns a float32 tensor of the shape of `x`
 */
export function log1mexp(x: TensorLike): tf.Tensor {
  return log1mexpOp(toTensor(x));
}

function normaliseAxes(axis: number | readonly number[], rank: number): number[] {
  const list = typeof axis === 'number' ? [axis] : [...axis];
  return [...new Set(list.map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
}

/**
 * log(sum(exp(x))) along `axis`, stable for large entries and for -Infinity entries (a slice of
 * all -Infinity gives -Infinity with zero gradient). Unlike tf.logSumExp it can be
 * differentiated twice.
 * @param x - the input tensor
 * @param axis - the axis or axes to reduce. @defaultValue -1
 * @param keepDims - keep the reduced axes with size 1. @defaultValue false
 * @returns the reduced tensor
 */
export function logSumExp(x: TensorLike, axis: number | readonly number[] = -1, keepDims = false): tf.Tensor {
  const t = toTensor(x);
  const axes = normaliseAxes(axis, t.rank);
  const keepShape = t.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outShape = keepDims ? keepShape : t.shape.filter((_, i) => !axes.includes(i));
  const op = customOp((xi: tf.Tensor) => {
    const m = tf.max(xi, axes, true);
    const mSafe = tf.where(tf.isFinite(m), m, tf.zerosLike(m));
    const lse = tf.add(tf.log(tf.sum(tf.exp(tf.sub(xi, mSafe)), axes, true)), mSafe);
    const value = tf.reshape(lse, outShape);
    return {
      value,
      gradFunc: (dy: tf.Tensor, [xs]: tf.Tensor[]) => {
        // Softmax weights exp(x - lse), with lse recomputed from the saved input (see customOp).
        // Where a slice is all -Infinity, subtracting 0 instead of lse = -Infinity gives weights
        // exp(-Infinity) = 0 rather than NaN.
        const lseK = logSumExp(xs!, axes, true);
        const live = constant(() => tf.greater(lseK, -Infinity));
        const w = expNested(tf.sub(xs!, tf.where(live, lseK, tf.zeros(keepShape))));
        return tf.mul(tf.reshape(dy, keepShape), w);
      },
    };
  });
  return op(t);
}

/**
 * A binary op `x * g(y)` that is exactly 0 where x = 0 (even where g(y) is infinite), with the
 * gradients of JAX's xlogy: d/dx = g(y) (0 where also g(y) is -Infinity), d/dy = x g'(y) (0 where x = 0).
 */
function xTimes(g: Unary, dg: (y: tf.Tensor) => tf.Tensor): (x: tf.Tensor, y: tf.Tensor) => tf.Tensor {
  const op = customOp((x: tf.Tensor, y: tf.Tensor) => {
    const shape = broadcastShapes(x.shape, y.shape)!;
    const gy = g(y);
    return {
      value: tf.where(tf.equal(x, 0), tf.zeros(shape), tf.mul(x, gy)),
      gradFunc: (dy: tf.Tensor, [xs, ys]: tf.Tensor[]) => {
        const [a, b] = [xs!, ys!];
        const zero = constant(() => tf.broadcastTo(tf.equal(a, 0), shape));
        const bothBad = constant(() => tf.logicalAnd(zero, tf.broadcastTo(tf.logicalNot(tf.isFinite(g(b))), shape)));
        const dx = tf.where(bothBad, tf.zeros(shape), tf.broadcastTo(g(b), shape));
        const dyy = tf.where(zero, tf.zeros(shape), tf.broadcastTo(tf.mul(a, dg(b)), shape));
        return [sumToShape(tf.mul(dy, dx), a.shape), sumToShape(tf.mul(dy, dyy), b.shape)];
      },
    };
  });
  return (x, y) => op(x, y);
}

const xlogyOp = xTimes(tf.log, (y) => tf.reciprocal(y));
const xlog1pyOp = xTimes(tf.log1p, (y) => tf.reciprocal(tf.add(1, y)));

/**
 * x * log(y), with broadcasting, defined as 0 where x = 0 (also for y = 0).
 * @returns a float32 tensor of the broadcast shape
 */
export function xlogy(x: TensorLike, y: TensorLike): tf.Tensor {
  return xlogyOp(toTensor(x), toTensor(y));
}

/**
 * x * log1p(y), with broadcasting, defined as 0 where x = 0 (also for y = -1).
 * @returns a float32 tensor of the broadcast shape
 */
export function xlog1py(x: TensorLike, y: TensorLike): tf.Tensor {
  return xlog1pyOp(toTensor(x), toTensor(y));
}
