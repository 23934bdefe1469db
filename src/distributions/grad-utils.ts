/**
 * Helpers for hand-written gradients: a typed wrapper of tf.customGrad, and the reduction of a
 * gradient computed at a broadcast output shape back to the shape of each input.
 */
import * as tf from '@tensorflow/tfjs';

import { sameShape } from './tensor-like.js';

/** What the function given to {@link customOp} returns: the value and its backward pass. */
export interface CustomOpResult {
  value: tf.Tensor;
  /**
   * Gradients with respect to each tensor argument, in order, given the output gradient `dy` and
   * the arguments again as `inputs`. Use these, not the forward closure's tensors: they are kept
   * alive for the backward pass (an argument may be an intermediate that a tf.tidy has released
   * by then) and they are linked on the tape, so the backward pass can itself be differentiated.
   */
  gradFunc: (dy: tf.Tensor, inputs: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
}

type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/**
 * tf.customGrad with plain typing and the arguments saved for the backward pass. The forward
 * function's ops are not recorded on the tape, so it may use comparisons and tf.where freely
 * (tfjs has no gradient for comparison ops). Do not let the backward pass close over the
 * forward output: recompute what it needs from `inputs`.
 */
export function customOp(f: (...args: never[]) => CustomOpResult): (...args: tf.Tensor[]) => tf.Tensor {
  const fn = f as unknown as (...args: tf.Tensor[]) => CustomOpResult;
  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const inputs = args as tf.Tensor[];
    save(inputs);
    const res = fn(...inputs);
    return { value: res.value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => res.gradFunc(dy, saved) };
  }) as unknown as CustomGradientFunc);
  return (...args: tf.Tensor[]) => op(...args);
}

/**
 * Runs `compute` off the gradient tape and returns its result as a constant. Masks that a
 * backward pass needs are made this way: tfjs has no gradient for comparison ops, so a mask
 * computed on the tape breaks second derivatives, and tensors kept with customGrad's `save` from
 * inside a forward pass count as leaks in tfjs's test mode.
 */
export function constant(compute: () => tf.Tensor): tf.Tensor {
  return customOp(() => ({ value: compute(), gradFunc: () => [] }))();
}

/**
 * Sums `g` over the dims that broadcasting added or stretched, so that the result has `shape`.
 * @param g - a gradient at the broadcast output shape
 * @param shape - the shape of the input the gradient belongs to
 * @returns a tensor of shape `shape`
 */
export function sumToShape(g: tf.Tensor, shape: readonly number[]): tf.Tensor {
  if (sameShape(g.shape, shape)) return g;
  return tf.tidy(() => {
    const lead = g.rank - shape.length;
    const axes: number[] = [];
    for (let i = 0; i < g.rank; i++) {
      if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
    }
    const s = axes.length > 0 ? tf.sum(g, axes) : g;
    return tf.reshape(s, [...shape]);
  });
}
