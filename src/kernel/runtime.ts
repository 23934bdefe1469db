/**
 * The effect-handler stack (the Messenger pattern of Pyro and NumPyro). Every primitive builds a
 * Message and hands it to `applyStack`, which passes it to the installed handlers innermost first
 * (`process`), fills in a value by default if no handler did, and then passes it back through the
 * same handlers outermost first (`postprocess`). A handler that sets `stop` hides the site from
 * every handler further out. Everything here is synchronous: a module-level stack cannot survive
 * interleaved `await`s.
 */
import * as tf from '@tensorflow/tfjs';

import type { Constraint } from '../distributions/constraints.js';
import type { Distribution } from '../distributions/distribution.js';
import { type TensorLike, toTensor } from '../distributions/tensor-like.js';
import { ModelError, VinferError } from './errors.js';
import type { PRNGKey } from './rng.js';

export type SiteType = 'sample' | 'param' | 'deterministic' | 'plate' | 'subsample' | 'prngKey';

/** Per-site options read by losses and guides. */
export interface InferConfig {
  enumerate?: 'parallel' | 'sequential';
  isAuxiliary?: boolean;
  [key: string]: unknown;
}

/** One enclosing plate as a site sees it. */
export interface PlateFrame {
  readonly name: string;
  /** Negative batch dim the plate occupies (-1 is the rightmost). */
  readonly dim: number;
  readonly size: number;
  readonly subsampleSize: number;
}

export interface Message {
  readonly type: SiteType;
  readonly name: string;
  /** The distribution of a sample site. */
  fn: Distribution | null;
  value: tf.Tensor | null;
  isObserved: boolean;
  /** Filled by the seed handler for sites that need randomness. */
  key: PRNGKey | null;
  /** Product of scale handlers and subsampled plates. */
  scale: number | tf.Tensor;
  /** AND of mask handlers and obsMask; null means unmasked. */
  mask: tf.Tensor | boolean | null;
  condIndepStack: PlateFrame[];
  infer: InferConfig;
  /** Set by block: handlers further out never see the site. */
  stop: boolean;
  /** Type-specific arguments (param: init, constraint, eventDim; plate: size, subsampleSize, dim; subsample: eventDim). */
  readonly args: Record<string, unknown>;
}

/** A recorded message. */
export type Site = Readonly<Message>;

/** The placeholder value of a prngKey message (its payload is `key`). */
const EMPTY = (): tf.Tensor => tf.zeros([0]);

export const STACK: Messenger[] = []; // STACK[0] is the outermost installed handler

/** Runs `msg` through the handler stack and returns its value. */
export function applyStack(msg: Message): tf.Tensor {
  let visited = 0;
  for (let i = STACK.length - 1; i >= 0; i--) {
    STACK[i]!.process(msg);
    visited++;
    if (msg.stop) break;
  }
  defaultProcess(msg);
  for (let i = STACK.length - visited; i < STACK.length; i++) STACK[i]!.postprocess(msg);
  if (msg.value === null) throw new VinferError(`internal: site '${msg.name}' has no value after applyStack`);
  return msg.value;
}

function defaultProcess(msg: Message): void {
  if (msg.value !== null) return;
  switch (msg.type) {
    case 'sample': {
      if (msg.key === null) {
        throw new ModelError(
          `sample('${msg.name}'): no PRNG key reached this site. Run the model under handlers.seed(model, key), or pass { obs } to observe it.`,
        );
      }
      msg.value = msg.fn!.sample(msg.key);
      return;
    }
    case 'param': {
      const init = msg.args.init as ((key: PRNGKey) => TensorLike) | TensorLike | undefined;
      if (typeof init === 'function') {
        if (msg.key === null) {
          throw new ModelError(
            `param('${msg.name}'): its initial value is a function of a PRNG key, but no key reached this site. Run under handlers.seed(fn, key).`,
          );
        }
        msg.value = toTensor(init(msg.key));
      } else if (init === undefined) {
        throw new ModelError(`param('${msg.name}'): no value was substituted and no initial value was given`);
      } else {
        msg.value = toTensor(init);
      }
      return;
    }
    case 'plate': {
      const draw = msg.args.draw as (key: PRNGKey | null) => tf.Tensor;
      msg.value = draw(msg.key);
      return;
    }
    case 'prngKey':
      msg.value = EMPTY();
      return;
    default:
      throw new VinferError(`internal: site '${msg.name}' of type '${msg.type}' reached the default handler without a value`);
  }
}

export abstract class Messenger {
  process(_msg: Message): void {}
  postprocess(_msg: Message): void {}

  /** Runs fn with this handler installed; always uninstalls it and anything installed inside it. */
  run<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): R {
    if (STACK.includes(this)) throw new VinferError('internal: a handler instance is already installed');
    const depth = STACK.push(this) - 1;
    try {
      const out = fn(...args);
      if (out instanceof Promise) {
        // Swallow the rejection of the abandoned promise so it does not surface as unhandled.
        out.catch(() => undefined);
        throw new ModelError('the model or guide returned a Promise; models and guides must be synchronous');
      }
      return out;
    } finally {
      STACK.length = depth;
    }
  }
}

/** Builds a Message with defaults. */
export function makeMessage(
  type: SiteType,
  name: string,
  fields: Partial<Omit<Message, 'type' | 'name'>> = {},
): Message {
  return {
    type,
    name,
    fn: null,
    value: null,
    isObserved: false,
    key: null,
    scale: 1,
    mask: null,
    condIndepStack: [],
    infer: {},
    stop: false,
    args: {},
    ...fields,
  };
}

export type { Constraint };
