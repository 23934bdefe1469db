/**
 * The Optimizer extension point: a functional gradient transformation (optax style) with plain
 * serialisable state. Parameters are the unconstrained tensors of an SVI state, by name.
 *
 * Contract:
 * - `init(params)` returns the initial state for exactly those parameters (new tensors, owned by
 *   the state; never aliases of `params`).
 * - `update(grads, state, params)` returns new parameters and a new state. It allocates new tensors
 *   and never disposes its inputs (the engine does that), so it may run inside `tf.tidy` with the
 *   results kept by the caller.
 * - The state is plain data: numbers, strings and tensors in nested records/arrays, so that
 *   `treeToJSON` (state.ts) can write it and `treeFromJSON` can restore it exactly.
 */
import type * as tf from '@tensorflow/tfjs';

export type Params = Record<string, tf.Tensor>;

/** A JSON-like tree whose leaves may be tensors. */
export type StateTree = number | string | boolean | null | tf.Tensor | StateTree[] | { [key: string]: StateTree };

export interface OptimizerState {
  /** Number of updates applied so far. */
  readonly count: number;
  /** Per-optimiser slots (moments, accumulators…), keyed however the optimiser likes. */
  readonly slots: { [key: string]: StateTree };
}

export interface Optimizer {
  init(params: Params): OptimizerState;
  update(grads: Params, state: OptimizerState, params: Params): { params: Params; state: OptimizerState };
}

/** A learning-rate schedule: the rate to use at update number `count` (0-based). */
export type Schedule = (count: number) => number;
