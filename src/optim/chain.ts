/**
 * optax-style composition: gradient transformations (clipping, …) applied in order, then an
 * optimiser. `chain(clipByGlobalNorm(10), adam({ lr: 1e-3 }))` is itself an Optimizer.
 */
import * as tf from '@tensorflow/tfjs';

import { ValueError } from '../kernel/errors.js';
import type { Optimizer, OptimizerState, Params, StateTree } from './optimizer.js';
import { checkGrads, checkParams, checkState } from './per-parameter.js';

/** The state of one gradient transformation: plain data, as for optimisers. */
export type TransformSlots = { [key: string]: StateTree };

/**
 * A step that rewrites gradients before the optimiser sees them (clipping, scaling…).
 *
 * `update` may return gradients it did not change as they are, but every tensor in the returned
 * slots is new (the caller disposes the old state). It never disposes its inputs.
 * @public
 */
export interface GradientTransformation {
  /** Tells a transformation from an optimiser at run time. */
  readonly kind: 'gradient-transformation';
  /** Name used in messages, e.g. `clipByGlobalNorm`. */
  readonly name: string;
  init(params: Params): TransformSlots;
  /**
   * @param grads - the gradients so far, one per parameter
   * @param slots - this transformation's state from the previous update (or init)
   * @param params - the current parameters
   * @param count - updates applied before this one
   */
  update(grads: Params, slots: TransformSlots, params: Params, count: number): { grads: Params; slots: TransformSlots };
}

export function isGradientTransformation(x: unknown): x is GradientTransformation {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'gradient-transformation';
}

function isOptimizer(x: unknown): x is Optimizer {
  return (
    typeof x === 'object' &&
    x !== null &&
    !isGradientTransformation(x) &&
    typeof (x as Optimizer).init === 'function' &&
    typeof (x as Optimizer).update === 'function'
  );
}

function describe(x: unknown): string {
  if (isGradientTransformation(x)) return `the gradient transformation ${x.name}`;
  if (x === null || typeof x !== 'object') return String(x);
  return `an object without init/update (${x.constructor?.name ?? 'plain'})`;
}

/**
 * The optimiser made by {@link chain}. State layout:
 * `{ count, slots: { stages: [<slots of transformation 0>, …, <slots of the optimiser>] } }`.
 * @public
 */
export class Chain implements Optimizer {
  constructor(
    readonly transforms: readonly GradientTransformation[],
    readonly optimizer: Optimizer,
  ) {}

  init(params: Params): OptimizerState {
    checkParams('chain', params);
    const stages: StateTree[] = this.transforms.map((t) => t.init(params));
    stages.push(this.optimizer.init(params).slots);
    return { count: 0, slots: { stages } };
  }

  update(grads: Params, state: OptimizerState, params: Params): { params: Params; state: OptimizerState } {
    checkState('chain', state);
    checkParams('chain', params);
    checkGrads('chain', grads, params);
    const stages = state.slots.stages;
    const n = this.transforms.length;
    if (!Array.isArray(stages) || stages.length !== n + 1 || !stages.every((s) => typeof s === 'object' && s !== null && !Array.isArray(s))) {
      throw new ValueError(
        `chain: the state does not match this chain, expected slots.stages with ${n + 1} entries, got ${
          Array.isArray(stages) ? `${stages.length}` : typeof stages
        }. Build the state with this chain's init().`,
      );
    }
    const { count } = state;
    const out = tf.tidy(() => {
      let g = grads;
      const newStages: StateTree[] = [];
      this.transforms.forEach((t, i) => {
        const r = t.update(g, stages[i] as TransformSlots, params, count);
        g = r.grads;
        newStages.push(r.slots);
      });
      const r = this.optimizer.update(g, { count, slots: stages[n] as OptimizerState['slots'] }, params);
      newStages.push(r.state.slots);
      // tf.tidy keeps every tensor reachable from its result; the numbers in the slots pass through.
      return { params: r.params, stages: newStages } as unknown as tf.TensorContainer;
    }) as unknown as { params: Params; stages: StateTree[] };
    return { params: out.params, state: { count: count + 1, slots: { stages: out.stages } } };
  }
}

/**
 * Composes gradient transformations and a final optimiser into one optimiser (optax's chain):
 * each update passes the gradients through the transformations in order, then to the optimiser.
 * @param parts - zero or more GradientTransformations, then exactly one Optimizer (last)
 * @returns an Optimizer whose state holds every stage's state
 * @throws {ValueError} when the last argument is not an optimiser or an earlier one is not a transformation
 * @example
 * const optim = chain(clipByGlobalNorm(10), adam({ lr: 1e-3 }));
 * @public
 */
export function chain(...parts: [...GradientTransformation[], Optimizer]): Chain {
  if (parts.length === 0) throw new ValueError('chain: expected at least an optimiser, e.g. chain(clipByGlobalNorm(10), adam({ lr: 1e-3 })), got no arguments');
  const last = parts[parts.length - 1];
  if (!isOptimizer(last)) {
    throw new ValueError(`chain: the last argument must be an optimiser such as adam({ lr: 1e-3 }), got ${describe(last)}`);
  }
  const transforms = parts.slice(0, -1);
  transforms.forEach((t, i) => {
    if (!isGradientTransformation(t)) {
      throw new ValueError(
        `chain: argument ${i} must be a gradient transformation such as clipByGlobalNorm(10), got ${describe(t)}. Only the last argument may be an optimiser.`,
      );
    }
  });
  return new Chain(transforms as GradientTransformation[], last);
}
