/** Small helpers shared by the continuous families: open-interval noise and 0/1 masks. */
import * as tf from '@tensorflow/tfjs';

import { ValueError } from '../kernel/errors.js';
import { type PRNGKey, uniforms } from '../kernel/rng.js';
import { broadcastShapes } from './tensor-like.js';

// The largest float32 below 1: double-precision uniforms above it would round up to 1.0.
const ONE_MINUS_ULP = 1 - 2 ** -24;

/**
 * Uniforms on the open interval (0, 1) in float32, for inverse-CDF samplers that need
 * log(u), log(1 - u) or tan(π(u - 1/2)) to stay finite. They keep double-precision resolution
 * near 0 (down to ~2^-33) and stop at the largest float32 below 1.
 */
export function openUniform(key: PRNGKey, shape: readonly number[]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const u = uniforms(key, n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.min(u[i]!, ONE_MINUS_ULP);
  return tf.tensor(out, [...shape], 'float32');
}

/** 1 where `x > 0`, else 0 (for checkParam). */
export function positive01(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.cast(tf.greater(x, 0), 'float32'));
}

/**
 * 1 where lo <= x <= hi, else 0, built from tf.step so that a log-density masked with it stays
 * differentiable (tfjs has no gradient for comparison ops, which tf.where's condition would need).
 */
export function betweenMask(x: tf.Tensor, lo: tf.Tensor | number, hi: tf.Tensor | number): tf.Tensor {
  // step(t) is 1 for t > 0 and 0 otherwise, so 1 - step(lo - x) is 1 exactly when x >= lo.
  return tf.tidy(() => tf.mul(tf.sub(1, tf.step(tf.sub(lo, x))), tf.sub(1, tf.step(tf.sub(x, hi)))));
}

/**
 * `value` where `mask` is 1 and `fill` elsewhere, broadcast together. The condition is a cast of
 * the step-built mask (Cast has a gradient), so backpropagation through it works.
 */
export function whereMask(mask: tf.Tensor, value: tf.Tensor, fill: number): tf.Tensor {
  return tf.tidy(() => {
    const shape = broadcastShapes(mask.shape, value.shape)!;
    const cond = tf.cast(tf.broadcastTo(mask, shape), 'bool');
    return tf.where(cond, tf.broadcastTo(value, shape), tf.fill(shape, fill));
  });
}

/**
 * Throws a ValueError naming `where` (such as 'Gamma.icdf') unless every entry of `q` lies in
 * [0, 1]; NaN entries fail too.
 */
export function checkProbabilities(where: string, q: tf.Tensor): void {
  if (q.size === 0) return;
  const [lo, hi] = tf.tidy(() => [tf.min(q).dataSync()[0]!, tf.max(q).dataSync()[0]!]);
  if (lo >= 0 && hi <= 1) return;
  const got = q.size === 1 ? `${lo}` : `values in [${lo}, ${hi}]`;
  throw new ValueError(
    `${where}: q must be a probability, expected values in [0, 1], got ${got}. ` +
      `Pass probabilities, or { validateArgs: false } to get NaN for the others`,
  );
}
