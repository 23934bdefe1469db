/**
 * Splittable counter-based PRNG keys in the manner of JAX: a key is two uint32 words, and every
 * random number is threefry2x32 (20 rounds) of the key applied to a counter. Keys are plain,
 * immutable, JSON-serialisable data; the same key gives the same numbers on every backend because
 * the bits are made here, in JavaScript, and only then handed to tfjs.
 */
import * as tf from '@tensorflow/tfjs';

import { ValueError } from './errors.js';

declare const KEY_BRAND: unique symbol;
/** An opaque, immutable, serialisable PRNG key (two uint32 words). */
export type PRNGKey = readonly [number, number] & { readonly [KEY_BRAND]: true };

/**
 * threefry2x32 with 20 rounds (rotations 13 15 26 6 and 17 29 16 24 alternating by group of four,
 * a key injection after each group); writes the two output words into out[0..1]. Unrolled int32
 * arithmetic (`| 0` wraps additions, `>>>` reads a word as unsigned) with no allocation per
 * block: a step's noise, thousands of draws, is made here.
 */
function threefry2x32(k0: number, k1: number, c0: number, c1: number, out: Uint32Array | number[]): void {
  const ks0 = k0 | 0;
  const ks1 = k1 | 0;
  const ks2 = ks0 ^ ks1 ^ 0x1bd11bda;
  let x0 = (c0 + ks0) | 0;
  let x1 = (c1 + ks1) | 0;
  // Rounds 1-4, then key injection 1.
  x0 = (x0 + x1) | 0;
  x1 = ((x1 << 13) | (x1 >>> 19)) ^ x0;
  x0 = (x0 + x1) | 0;
  x1 = ((x1 << 15) | (x1 >>> 17)) ^ x0;
  x0 = (x0 + x1) | 0;
  x1 = ((x1 << 26) | (x1 >>> 6)) ^ x0;
  x0 = (x0 + x1) | 0;
  x1 = ((x1 << 6) | (x1 >>> 26)) ^ x0;
  x0 = (x0 + ks1) | 0;
  x1 = (x1 + ks2 + 1) | 0;
  // Rounds 5-8, then key injection 2.
  x0 = (x0 + x1) | 0;
  x1 = ((x1 << 17) | (x1 >>> 15)) ^ x0;
  x0 = (x0 + x1) | 0;
  x1 = ((x1 << 29) | (x1 >>> 3)) ^ x0;
  x0 = (x0 + x1) | 0;
  x1 = ((x1 << 16) | (x1 >>> 16)) ^ x0;
  x0 = (x0 + x1) | 0;
  x1 = ((x1 << 24) | (x1 >>> 8)) ^ x0;
  x0 = (x0 + ks2) | 0;
  x1 = (x1 + ks0 + 2) | 0;
  // Rounds 9-12, then key injection 3.
  x0 = (x0 + x1) | 0;
  x1 = ((x1 << 13) | (x1 >>> 19)) ^ x0;
  x0 = (x0 + x1) | 0;
  x1 = ((x1 << 15) | (x1 >>> 17)) ^ x0;
  x0 = (x0 + x1) | 0;
  x1 = ((x1 << 26) | (x1 >>> 6)) ^ x0;
  x0 = (x0 + x1) | 0;
  x1 = ((x1 << 6) | (x1 >>> 26)) ^ x0;
  x0 = (x0 + ks0) | 0;
  x1 = (x1 + ks1 + 3) | 0;
  // Rounds 13-16, then key injection 4.
  x0 = (x0 + x1) | 0;
  x1 = ((x1 << 17) | (x1 >>> 15)) ^ x0;
  x0 = (x0 + x1) | 0;
  x1 = ((x1 << 29) | (x1 >>> 3)) ^ x0;
  x0 = (x0 + x1) | 0;
  x1 = ((x1 << 16) | (x1 >>> 16)) ^ x0;
  x0 = (x0 + x1) | 0;
  x1 = ((x1 << 24) | (x1 >>> 8)) ^ x0;
  x0 = (x0 + ks1) | 0;
  x1 = (x1 + ks2 + 4) | 0;
  // Rounds 17-20, then key injection 5.
  x0 = (x0 + x1) | 0;
  x1 = ((x1 << 13) | (x1 >>> 19)) ^ x0;
  x0 = (x0 + x1) | 0;
  x1 = ((x1 << 15) | (x1 >>> 17)) ^ x0;
  x0 = (x0 + x1) | 0;
  x1 = ((x1 << 26) | (x1 >>> 6)) ^ x0;
  x0 = (x0 + x1) | 0;
  x1 = ((x1 << 6) | (x1 >>> 26)) ^ x0;
  x0 = (x0 + ks2) | 0;
  x1 = (x1 + ks0 + 5) | 0;
  out[0] = x0 >>> 0;
  out[1] = x1 >>> 0;
}

/** Exposed for the known-answer tests of the Random123 paper. */
export function threefry2x32Block(key: readonly [number, number], counter: readonly [number, number]): [number, number] {
  const out = [0, 0];
  threefry2x32(key[0], key[1], counter[0], counter[1], out);
  return [out[0]!, out[1]!];
}

function makeKey(a: number, b: number): PRNGKey {
  return Object.freeze([a >>> 0, b >>> 0]) as unknown as PRNGKey;
}

export function isPRNGKey(value: unknown): value is PRNGKey {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    value.every((w) => typeof w === 'number' && Number.isInteger(w) && w >= 0 && w <= 0xffffffff)
  );
}

function checkKey(where: string, key: unknown): asserts key is PRNGKey {
  if (!isPRNGKey(key)) {
    throw new ValueError(
      `${where}: expected a PRNGKey (two uint32 words, as made by PRNGKey(seed)), got ${JSON.stringify(key)}`,
    );
  }
}

/** A key from an integer seed (JAX: PRNGKey(seed) = [seed >> 32, seed & 0xffffffff]). */
export function PRNGKey(seed: number): PRNGKey {
  if (!Number.isSafeInteger(seed)) {
    throw new ValueError(`PRNGKey: seed must be an integer, got ${seed}`);
  }
  const hi = Math.floor(seed / 2 ** 32);
  return makeKey(hi, seed - hi * 2 ** 32);
}

/** `num` new independent keys derived from `key` (JAX's split: threefry of the counters 0..2num-1). */
export function split(key: PRNGKey, num = 2): PRNGKey[] {
  checkKey('split', key);
  if (!Number.isInteger(num) || num < 1) throw new ValueError(`split: num must be an integer >= 1, got ${num}`);
  const bits = randomBits(key, 2 * num);
  const keys: PRNGKey[] = [];
  for (let i = 0; i < num; i++) keys.push(makeKey(bits[2 * i]!, bits[2 * i + 1]!));
  return keys;
}

/** A new key that mixes `data` (a uint32) into `key`; different data gives independent keys. */
export function foldIn(key: PRNGKey, data: number): PRNGKey {
  checkKey('foldIn', key);
  if (!Number.isInteger(data)) throw new ValueError(`foldIn: data must be an integer, got ${data}`);
  const out = [0, 0];
  threefry2x32(key[0], key[1], 0, data >>> 0, out);
  return makeKey(out[0]!, out[1]!);
}

/**
 * `n` random uint32 words from `key`. As in JAX, the counters 0..m-1 (m = n rounded up to even)
 * are split into two halves that form the two input words of each block.
 */
export function randomBits(key: PRNGKey, n: number): Uint32Array {
  const m = n + (n % 2);
  const half = m / 2;
  const out = new Uint32Array(m);
  const block = new Uint32Array(2);
  for (let i = 0; i < half; i++) {
    threefry2x32(key[0], key[1], i, i + half, block);
    out[i] = block[0]!;
    out[i + half] = block[1]!;
  }
  return n === m ? out : out.subarray(0, n);
}

/** `n` uniforms on the open interval (0, 1), in double precision, for samplers written in JS. */
export function uniforms(key: PRNGKey, n: number): Float64Array {
  const bits = randomBits(key, n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (bits[i]! + 0.5) * 2 ** -32;
  return out;
}

/** `n` standard normals (Box–Muller on pairs of open uniforms), in double precision. */
export function normals(key: PRNGKey, n: number): Float64Array {
  const u = uniforms(key, n + (n % 2));
  const out = new Float64Array(n);
  for (let i = 0; i + 1 < u.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(u[i]!));
    const t = 2 * Math.PI * u[i + 1]!;
    out[i] = r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A float32 tensor of uniforms on [minval, maxval). */
export function uniform(key: PRNGKey, shape: readonly number[] = [], minval = 0, maxval = 1): tf.Tensor {
  checkKey('uniform', key);
  const n = size(shape);
  const bits = randomBits(key, n);
  const out = new Float32Array(n);
  const width = maxval - minval;
  // 24 random bits keep every value exactly representable in float32 and strictly below 1.
  for (let i = 0; i < n; i++) out[i] = minval + width * ((bits[i]! >>> 8) * 2 ** -24);
  return tf.tensor(out, [...shape], 'float32');
}

/** A float32 tensor of standard normals. */
export function normal(key: PRNGKey, shape: readonly number[] = []): tf.Tensor {
  checkKey('normal', key);
  return tf.tensor(Float32Array.from(normals(key, size(shape))), [...shape], 'float32');
}

/** An int32 tensor of integers uniform on [minval, maxval). */
export function randint(key: PRNGKey, shape: readonly number[], minval: number, maxval: number): tf.Tensor {
  checkKey('randint', key);
  const n = size(shape);
  const u = uniforms(key, n);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = minval + Math.floor(u[i]! * (maxval - minval));
  return tf.tensor(out, [...shape], 'int32');
}

/** A random permutation of 0..n-1 (Fisher–Yates driven by the key), as a JS array. */
export function permutation(key: PRNGKey, n: number): Int32Array {
  const u = uniforms(key, n);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u[i]! * (i + 1));
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}

/** The first `k` entries of a random permutation of 0..n-1 (partial Fisher–Yates, O(k) work). */
export function choiceWithoutReplacement(key: PRNGKey, n: number, k: number): Int32Array {
  const u = uniforms(key, k);
  const swapped = new Map<number, number>();
  const out = new Int32Array(k);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(u[i]! * (n - i));
    const vj = swapped.get(j) ?? j;
    out[i] = vj;
    swapped.set(j, swapped.get(i) ?? i);
  }
  return out;
}
