/**
 * log N(value; loc, scale) for small tensors, forward and backward in double-precision JS loops.
 *
 * A variational step evaluates a few Normal densities over tens to a few thousand elements (a
 * mean-field guide, a prior, a likelihood). As tfjs ops, each one is about eight kernels forward,
 * ten backward and three saved-input copies, and on the wasm backend the fixed cost of a kernel
 * call outweighs the arithmetic at these sizes. Here the forward pass is one loop over the data,
 * and the backward pass another that writes the three gradients, reduced to the inputs' own
 * (broadcast) shapes, straight into new tensors: no kernel runs at all.
 *
 * The backward pass is plain JS, so it cannot itself be differentiated. It is therefore only
 * used where no enclosing gradient can record it: when the forward pass runs at gradient depth
 * 0 or 1 (an SVI step, or no gradient), the backward pass runs at depth 0. Deeper (a Hessian, a
 * Laplace approximation) the tfjs composition is used instead.
 */
import * as tf from '@tensorflow/tfjs';

import { batchOffsets } from './linalg.js';
import { shapeSize } from './tensor-like.js';

/** Densities of up to this many elements are computed here. */
export const JS_NORMAL_MAX_SIZE = 16384;

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * True when {@link normalLogDensityJs} applies: float32 inputs, a broadcast shape of at most
 * {@link JS_NORMAL_MAX_SIZE} elements, and no enclosing gradient that could differentiate the
 * backward pass.
 */
export function canUseJsNormal(shape: readonly number[], ...inputs: tf.Tensor[]): boolean {
  const n = shapeSize(shape);
  // Only where tensors live in host memory: on a GPU backend reading them back would stall the device.
  const backend = tf.getBackend();
  return (
    (backend === 'cpu' || backend === 'wasm') &&
    n > 0 &&
    n <= JS_NORMAL_MAX_SIZE &&
    tf.engine().state.gradientDepth <= 1 &&
    inputs.every((t) => t.dtype === 'float32')
  );
}

/** For each element of the broadcast shape, the flat index into an input of `inputShape`. */
function offsetsInto(shape: readonly number[], inputShape: readonly number[]): Int32Array {
  const n = shapeSize(shape);
  const size = shapeSize(inputShape);
  if (size === 1) return new Int32Array(n);
  if (size === n) {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    return out;
  }
  return batchOffsets(shape, inputShape);
}

/** Sums `g` (one entry per element of the broadcast shape) into a tensor of `shape` through `offsets`. */
function reduceTo(g: Float64Array, offsets: Int32Array, shape: readonly number[]): tf.Tensor {
  const size = shapeSize(shape);
  if (size === g.length) return tf.tensor(new Float32Array(g), [...shape], 'float32');
  const acc = new Float64Array(size);
  for (let i = 0; i < g.length; i++) acc[offsets[i]!]! += g[i]!;
  return tf.tensor(new Float32Array(acc), [...shape], 'float32');
}

/**
 * log N(value; loc, scale) with numpy broadcasting, shape `shape` (the broadcast shape). With
 * z = (value − loc)/scale: −½z² − log scale − ½ log 2π, and derivatives −z/scale in value,
 * z/scale in loc and (z² − 1)/scale in scale.
 */
export function normalLogDensityJs(value: tf.Tensor, loc: tf.Tensor, scale: tf.Tensor, shape: readonly number[]): tf.Tensor {
  const n = shapeSize(shape);
  const ov = offsetsInto(shape, value.shape);
  const ol = offsetsInto(shape, loc.shape);
  const os = offsetsInto(shape, scale.shape);
  const shapes = [value.shape, loc.shape, scale.shape];
  const op = tf.customGrad(((v: tf.Tensor, l: tf.Tensor, s: tf.Tensor) => {
    const vv = v.dataSync();
    const lv = l.dataSync();
    const sv = s.dataSync();
    const logScale = new Float64Array(sv.length);
    for (let j = 0; j < sv.length; j++) logScale[j] = Math.log(sv[j]!);
    const out = new Float32Array(n);
    // Kept for the backward pass: z/scale and (z² − 1)/scale per element.
    const zOverS = new Float64Array(n);
    const dScale = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const si = sv[os[i]!]!;
      const z = (vv[ov[i]!]! - lv[ol[i]!]!) / si;
      out[i] = -0.5 * z * z - logScale[os[i]!]! - HALF_LOG_2PI;
      zOverS[i] = z / si;
      dScale[i] = (z * z - 1) / si;
    }
    return {
      value: tf.tensor(out, [...shape], 'float32'),
      gradFunc: (dy: tf.Tensor) => {
        const dyv = dy.dataSync();
        const gv = new Float64Array(n);
        const gl = new Float64Array(n);
        const gs = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          gl[i] = dyv[i]! * zOverS[i]!;
          gv[i] = -gl[i]!;
          gs[i] = dyv[i]! * dScale[i]!;
        }
        return [reduceTo(gv, ov, shapes[0]!), reduceTo(gl, ol, shapes[1]!), reduceTo(gs, os, shapes[2]!)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(value, loc, scale);
}
