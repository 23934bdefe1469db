/** Conversion of user values (numbers, nested arrays, typed arrays, tensors) to float32 tensors. */
import * as tf from '@tensorflow/tfjs';

export type TensorLike = number | number[] | number[][] | number[][][] | Float32Array | Int32Array | tf.Tensor;

/** Scalars made from JS numbers, with the number: argument checks can then run in JS, with no kernel. */
const FROM_NUMBER = new WeakMap<tf.Tensor, number>();

/** A float32 tensor for `x`; tensors pass through (cast to float32 if needed). */
export function toTensor(x: TensorLike | boolean | boolean[]): tf.Tensor {
  if (x instanceof tf.Tensor) return x.dtype === 'float32' ? x : tf.cast(x, 'float32');
  if (typeof x === 'boolean') return tf.scalar(x ? 1 : 0);
  if (x instanceof Float32Array) return tf.tensor1d(x, 'float32');
  if (x instanceof Int32Array) return tf.tensor1d(Float32Array.from(x), 'float32');
  if (typeof x === 'number') {
    const t = tf.scalar(x, 'float32');
    FROM_NUMBER.set(t, Math.fround(x));
    return t;
  }
  return tf.tensor(x as number[], undefined, 'float32');
}

/** The JS number a scalar was made from by toTensor, if it was. */
export function numberSource(t: tf.Tensor): number | undefined {
  return FROM_NUMBER.get(t);
}

/** numpy-style broadcast of shapes; undefined when they are incompatible. */
export function broadcastShapes(...shapes: readonly (readonly number[])[]): number[] | undefined {
  const n = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = new Array(n).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = n - s.length + i;
      const d = s[i]!;
      if (out[j] === 1) out[j] = d;
      else if (d !== 1 && d !== out[j]) return undefined;
    }
  }
  return out;
}

export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
