import { ModelError } from '../errors.js';
import { type Message, Messenger } from '../runtime.js';
import type { Trace } from '../trace-data.js';

/**
 * Gives latent sample sites and plate subsample sites the values recorded in `trace` (usually a
 * guide's). Reads `type`, `name`, `isObserved`; writes `value`.
 */
export class ReplayMessenger extends Messenger {
  constructor(private readonly trace: Trace) {
    super();
  }

  override process(msg: Message): void {
    if (msg.type !== 'sample' && msg.type !== 'plate') return;
    if (msg.type === 'sample' && msg.isObserved) return;
    const site = this.trace.get(msg.name);
    if (site === undefined) return;
    if (site.type !== msg.type) {
      throw new ModelError(`replay: site '${msg.name}' is a ${msg.type} site here but a ${site.type} site in the replayed trace`);
    }
    msg.value = site.value;
  }
}

export function replay<A extends unknown[], R>(fn: (...args: A) => R, trace: Trace): (...args: A) => R {
  return (...args: A) => new ReplayMessenger(trace).run(fn, ...args);
}
