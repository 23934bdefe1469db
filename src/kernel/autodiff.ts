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
  const state = (tf.engine() as unknown as { state: TapeState }).state;
  // Nodes this call records go after any an enclosing gradient has recorded already.
  const start = state.gradientDepth > 0 ? (state.activeTape?.length ?? 0) : 0;
  try {
    const { value, grads } = tf.engine().gradients(() => f(xs) as tf.Scalar, xs, undefined, true);
    return { value, grads: grads.map((g, i) => (g == null ? tf.zerosLike(xs[i]!) : g)) };
  } catch (err) {
    releaseTape(state, start);
    throw err;
  }
}

/** The part of tfjs 4.22's engine state that holds the gradient tape. */
interface TapeState {
  activeTape: { saved?: tf.Tensor[] }[] | null;
  gradientDepth: number;
}

/**
 * Releases the tensors that the ops recorded on the tape from position `start` on keep for their
 * backward pass. tfjs keeps a clone of each and frees them only after a successful backward pass,
 * so a forward pass that throws (a model error, a shape mismatch) would leak them on every failed
 * step.
 */
function releaseTape(state: TapeState, start: number): void {
  const tape = state.activeTape;
  if (tape === null || tape === undefined) return;
  for (const node of tape.slice(start)) for (const t of node.saved ?? []) t.dispose();
  tape.length = start;
}
