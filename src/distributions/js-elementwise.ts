/**
 * Plumbing for element-wise ops whose forward pass runs in double-precision JavaScript (the
 * incomplete gamma and beta functions, their inverses and the densities beside them): reading
 * broadcast inputs, building the float32 result, and turning per-element gradients back into
 * tensors of each input's shape.
 */
import * as tf from '@tensorflow/tfjs';

import { ValueError, fmtShape } from '../kernel/errors.js';
import { sumToShape } from './grad-utils.js';
import { broadcastShapes } from './tensor-like.js';

/**
 * The broadcast shape of the inputs and their values at that shape, in double precision.
 * @throws {ValueError} naming `where` when the shapes do not broadcast together
 */
export function readBroadcast(where: string, inputs: tf.Tensor[]): { shape: number[]; values: Float64Array[] } {
  const shape = broadcastShapes(...inputs.map((t) => t.shape));
  if (shape === undefined) {
    throw new ValueError(`${where}: argument shapes ${inputs.map((t) => fmtShape(t.shape)).join(', ')} do not broadcast together`);
  }
  const values = inputs.map((t) => Float64Array.from(tf.tidy(() => tf.broadcastTo(t, shape).dataSync())));
  return { shape, values };
}

/** A float32 tensor of `shape` from double-precision values (each rounded once). */
export function float32Tensor(values: ArrayLike<number>, shape: readonly number[]): tf.Tensor {
  return tf.tensor(Float32Array.from(values), [...shape], 'float32');
}

/** f applied to the i-th elements of the arrays, for every i. */
export function mapElements(values: Float64Array[], f: (...args: number[]) => number): Float64Array {
  const n = values[0]?.length ?? 0;
  const out = new Float64Array(n);
  const args = new Array<number>(values.length);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < values.length; k++) args[k] = values[k]![i]!;
    out[i] = f(...args);
  }
  return out;
}

/** dy times a double-precision gradient at the broadcast shape, summed back to the shape of its input. */
export function constantGrad(dy: tf.Tensor, g: ArrayLike<number>, shape: readonly number[], input: tf.Tensor): tf.Tensor {
  return tf.tidy(() => sumToShape(tf.mul(dy, float32Tensor(g, shape)), input.shape));
}

/** dy times a tensor gradient at the broadcast shape, summed back to the shape of its input. */
export function tensorGrad(dy: tf.Tensor, g: tf.Tensor, input: tf.Tensor): tf.Tensor {
  return sumToShape(tf.mul(dy, g), input.shape);
}
