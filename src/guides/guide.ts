/** The Guide extension point: a function, or an object whose `forward` runs the guide program. */
import type { PRNGKey } from '../kernel/rng.js';
import type * as tf from '@tensorflow/tfjs';

export type ModelFn<A extends unknown[] = any[]> = (...args: A) => unknown;

export interface Guide<A extends unknown[] = any[]> {
  forward(...args: A): unknown;
  /** Posterior draws of the latent sites (constrained), leading dims `sampleShape`. */
  samplePosterior?(key: PRNGKey, params: Record<string, tf.Tensor>, opts?: { sampleShape?: number[] }): Record<string, tf.Tensor>;
}

/** A guide given as either form, as the function the handlers run. */
export function guideFunction<A extends unknown[]>(guide: ModelFn<A> | Guide<A>): ModelFn<A> {
  if (typeof guide === 'function') return guide;
  if (guide !== null && typeof guide === 'object' && typeof guide.forward === 'function') {
    return (...args: A) => guide.forward(...args);
  }
  throw new TypeError('a guide must be a function or an object with a forward(...args) method');
}
