import * as tf from '@tensorflow/tfjs';

import { type Message, Messenger } from '../runtime.js';

/** Drops the log-density of sample sites where `mask` is false. Reads and writes `mask`. */
export class MaskMessenger extends Messenger {
  constructor(private readonly mask: boolean | tf.Tensor) {
    super();
  }

  override process(msg: Message): void {
    if (msg.type !== 'sample') return;
    const m = this.mask;
    const cur = msg.mask;
    if (cur === null || cur === true) msg.mask = m;
    else if (cur === false || m === false) msg.mask = false;
    else if (m === true) msg.mask = cur;
    else msg.mask = tf.logicalAnd(tf.cast(cur, 'bool'), tf.cast(m, 'bool'));
  }
}

export function mask<A extends unknown[], R>(fn: (...args: A) => R, m: boolean | tf.Tensor): (...args: A) => R {
  return (...args: A) => new MaskMessenger(m).run(fn, ...args);
}
