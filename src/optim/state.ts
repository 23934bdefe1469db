/**
 * Plain-data trees whose leaves may be tensors (optimiser and SVI states): conversion to and from
 * JSON that restores every float32 bit, plus deep clone and dispose.
 *
 * A tensor becomes `{ "__tensor__": true, "shape": [2], "dtype": "float32", "data": [0.1, -2] }`.
 * Each float32 is written as the shortest decimal that reads back to the same float32 (at most 9
 * significant digits), so `0.1f` is written `0.1`, not `0.10000000149011612`. JSON has no NaN,
 * infinities or negative zero, so those are written as the strings `"NaN"`, `"Infinity"`,
 * `"-Infinity"` and `"-0"` (in tensor data) and as `{ "__number__": "NaN" }` (as plain numbers).
 * NaN payload bits are not kept: every NaN reads back as the canonical quiet NaN.
 */
import * as tf from '@tensorflow/tfjs';

import { CheckpointError, ValueError } from '../kernel/errors.js';
import type { StateTree } from './optimizer.js';

/** A value JSON can hold exactly. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** How treeToJSON writes one tensor. */
export interface TensorJSON {
  readonly __tensor__: true;
  readonly shape: number[];
  readonly dtype: 'float32' | 'int32' | 'bool';
  /** Row-major values; non-finite values and -0 as strings (see the module comment). */
  readonly data: (number | string)[];
}

const TENSOR_TAG = '__tensor__';
const NUMBER_TAG = '__number__';
const SPECIAL: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };

function specialName(x: number): string | undefined {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (Object.is(x, -0)) return '-0';
  return undefined;
}

/** The shortest decimal that Math.fround maps back to `v` (itself a float32 value). */
function shortestFloat32(v: number): number {
  for (let p = 1; p < 9; p++) {
    const x = Number(v.toPrecision(p));
    if (Math.fround(x) === v) return x;
  }
  return v; // the exact value of a float32 always reads back to itself
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null) return false;
  const proto = Object.getPrototypeOf(x) as unknown;
  return proto === Object.prototype || proto === null;
}

function encodeTensor(t: tf.Tensor, values: ArrayLike<number>, path: string): TensorJSON {
  if (t.dtype !== 'float32' && t.dtype !== 'int32' && t.dtype !== 'bool') {
    throw new ValueError(`treeToJSON: the tensor at ${path} has dtype ${t.dtype}; only float32, int32 and bool can be written`);
  }
  const data: (number | string)[] = new Array<number | string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    data[i] = specialName(v) ?? (t.dtype === 'float32' ? shortestFloat32(v) : v);
  }
  return { __tensor__: true, shape: [...t.shape], dtype: t.dtype, data };
}

/** Walks a tree, writing tensors with `read`; shared by the sync and async forms. */
function encode(tree: unknown, path: string, read: (t: tf.Tensor, path: string) => TensorJSON): JsonValue {
  if (tree instanceof tf.Tensor) {
    if (tree.isDisposed) throw new ValueError(`treeToJSON: the tensor at ${path} has been disposed`);
    return read(tree, path) as unknown as JsonValue;
  }
  if (tree === null || typeof tree === 'string' || typeof tree === 'boolean') return tree;
  if (typeof tree === 'number') {
    const name = specialName(tree);
    return name === undefined ? tree : { [NUMBER_TAG]: name };
  }
  if (Array.isArray(tree)) return tree.map((x, i) => encode(x, `${path}[${i}]`, read));
  if (isPlainObject(tree)) {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(tree)) {
      if (k === TENSOR_TAG || k === NUMBER_TAG) throw new ValueError(`treeToJSON: the key '${k}' at ${path} is reserved for tagging tensors and numbers`);
      out[k] = encode(v, `${path}.${k}`, read);
    }
    return out;
  }
  const what = tree === undefined ? 'undefined' : typeof tree === 'object' ? `a ${tree.constructor?.name ?? 'non-plain'} object` : typeof tree;
  throw new ValueError(
    `treeToJSON: cannot write ${what} at ${path}; a state tree holds only numbers, strings, booleans, null, tensors, arrays and plain objects`,
  );
}

/**
 * Converts a tree of plain data and tensors into a JSON-safe value (read back with treeFromJSON).
 * Reads tensor values synchronously; use treeToJSONAsync on backends where that blocks.
 * @param tree - numbers, strings, booleans, null, tensors, arrays and plain objects
 * @returns a value that `JSON.stringify` writes without loss
 * @throws {ValueError} on any other kind of leaf, a disposed tensor, or a reserved key
 * @public
 */
export function treeToJSON(tree: unknown): JsonValue {
  return encode(tree, 'state', (t, path) => encodeTensor(t, t.dataSync(), path));
}

/**
 * treeToJSON that reads tensor values with `await tensor.data()`.
 * @public
 */
export async function treeToJSONAsync(tree: unknown): Promise<JsonValue> {
  const values = new Map<tf.Tensor, ArrayLike<number>>();
  // First pass only collects the tensors (and throws on bad leaves); the second writes.
  encode(tree, 'state', (t) => {
    values.set(t, []);
    return { __tensor__: true, shape: [], dtype: 'float32', data: [] };
  });
  await Promise.all([...values.keys()].map(async (t) => values.set(t, (await t.data()) as ArrayLike<number>)));
  return encode(tree, 'state', (t, path) => encodeTensor(t, values.get(t)!, path));
}

function decodeNumber(x: unknown, path: string): number {
  if (typeof x === 'number') return x;
  if (typeof x === 'string' && x in SPECIAL) return SPECIAL[x]!;
  throw new CheckpointError(`treeFromJSON: expected a number at ${path}, got ${JSON.stringify(x)}`);
}

function decodeTensor(json: Record<string, unknown>, path: string): tf.Tensor {
  const { shape, dtype, data } = json;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) {
    throw new CheckpointError(`treeFromJSON: the tensor at ${path} has a bad shape ${JSON.stringify(shape)}, expected an array of integers >= 0`);
  }
  if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') {
    throw new CheckpointError(`treeFromJSON: the tensor at ${path} has dtype ${JSON.stringify(dtype)}, expected float32, int32 or bool`);
  }
  const size = (shape as number[]).reduce((a, b) => a * b, 1);
  if (!Array.isArray(data) || data.length !== size) {
    throw new CheckpointError(
      `treeFromJSON: the tensor at ${path} of shape [${shape.join(', ')}] needs ${size} values, got ${Array.isArray(data) ? data.length : typeof data}`,
    );
  }
  const values = dtype === 'float32' ? new Float32Array(size) : dtype === 'int32' ? new Int32Array(size) : new Uint8Array(size);
  for (let i = 0; i < size; i++) values[i] = decodeNumber(data[i], `${path}.data[${i}]`);
  return tf.tensor(values, shape as number[], dtype);
}

function decode(json: unknown, path: string, made: tf.Tensor[]): StateTree {
  if (json === null || typeof json === 'string' || typeof json === 'boolean' || typeof json === 'number') return json;
  if (Array.isArray(json)) return json.map((x, i) => decode(x, `${path}[${i}]`, made));
  if (isPlainObject(json)) {
    if (json[TENSOR_TAG] === true) {
      const t = decodeTensor(json, path);
      made.push(t);
      return t;
    }
    if (NUMBER_TAG in json) return decodeNumber(json[NUMBER_TAG], `${path}.${NUMBER_TAG}`);
    const out: { [key: string]: StateTree } = {};
    for (const [k, v] of Object.entries(json)) out[k] = decode(v, `${path}.${k}`, made);
    return out;
  }
  throw new CheckpointError(`treeFromJSON: unexpected ${typeof json} at ${path}; expected the output of treeToJSON`);
}

/**
 * Rebuilds the tree written by treeToJSON, with new float32/int32/bool tensors holding the exact
 * stored values. The caller owns (and eventually disposes) those tensors.
 * @param json - the parsed JSON value
 * @throws {CheckpointError} when the value is not something treeToJSON wrote
 * @public
 */
export function treeFromJSON(json: unknown): StateTree {
  const made: tf.Tensor[] = [];
  try {
    return decode(json, 'state', made);
  } catch (err) {
    for (const t of made) t.dispose();
    throw err;
  }
}

/** Every tensor in a tree, depth first. */
export function treeTensors(tree: unknown): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  const walk = (x: unknown): void => {
    if (x instanceof tf.Tensor) out.push(x);
    else if (Array.isArray(x)) x.forEach(walk);
    else if (typeof x === 'object' && x !== null) Object.values(x).forEach(walk);
  };
  walk(tree);
  return out;
}

/**
 * Disposes every tensor in a tree (already disposed ones are skipped).
 * @public
 */
export function disposeTree(tree: unknown): void {
  for (const t of treeTensors(tree)) if (!t.isDisposed) t.dispose();
}

/**
 * A deep copy of a tree in which each tensor is a new handle (`tf.clone`, sharing storage), so the
 * copy survives disposal of the original. Frozen arrays and objects (e.g. PRNG keys) stay frozen.
 * @public
 */
export function cloneTree<T>(tree: T): T {
  if (tree instanceof tf.Tensor) return tf.clone(tree) as T;
  if (Array.isArray(tree)) {
    const copy = tree.map((x: unknown) => cloneTree(x));
    return (Object.isFrozen(tree) ? Object.freeze(copy) : copy) as T;
  }
  if (typeof tree === 'object' && tree !== null && isPlainObject(tree)) {
    const copy: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(tree)) copy[k] = cloneTree(v);
    return (Object.isFrozen(tree) ? Object.freeze(copy) : copy) as T;
  }
  return tree;
}
