/**
 * Fixes to tfjs 4.22's gradient and kernel tables that vinfer relies on (measured in
 * TFJS-NOTES §2 and §4):
 *
 * 1. Zero gradients for comparison and logical kernels. Their outputs are piecewise constant, so
 *    zero is the true derivative; without one, any `tf.where(tf.greater(x, c), …)` whose condition
 *    depends on a differentiated input fails with "gradient function not found for Greater".
 * 2. Exp, Sigmoid, Tanh, Softmax and Pow gradients that recompute from their inputs. tfjs's own
 *    use the saved forward output, which the tape of an outer `tf.grad` cannot differentiate
 *    ("Cannot compute gradient of y=f(x) with respect to x"), so nested gradients (Hessians,
 *    Laplace approximations) fail. Recomputing costs one extra elementwise op per backward pass.
 * 3. Leaner gradients for Multiply, RealDiv, Square, Log and Sqrt (lean-gradients.ts).
 * 4. A wasm `UnsortedSegmentSum` kernel written in JS: tfjs-backend-wasm has none, and
 *    `tf.gather`'s gradient needs it.
 * 5. Unpack (`tf.unstack`) and SplitV (`tf.split`) gradients that accept a single output. The
 *    engine hands a kernel with one output its gradient as a bare tensor rather than an array,
 *    and tfjs's own gradients pass it on to stack/concat, which reject it: unstacking a size-1
 *    axis (a flat latent of one coordinate) could not be differentiated.
 */
import * as tf from '@tensorflow/tfjs';

import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

import { registerCpuFastPaths } from './cpu-fast-paths.js';
import { registerLeanGradients } from './lean-gradients.js';
import { registerWasmFastPaths } from './wasm-fast-paths.js';

/** Comparison/logical kernels and their input names (a gradient must name every input). */
const ZERO_GRADIENT_KERNELS: Readonly<Record<string, readonly string[]>> = {
  Equal: ['a', 'b'],
  NotEqual: ['a', 'b'],
  Greater: ['a', 'b'],
  GreaterEqual: ['a', 'b'],
  Less: ['a', 'b'],
  LessEqual: ['a', 'b'],
  LogicalAnd: ['a', 'b'],
  LogicalOr: ['a', 'b'],
  LogicalNot: ['x'],
  All: ['x'],
  Any: ['x'],
  IsNan: ['x'],
  IsInf: ['x'],
  IsFinite: ['x'],
  Sign: ['x'],
  Floor: ['x'],
  Ceil: ['x'],
  Round: ['x'],
};

let registered = false;

/** Registers vinfer's gradient shims with tfjs. Idempotent; called when vinfer is imported. */
export function registerShims(): void {
  if (registered) return;
  registered = true;
  for (const [kernelName, inputs] of Object.entries(ZERO_GRADIENT_KERNELS)) {
    // Only where tfjs has none: a future tfjs gradient for one of these is kept.
    if (tf.getGradient(kernelName) === undefined) registerZeroGradient(kernelName, inputs);
  }
  registerRecomputingGradients();
  registerMultiOutputGradients();
  registerLeanGradients();
  // Matrix-vector products as JS loops on the cpu backend (cpu-fast-paths.ts).
  registerCpuFastPaths();
}

/** The gradients of stack/concat's inverses, for any number of outputs (item 5 above). */
function registerMultiOutputGradients(): void {
  const asArray = (dy: tf.Tensor | tf.Tensor[]): tf.Tensor[] => (Array.isArray(dy) ? dy : [dy]);
  tf.registerGradient({
    kernelName: 'Unpack',
    gradFunc: (dy, _saved, attrs) => ({ value: () => tf.stack(asArray(dy), (attrs as unknown as { axis: number }).axis) }),
  });
  tf.registerGradient({
    kernelName: 'SplitV',
    gradFunc: (dy, _saved, attrs) => ({ x: () => tf.concat(asArray(dy), (attrs as unknown as { axis: number }).axis) }),
  });
}

function registerZeroGradient(kernelName: string, inputs: readonly string[]): void {
  tf.registerGradient({
    kernelName,
    inputsToSave: [...inputs],
    // The engine requires a float32 gradient shaped like each input, even for bool inputs.
    gradFunc: (_dy, saved) =>
      Object.fromEntries(inputs.map((name, i) => [name, () => tf.zeros(saved[i]!.shape, 'float32')])),
  });
}

/** Sums `grad` over the axes along which an input of shape `shape` was broadcast, and reshapes to it. */
function unbroadcast(grad: tf.Tensor, shape: readonly number[]): tf.Tensor {
  const lead = grad.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < grad.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && grad.shape[i] !== 1)) axes.push(i);
  }
  const summed = axes.length > 0 ? tf.sum(grad, axes) : grad;
  return tf.reshape(summed, [...shape]);
}

function registerRecomputingGradients(): void {
  tf.registerGradient({
    kernelName: 'Exp',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.exp(x!)) }),
  });
  tf.registerGradient({
    kernelName: 'Sigmoid',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({
      x: () => {
        const s = tf.sigmoid(x!);
        return tf.mul(dy as tf.Tensor, tf.mul(s, tf.sub(1, s)));
      },
    }),
  });
  tf.registerGradient({
    kernelName: 'Tanh',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.sub(1, tf.square(tf.tanh(x!)))) }),
  });
  tf.registerGradient({
    kernelName: 'Softmax',
    inputsToSave: ['logits'],
    gradFunc: (dy, [logits], attrs) => ({
      logits: () => {
        // d softmax: y ⊙ (dy − Σ_dim y ⊙ dy)
        const dim = (attrs as unknown as { dim: number }).dim;
        const y = tf.softmax(logits!, dim);
        const yDy = tf.mul(dy as tf.Tensor, y);
        return tf.sub(yDy, tf.mul(y, tf.sum(yDy, dim, true)));
      },
    }),
  });
  tf.registerGradient({
    kernelName: 'Pow',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => {
      const base = a!;
      const exponent = tf.cast(b!, 'float32');
      const g = dy as tf.Tensor;
      return {
        // ∂/∂a a^b = b a^(b−1)
        a: () => unbroadcast(tf.mul(g, tf.mul(exponent, tf.pow(base, tf.sub(exponent, 1)))), base.shape),
        // ∂/∂b a^b = a^b log a, taken as 0 where a <= 0. log sees 1 there (the double-where
        // pattern), so the unselected branch contributes 0 rather than 0·∞ = NaN to a second derivative.
        b: () => {
          const positive = tf.greater(base, 0);
          const safeBase = tf.where(positive, base, tf.onesLike(base));
          const logBase = tf.where(positive, tf.log(safeBase), tf.zerosLike(base));
          return unbroadcast(tf.mul(g, tf.mul(tf.pow(base, exponent), logBase)), b!.shape);
        },
      };
    },
  });
}

/**
 * Registers the JS kernels that tfjs-backend-wasm lacks. The kernels only run on a live wasm
 * backend (they receive it as an argument), so the wasm backend plugin calls this from its setUp.
 * Idempotent.
 */
export function registerWasmKernels(): void {
  // Shared-buffer Identity and row-times-matrix products (wasm-fast-paths.ts).
  registerWasmFastPaths();
  if (tf.getKernel('UnsortedSegmentSum', 'wasm') !== undefined) return;
  tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSumWasm as tf.KernelFunc });
}

/**
 * out[s, …] = Σ_{i: ids[i] = s} x[i, …] for s in [0, numSegments); ids outside that range are
 * dropped, as on the cpu backend. The ids may cover the leading dims of x; accumulation is in
 * float64, then stored in x's dtype.
 */
function unsortedSegmentSumWasm(args: {
  inputs: { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  backend: BackendWasm;
  attrs: { numSegments: number };
}): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, segmentIds } = inputs;
  const numSegments = attrs.numSegments;
  const numIds = segmentIds.shape.reduce((p, d) => p * d, 1);
  const inner = x.shape.slice(segmentIds.shape.length);
  const innerSize = inner.reduce((p, d) => p * d, 1);
  const acc = new Float64Array(numSegments * innerSize);
  // Allocate the output first: allocation may grow the wasm heap, which detaches earlier views.
  const out = backend.makeOutput([numSegments, ...inner], x.dtype);
  const xVals = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  for (let i = 0; i < numIds; i++) {
    const s = ids[i]!;
    if (!(s >= 0 && s < numSegments)) continue;
    const src = i * innerSize;
    const dst = s * innerSize;
    for (let j = 0; j < innerSize; j++) acc[dst + j]! += xVals[src + j]!;
  }
  backend.typedArrayFromHeap(out).set(acc);
  return out;
}
