/** Autodiff helpers tfjs lacks: stopping gradients, and gradients that tolerate unused inputs. */
import * as tf from '@tensorflow/tfjs';

/** `x` as a value whose gradient is zero (JAX's stop_gradient), for surrogate losses. */
export const stopGradient = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;

/**
 * The value of `f(xs)` and its gradients with respect to every x. Unlike tf.valueAndGrads, an
 * input that `f` does not use gets a zero gradient instead of an error (a parameter that only
 * some runs of a model touch is legitimate).
 */
export function valueAndGradsAllowUnused(
  f: (xs: tf.Tensor[]) => tf.Tensor,
  xs: tf.Tensor[],
): { value: tf.Tensor; grads: tf.Tensor[] } {
  const { value, grads } = tf.engine().gradients(() => f(xs) as tf.Scalar, xs, undefined, true);
  return { value, grads: grads.map((g, i) => (g == null ? tf.zerosLike(xs[i]!) : g)) };
}
