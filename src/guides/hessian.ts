/**
 * Hessians of scalar functions of one vector, for the Laplace approximation: by nested reverse-mode
 * autodiff (exact; needs second derivatives of every op, which vinfer's gradient shims supply for
 * exp, sigmoid, tanh, softmax and pow), or by central finite differences of the gradient (needs
 * only first derivatives). TFJS-NOTES §4 measured both on a logistic regression: nested autodiff is
 * exact, finite differences agree to ~7e-6.
 */
import * as tf from '@tensorflow/tfjs';

import { ValueError, fmtShape } from '../kernel/errors.js';

/** A scalar function of one vector. */
export type ScalarFn = (x: tf.Tensor) => tf.Tensor;

/**
 * Computes the Hessian matrix `[D, D]` of `f` at the vector `x` of shape `[D]` (NumPyro's
 * `hessian_fn(f, x)`). The returned tensor is owned by the caller.
 * @public
 */
export type HessianFn = (f: ScalarFn, x: tf.Tensor) => tf.Tensor;

function checkVector(where: string, x: tf.Tensor): number {
  if (x.rank !== 1) throw new ValueError(`${where}: expected a vector, got a tensor of shape ${fmtShape(x.shape)}`);
  return x.shape[0]!;
}

/** (H + Hᵀ) / 2: both methods give a matrix symmetric only up to rounding. */
function symmetrise(h: tf.Tensor): tf.Tensor {
  return tf.mul(tf.add(h, tf.transpose(h)), 0.5);
}

/**
 * The Hessian of `f` at `x` by nested reverse-mode autodiff: row i is the gradient of
 * ∂f/∂x_i, one backward-over-backward pass per coordinate (D passes).
 * @param f - a scalar function of a vector, built from differentiable tfjs ops
 * @param x - the point, shape [D]
 * @returns the symmetric [D, D] Hessian
 * @public
 */
export function hessian(f: ScalarFn, x: tf.Tensor): tf.Tensor {
  const d = checkVector('hessian', x);
  return tf.tidy(() => {
    const grad = tf.grad((y: tf.Tensor) => f(y) as tf.Scalar);
    const rows: tf.Tensor[] = [];
    for (let i = 0; i < d; i++) {
      const unit = new Float32Array(d);
      unit[i] = 1;
      const e = tf.tensor1d(unit);
      rows.push(tf.tidy(() => tf.grad((y: tf.Tensor) => tf.sum(tf.mul(grad(y), e)) as tf.Scalar)(x)));
    }
    return symmetrise(tf.stack(rows));
  });
}

export interface FiniteDifferenceOptions {
  /**
   * Step relative to max(|x_i|, 1). The default, about the cube root of float32's epsilon, balances
   * rounding error in the gradients against the truncation error of the central difference.
   * @defaultValue 5e-3
   */
  readonly relStep?: number;
}

/**
 * The Hessian of `f` at `x` by central finite differences of its gradient:
 * column i is (∇f(x + h e_i) − ∇f(x − h e_i)) / 2h (2D gradient passes). Needs only first
 * derivatives, so it works where a second derivative is missing in tfjs.
 * @returns the symmetric [D, D] Hessian
 * @public
 */
export function finiteDifferenceHessian(f: ScalarFn, x: tf.Tensor, options: FiniteDifferenceOptions = {}): tf.Tensor {
  const d = checkVector('finiteDifferenceHessian', x);
  const rel = options.relStep ?? 5e-3;
  if (!(rel > 0) || !Number.isFinite(rel)) {
    throw new ValueError(`finiteDifferenceHessian: option 'relStep' must be a finite number > 0, got ${rel}`);
  }
  const x0 = x.dataSync();
  return tf.tidy(() => {
    const grad = tf.grad((y: tf.Tensor) => f(y) as tf.Scalar);
    const cols: tf.Tensor[] = [];
    for (let i = 0; i < d; i++) {
      const h = rel * Math.max(Math.abs(x0[i]!), 1);
      cols.push(
        tf.tidy(() => {
          const plus = Float32Array.from(x0);
          const minus = Float32Array.from(x0);
          plus[i]! += h;
          minus[i]! -= h;
          // The step actually taken in float32, so the quotient divides by the true distance.
          const step = plus[i]! - minus[i]!;
          return tf.div(tf.sub(grad(tf.tensor1d(plus)), grad(tf.tensor1d(minus))), step);
        }),
      );
    }
    return symmetrise(tf.stack(cols, 1));
  });
}
