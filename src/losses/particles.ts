/** Running a loss's per-particle estimate over several particles, looped or vectorised. */
import * as tf from '@tensorflow/tfjs';

import type { ModelFn } from '../guides/guide.js';
import { plate } from '../kernel/primitives.js';
import { type PRNGKey, split } from '../kernel/rng.js';
import type { Trace } from '../kernel/trace-data.js';

/** The deepest plate nesting among the sites of the traces. */
export function maxPlateNesting(...traces: Trace[]): number {
  let n = 0;
  for (const tr of traces) for (const s of tr.values()) n = Math.max(n, ...s.condIndepStack.map((f) => -f.dim));
  return n;
}

/** Averages `particle(key)` over `num` keys split from `key` (a loop: one eager pass per particle). */
export function meanOverParticles(key: PRNGKey, num: number, particle: (key: PRNGKey) => tf.Tensor): tf.Tensor {
  if (num === 1) return particle(key);
  const keys = split(key, num);
  let total = particle(keys[0]!);
  for (let i = 1; i < num; i++) total = tf.add(total, particle(keys[i]!));
  return tf.div(total, num);
}

/**
 * Wraps model and guide in an outer plate of `num` particles at the dim left of every plate they
 * use, so one pass draws all particles (Pyro's vectorize_particles). Models must broadcast over
 * that extra leading dim.
 */
export function vectorizedPair(model: ModelFn, guide: ModelFn, num: number, nesting: number): [ModelFn, ModelFn] {
  return [inOuterPlate(model, '_num_particles_vectorized', num, nesting), inOuterPlate(guide, '_num_particles_vectorized', num, nesting)];
}

/** `fn` run inside a plate of `size` at the dim left of the `nesting` plate dims it uses itself. */
export function inOuterPlate<A extends unknown[]>(fn: (...args: A) => unknown, name: string, size: number, nesting: number): (...args: A) => unknown {
  return (...args: A) => plate(name, size, () => fn(...args), { dim: -(nesting + 1) });
}
