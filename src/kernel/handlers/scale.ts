import * as tf from '@tensorflow/tfjs';

import { ValueError } from '../errors.js';
import { type Message, Messenger } from '../runtime.js';

/** Multiplies the log-density of every sample site by `factor`. Reads and writes `scale`. */
export class ScaleMessenger extends Messenger {
  constructor(private readonly factor: number | tf.Tensor) {
    super();
    if (typeof factor === 'number' && !(factor > 0)) {
      throw new ValueError(`handlers.scale: expected a factor > 0, got ${factor}. To drop sites use handlers.mask.`);
    }
  }

  override process(msg: Message): void {
    if (msg.type !== 'sample') return;
    const f = this.factor;
    if (typeof f === 'number' && typeof msg.scale === 'number') msg.scale *= f;
    else msg.scale = tf.mul(msg.scale, f);
  }
}

export function scale<A extends unknown[], R>(fn: (...args: A) => R, factor: number | tf.Tensor): (...args: A) => R {
  return (...args: A) => new ScaleMessenger(factor).run(fn, ...args);
}
