/**
 * Gradient clipping transformations for {@link chain}: by global norm and by value (optax's
 * clip_by_global_norm and clip).
 */
import * as tf from '@tensorflow/tfjs';

import { ValueError } from '../kernel/errors.js';
import type { GradientTransformation } from './chain.js';
import type { Params } from './optimizer.js';

/**
 * Scales all gradients together so that their global norm (the 2-norm of every element of every
 * gradient) is at most `maxNorm`: `g ← g · maxNorm / max(‖g‖, maxNorm)`. Gradients whose norm is
 * below the limit pass unchanged (the factor is exactly 1). Stateless; no read-back to JavaScript.
 *
 * References: R. Pascanu, T. Mikolov, Y. Bengio, "On the difficulty of training recurrent neural
 * networks", ICML 2013; optax.clip_by_global_norm.
 * @param maxNorm - the largest global norm allowed, > 0
 * @throws {ValueError} when maxNorm is not a positive number
 * @example
 * const optim = chain(clipByGlobalNorm(10), adam({ lr: 1e-3 }));
 * @public
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation {
  if (typeof maxNorm !== 'number' || !(maxNorm > 0)) {
    throw new ValueError(`clipByGlobalNorm: maxNorm must be a number > 0, got ${String(maxNorm)}`);
  }
  return {
    kind: 'gradient-transformation',
    name: 'clipByGlobalNorm',
    init: () => ({}),
    update: (grads) => {
      const names = Object.keys(grads);
      if (names.length === 0) return { grads: {}, slots: {} };
      const clipped = tf.tidy(() => {
        const squares = names.map((n) => tf.sum(tf.square(grads[n]!)));
        const total = squares.length === 1 ? squares[0]! : tf.addN(squares);
        const factor = tf.div(maxNorm, tf.maximum(tf.sqrt(total), maxNorm));
        const out: Record<string, tf.Tensor> = {};
        for (const n of names) out[n] = tf.mul(grads[n]!, factor);
        return out;
      });
      return { grads: clipped, slots: {} };
    },
  };
}

/**
 * Clamps every gradient element to `[min, max]`; `clipByValue(c)` means `[-c, c]` (optax.clip).
 * Stateless.
 * @throws {ValueError} when the bounds are NaN, or min > max, or the single bound is not > 0
 * @example
 * const optim = chain(clipByValue(1), sgd({ lr: 0.1 }));
 * @public
 */
export function clipByValue(maxAbs: number): GradientTransformation;
export function clipByValue(min: number, max: number): GradientTransformation;
export function clipByValue(a: number, b?: number): GradientTransformation {
  let lo: number;
  let hi: number;
  if (b === undefined) {
    if (typeof a !== 'number' || !(a > 0)) throw new ValueError(`clipByValue: maxAbs must be a number > 0, got ${String(a)}`);
    [lo, hi] = [-a, a];
  } else {
    if (typeof a !== 'number' || typeof b !== 'number' || Number.isNaN(a) || Number.isNaN(b) || a > b) {
      throw new ValueError(`clipByValue: expected min <= max, got min ${String(a)} and max ${String(b)}`);
    }
    [lo, hi] = [a, b];
  }
  return {
    kind: 'gradient-transformation',
    name: 'clipByValue',
    init: () => ({}),
    update: (grads: Params) => {
      const out: Record<string, tf.Tensor> = {};
      for (const [n, g] of Object.entries(grads)) out[n] = tf.clipByValue(g, lo, hi);
      return { grads: out, slots: {} };
    },
  };
}
