/**
 * Matrix-vector products on the cpu backend as tight JS loops. tfjs-backend-cpu 4.22 computes
 * every BatchMatMul with one generic blocked loop (about 2.4 ns per multiply-add); a model's
 * `matMul(X, beta)` and its gradient `matMul(X, dy, true)` are matrix-vector products, for which
 * a loop over four rows at a time (shared loads, independent accumulators) is about three times
 * faster. Sums are accumulated in double precision, as the original does within its blocks, and
 * rounded to float32 once. Other shapes take the original kernel.
 */
import * as tf from '@tensorflow/tfjs';

/** Products with fewer elements in the matrix take the original path. */
const MIN_MATRIX_SIZE = 1024;

/** What this file reads of tfjs-backend-cpu's MathBackendCPU. */
interface CpuBackendView {
  data: { get(dataId: object): { values: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

interface KernelArgs {
  inputs: Record<string, tf.TensorInfo>;
  backend: CpuBackendView;
  attrs: Record<string, unknown>;
}
type CpuKernel = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];

/** out[i] = Σ_j a[i, j] x[j] for the row-major [rows, cols] matrix a. */
function rowDots(a: Float32Array, x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows);
  let i = 0;
  for (; i + 3 < rows; i += 4) {
    const b0 = i * cols;
    const b1 = b0 + cols;
    const b2 = b1 + cols;
    const b3 = b2 + cols;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < cols; j++) {
      const xj = x[j]!;
      s0 += a[b0 + j]! * xj;
      s1 += a[b1 + j]! * xj;
      s2 += a[b2 + j]! * xj;
      s3 += a[b3 + j]! * xj;
    }
    out[i] = s0;
    out[i + 1] = s1;
    out[i + 2] = s2;
    out[i + 3] = s3;
  }
  for (; i < rows; i++) {
    const b = i * cols;
    let s = 0;
    for (let j = 0; j < cols; j++) s += a[b + j]! * x[j]!;
    out[i] = s;
  }
  return out;
}

/** out[j] = Σ_i y[i] a[i, j] for the row-major [rows, cols] matrix a (rows added four at a time). */
function rowCombination(a: Float32Array, y: Float32Array, rows: number, cols: number): Float32Array {
  const acc = new Float64Array(cols);
  let i = 0;
  for (; i + 3 < rows; i += 4) {
    const y0 = y[i]!;
    const y1 = y[i + 1]!;
    const y2 = y[i + 2]!;
    const y3 = y[i + 3]!;
    const b0 = i * cols;
    const b1 = b0 + cols;
    const b2 = b1 + cols;
    const b3 = b2 + cols;
    for (let j = 0; j < cols; j++) acc[j]! += a[b0 + j]! * y0 + a[b1 + j]! * y1 + a[b2 + j]! * y2 + a[b3 + j]! * y3;
  }
  for (; i < rows; i++) {
    const yi = y[i]!;
    const b = i * cols;
    for (let j = 0; j < cols; j++) acc[j]! += a[b + j]! * yi;
  }
  return Float32Array.from(acc);
}

function fastBatchMatMul(original: CpuKernel): CpuKernel {
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (a.shape.length !== 2 || b.shape.length !== 2 || a.dtype !== 'float32' || b.dtype !== 'float32') return original(args);
    const transposeA = args.attrs.transposeA === true;
    const transposeB = args.attrs.transposeB === true;
    const [m, k] = (transposeA ? [a.shape[1], a.shape[0]] : a.shape) as [number, number];
    const n = (transposeB ? b.shape[0] : b.shape[1])!;
    if (k !== (transposeB ? b.shape[1] : b.shape[0])) return original(args);
    const backend = args.backend;
    const values = (t: tf.TensorInfo): Float32Array | null => {
      const v = backend.data.get(t.dataId)?.values;
      return v instanceof Float32Array ? v : null;
    };
    const av = values(a);
    const bv = values(b);
    if (av === null || bv === null) return original(args);
    // y = op(A) v: rows of A dotted with v, or a combination of the rows of A stored transposed.
    if (n === 1 && m > 1 && m * k >= MIN_MATRIX_SIZE) {
      const y = transposeA ? rowCombination(av, bv, k, m) : rowDots(av, bv, m, k);
      return backend.makeTensorInfo([m, 1], 'float32', y);
    }
    // y = u op(B): a combination of the rows of B, or rows of B stored transposed dotted with u.
    if (m === 1 && n > 1 && k * n >= MIN_MATRIX_SIZE) {
      const y = transposeB ? rowDots(bv, av, n, k) : rowCombination(bv, av, k, n);
      return backend.makeTensorInfo([1, n], 'float32', y);
    }
    return original(args);
  };
}

let registered = false;

/** Replaces the cpu BatchMatMul kernel with the wrapper above. Idempotent. */
export function registerCpuFastPaths(): void {
  if (registered) return;
  const config = tf.getKernel('BatchMatMul', 'cpu');
  if (config === undefined) return;
  registered = true;
  const kernelFunc = fastBatchMatMul(config.kernelFunc as unknown as CpuKernel) as unknown as tf.KernelFunc;
  tf.unregisterKernel('BatchMatMul', 'cpu');
  tf.registerKernel({ ...config, kernelFunc });
}
