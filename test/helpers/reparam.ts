/**
 * Monte Carlo checks of reparameterised (pathwise) gradients: the average over draws of
 * d stat(x)/d theta estimates d E[stat(x)]/d theta, which families know in closed form.
 *
 * Each of the N draws gets its own copy of the parameter (a batch of N identical distributions),
 * so one backward pass yields N independent per-draw gradients; their sample standard error sets
 * the tolerance: K = 4 standard errors, a two-sided false-failure rate of ~6e-5 (STYLE.md 2.10).
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import type { Distribution } from '../../src/distributions/distribution.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { meanVar } from './stats.js';

export const K_SE = 4;

/**
 * Per-draw gradients d stat(x_i)/d theta_i for i < n, where x_i is the i-th draw of
 * make(theta) and theta is the parameter value repeated n times (shape [n], or [n, ...shape of value]).
 * @param stat - maps the [n, ...event] draws to n per-draw numbers (default: identity for scalar events)
 */
export function pathwiseGrads(
  make: (theta: tf.Tensor) => Distribution,
  value: number | number[] | number[][],
  n: number,
  seed: number,
  stat: (x: tf.Tensor) => tf.Tensor = (x) => x,
): Float32Array {
  return tf.tidy(() => {
    const v = tf.tensor(value);
    const theta = tf.tile(tf.expandDims(v, 0), [n, ...v.shape.map(() => 1)]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(stat(make(t).rsample(PRNGKey(seed)))))(theta);
    return g.dataSync() as Float32Array;
  });
}

/** The mean of per-draw gradients equals `expected` within K standard errors (estimated from the draws). */
export function expectMeanGradient(grads: ArrayLike<number>, expected: number, what: string): void {
  const { mean, variance } = meanVar(grads);
  expect(mean, `${what}: mean pathwise gradient`).to.be.closeTo(expected, K_SE * Math.sqrt(variance / grads.length) + 1e-7);
}
