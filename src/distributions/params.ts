/** Helpers that families use to read their parameters. */
import * as tf from '@tensorflow/tfjs';

import { ValueError, fmtShape } from '../kernel/errors.js';
import { type TensorLike, broadcastShapes, toTensor } from './tensor-like.js';

/** Converts the parameters to float32 tensors and returns them with their broadcast batch shape. */
export function promoteParams(family: string, params: Record<string, TensorLike>): {
  tensors: Record<string, tf.Tensor>;
  batchShape: number[];
} {
  const tensors: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) throw new ValueError(`${family}: argument '${k}' is required`);
    tensors[k] = toTensor(v);
  }
  const shapes = Object.values(tensors).map((t) => t.shape);
  const batchShape = broadcastShapes(...shapes);
  if (batchShape === undefined) {
    const desc = Object.entries(tensors)
      .map(([k, t]) => `${k} ${fmtShape(t.shape)}`)
      .join(', ');
    throw new ValueError(`${family}: parameter shapes do not broadcast: ${desc}`);
  }
  return { tensors, batchShape };
}
