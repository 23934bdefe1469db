/**
 * Faster versions of two tfjs-backend-wasm 4.22 kernels that dominate the steps of data-heavy
 * models. Both wrap the original kernel and change only how the result is computed: a product is
 * the same sums taken by XNNPACK in another layout, so it can differ in float32 rounding only.
 *
 * 1. Identity shares the input's buffer under a reference count, as the cpu backend does (and as
 *    wasm's own Reshape does), instead of copying it. The engine clones every input that a
 *    gradient saves for the backward pass, so a step copied its data matrix (and every vector an
 *    op saved) once per use.
 * 2. Matrix-vector products. tfjs sends an untransposed 2-D product to XNNPACK's fully connected
 *    operator with the right operand as the (packed, cached per tensor) weights, and everything
 *    else to a scalar loop. That operator is fast for one row times a matrix but about five times
 *    slower for a matrix times one column, which is what a model's `matMul(X, beta)` and its
 *    gradient `matMul(X, dy, true)` are. Both are rewritten as a row times a matrix:
 *    - (Aᵀ v)ᵀ = vᵀ A: the matrix is already in weight layout, nothing is cached;
 *    - (A v)ᵀ = vᵀ Aᵀ: a copy of Aᵀ is made when the same matrix meets a vector under a second
 *      gradient tape (data that stays fixed across optimisation steps) and freed with the matrix.
 *      Other matrices take the original path, so tensors rebuilt every step (parameters, a
 *      subsample of the data) cost nothing extra.
 *    The same holds for a row times a transposed matrix, and an outer product (inner size 1) with
 *    a transposed operand is the untransposed product of the same data. Other shapes take the
 *    original kernel.
 *
 * The cached transposes live on the wasm heap outside the backend's tensor table, so they do not
 * count in tf.memory(); they are bounded by {@link TRANSPOSE_CACHE_LIMIT_BYTES}.
 */
import * as tf from '@tensorflow/tfjs';

/** Matrices below this many elements take the original path: the saving would be lost in the call overhead. */
const MIN_MATRIX_SIZE = 4096;
/** At most this many bytes of cached transposes at a time; beyond it, products take the original path. */
export const TRANSPOSE_CACHE_LIMIT_BYTES = 256 * 2 ** 20;

/** What this file reads of tfjs-backend-wasm's BackendWasm (public at run time, partly private in its typings). */
interface WasmBackendView {
  wasm: {
    HEAPU8: Uint8Array;
    _malloc(bytes: number): number;
    _free(offset: number): void;
    cwrap(name: string, ret: null, args: string[]): (...args: unknown[]) => void;
    tfjs: { registerTensor(id: number, size: number, offset: number): void; disposeData(id: number): void };
  };
  dataIdMap: { get(dataId: object): { id: number } | undefined };
  dataIdNextNumber: number;
  incRef(dataId: object): void;
  disposeData(dataId: object, force?: boolean): boolean;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

interface KernelArgs {
  inputs: Record<string, tf.TensorInfo>;
  backend: WasmBackendView;
  attrs: Record<string, unknown>;
}
type WasmKernel = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];

/** A cached transpose: its tensor id in the wasm module, where it lives, and its byte size. */
interface CachedTranspose {
  readonly id: number;
  readonly offset: number;
  readonly bytes: number;
}

/** Per backend instance: the raw matmul entry point, the transposes by source data id, and the sightings. */
interface BackendState {
  readonly matMul: (...args: unknown[]) => void;
  readonly cache: Map<object, CachedTranspose>;
  /** The tape (numbered by {@link tapeNumber}) under which each matrix was first met. */
  readonly seen: WeakMap<object, number>;
  bytes: number;
}

const states = new WeakMap<WasmBackendView, BackendState>();

/**
 * A number for the gradient tape being recorded (0 when none). The engine starts a new tape for
 * each outermost gradient computation, i.e. for each optimisation step, so a matrix met under
 * two different tapes has outlived a step. The tapes themselves are not kept.
 */
const tapeNumbers = new WeakMap<object, number>();
let lastTapeNumber = 0;
function tapeNumber(): number {
  const tape = (tf.engine().state as unknown as { activeTape: object | null }).activeTape;
  if (tape === null || tape === undefined) return 0;
  let k = tapeNumbers.get(tape);
  if (k === undefined) tapeNumbers.set(tape, (k = ++lastTapeNumber));
  return k;
}

function shapeBytes(shape: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(shape).buffer);
}

/**
 * The state of `backend`, set up on first use: binds the module's BatchMatMul export and makes
 * the backend free a matrix's cached transpose when it frees the matrix.
 */
function stateOf(backend: WasmBackendView): BackendState {
  let st = states.get(backend);
  if (st !== undefined) return st;
  const matMul = backend.wasm.cwrap('BatchMatMul', null, ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number']);
  const state: BackendState = { matMul, cache: new Map(), seen: new WeakMap(), bytes: 0 };
  const disposeData = backend.disposeData.bind(backend);
  backend.disposeData = (dataId: object, force?: boolean): boolean => {
    const freed = disposeData(dataId, force);
    const t = freed ? state.cache.get(dataId) : undefined;
    if (t !== undefined) {
      state.cache.delete(dataId);
      state.bytes -= t.bytes;
      // Disposing the id first lets the module drop the XNNPACK operator packed from it.
      backend.wasm.tfjs.disposeData(t.id);
      backend.wasm._free(t.offset);
    }
    return freed;
  };
  states.set(backend, state);
  st = state;
  return st;
}

/**
 * The transpose of the [m, k] matrix `a` as a module tensor of shape [k, m], or undefined unless
 * `a` was first met under an earlier gradient tape (and the cache has room).
 */
function cachedTranspose(backend: WasmBackendView, st: BackendState, a: tf.TensorInfo): CachedTranspose | undefined {
  const hit = st.cache.get(a.dataId);
  if (hit !== undefined) return hit;
  const tape = tapeNumber();
  if (tape === 0) return undefined;
  const first = st.seen.get(a.dataId);
  if (first === undefined) st.seen.set(a.dataId, tape);
  const [m, k] = a.shape as [number, number];
  const bytes = m * k * 4;
  if (first === undefined || first === tape || st.bytes + bytes > TRANSPOSE_CACHE_LIMIT_BYTES) return undefined;
  const offset = backend.wasm._malloc(bytes) >>> 0;
  // Views are taken after the allocation, which may grow (and so detach) the heap.
  const src = backend.typedArrayFromHeap(a);
  const dst = new Float32Array(backend.wasm.HEAPU8.buffer, offset, m * k);
  for (let i = 0; i < m; i++) {
    const row = i * k;
    for (let j = 0; j < k; j++) dst[j * m + i] = src[row + j]!;
  }
  const id = backend.dataIdNextNumber++;
  backend.wasm.tfjs.registerTensor(id, m * k, offset);
  const t = { id, offset, bytes };
  st.cache.set(a.dataId, t);
  st.bytes += bytes;
  return t;
}

/** `row` ([1, k]) times the module tensor `weightsId` of shape [k, n], as a tensor of shape `outShape`. */
function rowTimesCached(backend: WasmBackendView, st: BackendState, row: tf.TensorInfo, k: number, weightsId: number, n: number, outShape: number[]): tf.TensorInfo {
  const out = backend.makeOutput(outShape, 'float32');
  const rowId = backend.dataIdMap.get(row.dataId)!.id;
  const outId = backend.dataIdMap.get(out.dataId)!.id;
  st.matMul(rowId, shapeBytes([1, 1, k]), 3, weightsId, shapeBytes([1, k, n]), 3, 0, 0, outId);
  return out;
}

/** The same data seen as a [1, n] row (a [n, 1] column or a [1, n] row holds the same values). */
function asRow(t: tf.TensorInfo, n: number): tf.TensorInfo {
  return { dataId: t.dataId, shape: [1, n], dtype: t.dtype };
}

function fastBatchMatMul(original: WasmKernel): WasmKernel {
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const transposeA = args.attrs.transposeA === true;
    const transposeB = args.attrs.transposeB === true;
    if (a.shape.length !== 2 || b.shape.length !== 2 || a.dtype !== 'float32' || b.dtype !== 'float32') return original(args);
    const [m, k] = (transposeA ? [a.shape[1], a.shape[0]] : a.shape) as [number, number];
    const n = (transposeB ? b.shape[0] : b.shape[1])!;
    if (k !== (transposeB ? b.shape[1] : b.shape[0])) return original(args);
    const backend = args.backend;
    // Column result: y = op(A) v, computed as the row vᵀ op(A)ᵀ.
    if (n === 1 && m > 1 && m * k >= MIN_MATRIX_SIZE) {
      const v = asRow(b, k);
      if (transposeA) return relabel(original({ ...args, inputs: { a: v, b: a }, attrs: { transposeA: false, transposeB: false } }), [m, 1]);
      const st = stateOf(backend);
      const t = cachedTranspose(backend, st, a);
      if (t !== undefined) return rowTimesCached(backend, st, v, k, t.id, m, [m, 1]);
      return original(args);
    }
    // Row result: y = u op(B); only a transposed B needs rewriting (its transpose is the weights).
    if (m === 1 && n > 1 && transposeB && k * n >= MIN_MATRIX_SIZE) {
      const u = asRow(a, k);
      const st = stateOf(backend);
      const t = cachedTranspose(backend, st, b);
      if (t !== undefined) return rowTimesCached(backend, st, u, k, t.id, n, [1, n]);
      return original(args);
    }
    if (m === 1 && n > 1 && transposeA && !transposeB) {
      return original({ ...args, inputs: { a: asRow(a, k), b }, attrs: { transposeA: false, transposeB: false } });
    }
    // Outer product (inner size 1) with a transposed operand: the untransposed product of the same data.
    if (k === 1 && (transposeA || transposeB) && m * n >= MIN_MATRIX_SIZE) {
      const col = { dataId: a.dataId, shape: [m, 1], dtype: a.dtype };
      return original({ ...args, inputs: { a: col, b: asRow(b, n) }, attrs: { transposeA: false, transposeB: false } });
    }
    return original(args);
  };
}

/** The [1, m] row a product returned, seen as `shape` (same data). */
function relabel(out: tf.TensorInfo | tf.TensorInfo[], shape: number[]): tf.TensorInfo {
  const t = Array.isArray(out) ? out[0]! : out;
  (t as { shape: number[] }).shape = shape;
  return t;
}

function sharedIdentity(original: WasmKernel): WasmKernel {
  return (args) => {
    const x = args.inputs.x!;
    if (x.dtype === 'string') return original(args);
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}

const WRAPPERS: Readonly<Record<string, (original: WasmKernel) => WasmKernel>> = {
  Identity: sharedIdentity,
  BatchMatMul: fastBatchMatMul,
};

/** Bytes of cached transposes that `backend` (a wasm backend instance) holds: 0 once their matrices are freed. */
export function cachedTransposeBytes(backend: object): number {
  return states.get(backend as WasmBackendView)?.bytes ?? 0;
}

const wrapped = new WeakSet<object>();

/**
 * Replaces the wasm Identity and BatchMatMul kernels with the wrappers above (keeping each
 * kernel's setup function, which binds its wasm export). Idempotent; a no-op where the wasm
 * backend package is not loaded.
 */
export function registerWasmFastPaths(): void {
  for (const [kernelName, wrap] of Object.entries(WRAPPERS)) {
    const config = tf.getKernel(kernelName, 'wasm');
    if (config === undefined || wrapped.has(config.kernelFunc)) continue;
    const kernelFunc = wrap(config.kernelFunc as unknown as WasmKernel) as unknown as tf.KernelFunc;
    wrapped.add(kernelFunc);
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ ...config, kernelFunc });
  }
}
