import { ModelError, VinferError } from '../errors.js';
import { type Message, Messenger } from '../runtime.js';
import { type Trace, formatShapes } from '../trace-data.js';

const ANNOTATED = Symbol.for('vinfer/trace-annotated');

/**
 * Records every site in postprocess, in execution order. Reads everything; writes nothing.
 * Sample and deterministic names must be unique; a repeated param or plate keeps its first record.
 */
export class TraceMessenger extends Messenger {
  readonly trace: Trace = new Map();

  override postprocess(msg: Message): void {
    if (msg.type === 'subsample' || msg.type === 'prngKey') return;
    const existing = this.trace.get(msg.name);
    if (existing !== undefined) {
      if (msg.type === 'sample' || msg.type === 'deterministic' || existing.type !== msg.type) {
        throw new ModelError(
          `${msg.type}('${msg.name}'): a site named '${msg.name}' already exists in this trace (type '${existing.type}'). ` +
            `Site names must be unique per run; inside a loop use a suffix such as '${msg.name}_3'.`,
        );
      }
      return;
    }
    this.trace.set(msg.name, { ...msg, condIndepStack: [...msg.condIndepStack] });
  }

  override run<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): R {
    try {
      return super.run(fn, ...args);
    } catch (e) {
      // Add the shapes seen so far to vinfer's own errors, once (Pyro's TraceHandler does the same).
      if (VinferError.is(e) && !(e as unknown as Record<symbol, boolean>)[ANNOTATED]) {
        (e as unknown as Record<symbol, boolean>)[ANNOTATED] = true;
        e.message += formatShapes(this.trace);
      }
      throw e;
    }
  }
}

export type Traced<A extends unknown[], R> = ((...args: A) => R) & {
  /** Runs fn and returns the trace of that run. */
  getTrace(...args: A): Trace;
};

/** Wraps fn so that `getTrace(...args)` runs it and returns its trace. */
export function trace<A extends unknown[], R>(fn: (...args: A) => R): Traced<A, R> {
  const wrapped = ((...args: A) => new TraceMessenger().run(fn, ...args)) as Traced<A, R>;
  wrapped.getTrace = (...args: A) => {
    const m = new TraceMessenger();
    m.run(fn, ...args);
    return m.trace;
  };
  return wrapped;
}
