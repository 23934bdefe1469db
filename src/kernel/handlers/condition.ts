import { type TensorLike, toTensor } from '../../distributions/tensor-like.js';
import { type Message, Messenger } from '../runtime.js';

/** Observes sample sites named in `data`. Reads `type`, `name`; writes `value`, `isObserved`. */
export class ConditionMessenger extends Messenger {
  constructor(private readonly data: Record<string, TensorLike>) {
    super();
  }

  override process(msg: Message): void {
    if (msg.type !== 'sample') return;
    const v = this.data[msg.name];
    if (v === undefined) return;
    msg.value = toTensor(v);
    msg.isObserved = true;
  }
}

export function condition<A extends unknown[], R>(fn: (...args: A) => R, data: Record<string, TensorLike>): (...args: A) => R {
  return (...args: A) => new ConditionMessenger(data).run(fn, ...args);
}
