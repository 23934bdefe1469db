import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

/** Element-wise |actual - expected| <= atol + rtol * |expected|, with shapes checked when both are tensors. */
export function expectClose(
  actual: tf.Tensor | number | ArrayLike<number>,
  expected: tf.Tensor | number | ArrayLike<number>,
  { atol = 1e-6, rtol = 1e-5 }: { atol?: number; rtol?: number } = {},
): void {
  if (actual instanceof tf.Tensor && expected instanceof tf.Tensor) {
    expect(actual.shape, 'shape').to.deep.equal(expected.shape);
  }
  const a = toArray(actual);
  const e = toArray(expected);
  const n = e.length === 1 ? a.length : e.length;
  if (e.length !== 1) expect(a.length, 'size').to.equal(e.length);
  for (let i = 0; i < n; i++) {
    const ei = e.length === 1 ? e[0]! : e[i]!;
    const ai = a[i]!;
    if (Number.isNaN(ei)) {
      expect(Number.isNaN(ai), `element ${i}: expected NaN, got ${ai}`).to.equal(true);
      continue;
    }
    if (!Number.isFinite(ei)) {
      expect(ai, `element ${i}`).to.equal(ei);
      continue;
    }
    const tol = atol + rtol * Math.abs(ei);
    expect(Math.abs(ai - ei), `element ${i}: got ${ai}, expected ${ei} ± ${tol}`).to.be.at.most(tol);
  }
}

function toArray(x: tf.Tensor | number | ArrayLike<number>): number[] {
  if (typeof x === 'number') return [x];
  if (x instanceof tf.Tensor) return Array.from(x.dataSync());
  return Array.from(x);
}

/** Runs fn and checks that the number of live tensors is unchanged afterwards. */
export function expectNoTensorLeak(fn: () => void): void {
  const before = tf.memory().numTensors;
  fn();
  expect(tf.memory().numTensors, 'live tensors after the call').to.equal(before);
}

/** Async variant of expectNoTensorLeak. */
export async function expectNoTensorLeakAsync(fn: () => Promise<void>): Promise<void> {
  const before = tf.memory().numTensors;
  await fn();
  expect(tf.memory().numTensors, 'live tensors after the call').to.equal(before);
}

/** Checks that fn throws an error of class `cls` (by name, so a second vinfer copy counts) whose message contains every fragment. */
export function expectVinferError(fn: () => unknown, cls: { name: string }, ...fragments: (string | RegExp)[]): Error {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, `expected ${cls.name} to be thrown`).to.be.instanceOf(Error);
  const e = err as Error;
  expect(e.name, `error class (message: ${e.message})`).to.equal(cls.name);
  for (const f of fragments) {
    if (typeof f === 'string') expect(e.message).to.contain(f);
    else expect(e.message).to.match(f);
  }
  return e;
}

/** Async variant of expectVinferError. */
export async function expectVinferErrorAsync(
  fn: () => Promise<unknown>,
  cls: { name: string },
  ...fragments: (string | RegExp)[]
): Promise<Error> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  expect(err, `expected ${cls.name} to be thrown`).to.be.instanceOf(Error);
  const e = err as Error;
  expect(e.name, `error class (message: ${e.message})`).to.equal(cls.name);
  for (const f of fragments) {
    if (typeof f === 'string') expect(e.message).to.contain(f);
    else expect(e.message).to.match(f);
  }
  return e;
}
