// Shared fixtures of the optimiser specs: a fixed gradient sequence, a runner that drives an
// Optimizer through it (disposing as the engine does), and a runner for element-wise double
// precision references written from PyTorch's documented algorithms.
import * as tf from '@tensorflow/tfjs';

import type { Optimizer, OptimizerState, Params } from '../../src/optim/optimizer.js';
import { disposeTree } from '../../src/optim/state.js';

/** Vector, matrix and scalar parameters with values in [-1.5, 1.5] (so float32 error stays ~1e-7). */
export const INIT: Record<string, { shape: number[]; values: number[] }> = {
  a: { shape: [5], values: [0.5, -1.25, 0, 1.5, -0.03125] },
  b: { shape: [2, 3], values: [1, -0.75, 0.2, -0.4, 0.9, 0.05] },
  c: { shape: [], values: [-0.6] },
};

/**
 * The fixed gradient of element `i` of parameter `name` at update `t` (0-based): float32 values of
 * mixed sign spanning 2^-3..2^2 in magnitude, with element 2 of `a` always exactly 0 (so slots
 * that divide by a running norm meet zeros).
 */
export function gradValue(name: string, t: number, i: number): number {
  if (name === 'a' && i === 2) return 0;
  const phase = name.charCodeAt(0) * 0.37 + i * 0.91 + t * 1.73;
  return Math.fround(Math.sin(phase) * 2 ** ((i + t) % 6 - 3));
}

export function gradsAt(t: number, init = INIT): Params {
  const out: Params = {};
  for (const [name, { shape, values }] of Object.entries(init)) {
    out[name] = tf.tensor(values.map((_, i) => gradValue(name, t, i)), shape, 'float32');
  }
  return out;
}

export function makeParams(init = INIT): Params {
  const out: Params = {};
  for (const [name, { shape, values }] of Object.entries(init)) out[name] = tf.tensor(values, shape, 'float32');
  return out;
}

export interface RunResult {
  /** Parameter values after each update. */
  history: Record<string, Float32Array>[];
  params: Params;
  state: OptimizerState;
}

/** Runs `steps` updates from `start` (or init), disposing superseded params, state and grads. */
export function run(
  optim: Optimizer,
  steps: number,
  start?: { params: Params; state: OptimizerState; t0: number },
  grads: (t: number) => Params = (t) => gradsAt(t),
): RunResult {
  let params = start?.params ?? makeParams();
  let state = start?.state ?? optim.init(params);
  const history: Record<string, Float32Array>[] = [];
  for (let k = 0; k < steps; k++) {
    const g = grads((start?.t0 ?? 0) + k);
    const next = optim.update(g, state, params);
    disposeTree(g);
    disposeTree(params);
    disposeTree(state);
    params = next.params;
    state = next.state;
    history.push(Object.fromEntries(Object.entries(params).map(([n, p]) => [n, p.dataSync() as Float32Array])));
  }
  return { history, params, state };
}

/** An element-wise reference: initial value and gradients in, value after each update and final slots out. */
export type ElementRef = (p0: number, grads: number[]) => { params: number[]; slots: Record<string, number> };

/** One reference for all parameters, or one per parameter name. */
export type RefSpec = ElementRef | { perParam: (name: string) => ElementRef };

/** Runs an element-wise reference (or one per parameter name) over every element of INIT with the fixed gradients. */
export function runReference(ref: RefSpec, steps: number, init = INIT) {
  const history: Record<string, number[]>[] = Array.from({ length: steps }, () => ({}));
  const slots: Record<string, Record<string, number[]>> = {};
  for (const [name, { values }] of Object.entries(init)) {
    values.forEach((v, i) => {
      const r = (typeof ref === 'function' ? ref : ref.perParam(name))(Math.fround(v), Array.from({ length: steps }, (_, t) => gradValue(name, t, i)));
      r.params.forEach((p, t) => (history[t]![name] ??= []).push(p));
      for (const [s, x] of Object.entries(r.slots)) ((slots[s] ??= {})[name] ??= []).push(x);
    });
  }
  return { history, slots };
}

/** Reads `state.slots[slot][param]` as numbers. */
export function slotValues(state: OptimizerState, slot: string, param: string): Float32Array {
  const t = (state.slots[slot] as Record<string, tf.Tensor> | undefined)?.[param];
  if (t === undefined) throw new Error(`no slot ${slot}/${param}`);
  return t.dataSync() as Float32Array;
}

/**
 * Agreement with the double-precision reference: |tf − ref| <= 1e-6 + 1e-6·|ref|. float32 has unit
 * roundoff 2^-24 ≈ 6e-8; each update rounds the parameter (|p| <= ~1.6) once and its step (<= lr)
 * about ten times, so after 10 updates the error is at most ~10 · 6e-8 · 1.6 ≈ 1e-6 and in
 * practice a few 1e-7. A wrong constant (β, bias correction, eps placement) is off by >= 1e-4.
 */
export const TOL = { atol: 1e-6, rtol: 1e-6 };
