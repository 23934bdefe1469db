import { ValueError } from '../errors.js';
import { type Message, Messenger, type Site } from '../runtime.js';

export interface BlockOptions {
  hide?: string[];
  expose?: string[];
  hideFn?: (site: Site) => boolean;
}

/** Hides sites from every handler further out (default: all of them). Reads `name`; writes `stop`. */
export class BlockMessenger extends Messenger {
  private readonly hidden: (site: Site) => boolean;

  constructor(opts: BlockOptions = {}) {
    super();
    const given = [opts.hide, opts.expose, opts.hideFn].filter((o) => o !== undefined).length;
    if (given > 1) throw new ValueError('handlers.block: pass at most one of { hide }, { expose } or { hideFn }');
    if (opts.hideFn !== undefined) this.hidden = opts.hideFn;
    else if (opts.hide !== undefined) {
      const hide = new Set(opts.hide);
      this.hidden = (s) => hide.has(s.name);
    } else if (opts.expose !== undefined) {
      const expose = new Set(opts.expose);
      this.hidden = (s) => !expose.has(s.name);
    } else this.hidden = () => true;
  }

  override process(msg: Message): void {
    if (msg.type !== 'subsample' && this.hidden(msg)) msg.stop = true;
  }
}

export function block<A extends unknown[], R>(fn: (...args: A) => R, opts: BlockOptions = {}): (...args: A) => R {
  return (...args: A) => new BlockMessenger(opts).run(fn, ...args);
}
