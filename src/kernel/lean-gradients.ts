/**
 * Leaner gradients for the arithmetic kernels every log-density uses. tfjs 4.22's own gradients
 * for Multiply, RealDiv, Square, Log and Sqrt cast their saved inputs to float32 first; for the
 * float32 tensors vinfer works with that cast is an extra kernel per operand on every backward
 * pass (a fifth of the kernels of a small model's step). Tile's gradient is rewritten too (below). These compute the same derivatives from
 * the same saved inputs, casting only non-float32 inputs, and stay differentiable for nested
 * gradients. Broadcast operands are summed back to their own shapes, as tfjs does. Sum's gradient
 * is rewritten too (below).
 */
import * as tf from '@tensorflow/tfjs';

import { sumToShape } from '../distributions/grad-utils.js';

function f32(x: tf.Tensor): tf.Tensor {
  return x.dtype === 'float32' ? x : tf.cast(x, 'float32');
}

type Derivatives = (dy: tf.Tensor, saved: tf.Tensor[], attrs: Record<string, unknown>) => Record<string, () => tf.Tensor>;

function register(kernelName: string, inputsToSave: string[], gradFunc: Derivatives): void {
  tf.registerGradient({
    kernelName,
    inputsToSave,
    gradFunc: (dy, saved, attrs) => gradFunc(dy as tf.Tensor, saved, (attrs ?? {}) as Record<string, unknown>),
  });
}

/**
 * Tile's gradient sums the copies: dy of shape [r0·s0, r1·s1, …] viewed as [r0, s0, r1, s1, …]
 * and summed over the r axes — two kernels. tfjs's own slices dy once per copy and adds, so a
 * scalar broadcast to 10 000 rows (a global latent inside a data plate) cost 20 000 kernels.
 */
function tileGrad(dy: tf.Tensor, x: tf.Tensor, reps: readonly number[]): tf.Tensor {
  const split: number[] = [];
  const axes: number[] = [];
  reps.forEach((r, i) => {
    axes.push(split.length);
    split.push(r, x.shape[i]!);
  });
  return tf.sum(tf.reshape(dy, split), axes);
}

/**
 * Sum's gradient broadcasts dy back over the reduced axes by multiplying with ones. tfjs reshapes
 * dy to rank x.rank with 1s first; the cpu backend's multiply takes a per-element index path for
 * any size-1 dim it broadcasts (about 90 ns an element), but a plain loop for a rank-0 operand, so
 * a full reduction's dy (the sum of a data plate's log-likelihood) is passed as a scalar.
 */
function sumGrad(dy: tf.Tensor, x: tf.Tensor, axis: number | number[]): tf.Tensor {
  // Nothing was summed (a scalar, or axes of size 1): dy is the gradient, reshaped.
  if (dy.size === x.size) return tf.reshape(dy, x.shape);
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const ones = tf.ones(x.shape, 'float32');
  if (dy.size === 1 && axes.length === x.rank) return tf.mul(tf.reshape(dy, []), ones);
  const expanded = x.shape.slice();
  for (const a of axes) expanded[a] = 1;
  return tf.mul(tf.reshape(dy, expanded), ones);
}

let registered = false;

export function registerLeanGradients(): void {
  if (registered) return;
  registered = true;
  register('Multiply', ['a', 'b'], (dy, [a, b]) => ({
    a: () => sumToShape(tf.mul(dy, f32(b!)), a!.shape),
    b: () => sumToShape(tf.mul(dy, f32(a!)), b!.shape),
  }));
  register('RealDiv', ['a', 'b'], (dy, [a, b]) => ({
    a: () => sumToShape(tf.div(dy, f32(b!)), a!.shape),
    b: () => sumToShape(tf.neg(tf.div(tf.mul(dy, f32(a!)), tf.square(f32(b!)))), b!.shape),
  }));
  register('Square', ['x'], (dy, [x]) => ({ x: () => tf.mul(dy, tf.mul(f32(x!), 2)) }));
  register('Log', ['x'], (dy, [x]) => ({ x: () => tf.div(dy, f32(x!)) }));
  register('Tile', ['x'], (dy, [x], attrs) => ({ x: () => tileGrad(dy, x!, attrs.reps as number[]) }));
  register('Sqrt', ['x'], (dy, [x]) => ({ x: () => tf.div(dy, tf.mul(tf.sqrt(f32(x!)), 2)) }));
  register('Sum', ['x'], (dy, [x], attrs) => ({ x: () => sumGrad(dy, x!, attrs.axis as number | number[]) }));
}
