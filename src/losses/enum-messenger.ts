/**
 * Parallel enumeration of discrete latent sites (Pyro's EnumMessenger with first_available_dim,
 * NumPyro's enum handler): a model site marked `infer: { enumerate: 'parallel' }` that no inner
 * handler has given a value takes all of its support at once, laid along a fresh batch dim left
 * of every plate, so that everything computed from it broadcasts over its values.
 */
import * as tf from '@tensorflow/tfjs';

import { ValueError, fmtShape } from '../kernel/errors.js';
import { type Message, Messenger } from '../kernel/runtime.js';

/** The key of `infer` where an enumerated site records the negative batch dim of its values. */
export const ENUMERATE_DIM = '_enumerateDim';

/** The enumeration dim of a recorded site, or undefined when it was not enumerated. */
export function enumerateDimOf(site: { readonly infer: Readonly<Record<string, unknown>> }): number | undefined {
  const d = site.infer[ENUMERATE_DIM];
  return typeof d === 'number' ? d : undefined;
}

/**
 * Gives each enumerated site the values `fn.enumerateSupport(false)` reshaped to
 * [K, 1, …, 1, ...eventShape] with K at its own dim: the first site at `firstAvailableDim`, the
 * next one dim further left, and so on. The site stays unobserved; `infer._enumerateDim` records
 * its dim. Reads `type`, `isObserved`, `value`, `infer`, `fn`, `condIndepStack`; writes `value`, `infer`.
 */
export class EnumMessenger extends Messenger {
  private nextDim: number;
  /** Number of plate dims reserved right of the enumeration dims. */
  private readonly nest: number;

  constructor(
    readonly firstAvailableDim: number,
    private readonly where = 'enumerate',
  ) {
    super();
    if (!Number.isInteger(firstAvailableDim) || firstAvailableDim >= 0) {
      throw new ValueError(`${where}: firstAvailableDim must be a negative integer, got ${firstAvailableDim}`);
    }
    this.nextDim = firstAvailableDim;
    this.nest = -firstAvailableDim - 1;
  }

  override process(msg: Message): void {
    if (msg.type !== 'sample' || msg.isObserved || msg.value !== null) return;
    const mode = msg.infer.enumerate;
    if (mode === undefined) return;
    if (mode !== 'parallel') {
      throw new ValueError(
        `${this.where}: site '${msg.name}' asks for enumerate: '${String(mode)}', but only 'parallel' enumeration is supported. ` +
          `Mark it { infer: { enumerate: 'parallel' } }.`,
      );
    }
    const fn = msg.fn!;
    if (!fn.hasEnumerateSupport) {
      throw new ValueError(
        `${this.where}: site '${msg.name}' is marked for enumeration but its distribution (${fn.familyName}) has no finite support ` +
          'to enumerate. Remove the enumerate mark and sample it in the guide.',
      );
    }
    const dim = this.nextDim;
    const batch = fn.batchShape;
    // Batch dims left of this site's own dim would collide with the enumeration dims still to come.
    if (batch.length > -dim - 1) {
      throw new ValueError(
        `${this.where}: site '${msg.name}' has batch shape ${fmtShape(batch)}, more dims than the ${this.nest} plate dims and ` +
          `${-dim - 1 - this.nest} earlier enumerated sites account for. Declare its batch dims with plate(), or raise maxPlateNesting.`,
      );
    }
    // Inside the plate dims every dim of size > 1 must be a plate: an undeclared batch dim would be
    // enumerated jointly (one value shared by all its entries), which is not what the model says.
    for (let a = 0; a < batch.length; a++) {
      const d = a - batch.length;
      if (-d > this.nest || batch[a] === 1) continue;
      if (!msg.condIndepStack.some((f) => f.dim === d)) {
        throw new ValueError(
          `${this.where}: site '${msg.name}' has batch shape ${fmtShape(batch)} whose dim ${d} (size ${batch[a]}) is not a plate. ` +
            'Put the site inside a plate() for that dim so each entry is enumerated independently.',
        );
      }
    }
    const support = fn.enumerateSupport(false);
    const k = support.shape[0]!;
    msg.value = tf.reshape(support, [k, ...new Array<number>(-dim - 1).fill(1), ...fn.eventShape]);
    msg.infer[ENUMERATE_DIM] = dim;
    this.nextDim--;
  }
}

/**
 * Runs `fn` with its enumerated sites enumerated from `firstAvailableDim` leftwards; `where`
 * names the caller in error messages.
 */
export function enumerate<A extends unknown[], R>(fn: (...args: A) => R, firstAvailableDim: number, where = 'enumerate'): (...args: A) => R {
  return (...args: A) => new EnumMessenger(firstAvailableDim, where).run(fn, ...args);
}
