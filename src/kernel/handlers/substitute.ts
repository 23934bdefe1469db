import type * as tf from '@tensorflow/tfjs';

import { type TensorLike, toTensor } from '../../distributions/tensor-like.js';
import { ValueError } from '../errors.js';
import { type Message, Messenger, type Site } from '../runtime.js';

export interface SubstituteOptions {
  data?: Record<string, TensorLike>;
  substituteFn?: (site: Site) => tf.Tensor | undefined;
}

/**
 * Sets the value of sample, param, plate and deterministic sites from `data` or `substituteFn`,
 * without marking them observed. Reads `type`, `name`; writes `value`.
 */
export class SubstituteMessenger extends Messenger {
  constructor(private readonly opts: SubstituteOptions) {
    super();
    if ((opts.data === undefined) === (opts.substituteFn === undefined)) {
      throw new ValueError('handlers.substitute: pass exactly one of { data } or { substituteFn }');
    }
  }

  override process(msg: Message): void {
    if ((msg.type === 'subsample' || msg.type === 'prngKey')) return;
    if (this.opts.data !== undefined) {
      const v = this.opts.data[msg.name];
      if (v !== undefined) msg.value = toTensor(v);
      return;
    }
    const v = this.opts.substituteFn!(msg);
    if (v !== undefined) msg.value = v;
  }
}

export function substitute<A extends unknown[], R>(fn: (...args: A) => R, opts: SubstituteOptions): (...args: A) => R {
  return (...args: A) => new SubstituteMessenger(opts).run(fn, ...args);
}
