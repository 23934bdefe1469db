/**
 * SVIState: everything a run needs to continue, as plain data — unconstrained parameters,
 * optimiser state, PRNG key and step count — plus its JSON form for checkpoints.
 */
import * as tf from '@tensorflow/tfjs';

import type { OptimizerState, Params, StateTree } from '../optim/optimizer.js';
import { type JsonValue, disposeTree, treeFromJSON, treeTensors, treeToJSON } from '../optim/state.js';
import { CheckpointError, fmtShape } from './errors.js';
import { type PRNGKey, isPRNGKey } from './rng.js';

export interface SVIState {
  /** Unconstrained parameter values by name. */
  readonly params: Params;
  readonly optimState: OptimizerState;
  /** Reserved for mutable sites (NumPyro's mutable_state); null when the model has none. */
  readonly mutableState: Params | null;
  /** The key the next step splits. */
  readonly rngKey: PRNGKey;
  /** Number of updates applied. */
  readonly step: number;
}

export interface SVIRunResult {
  /** Constrained parameter values (owned by the caller). */
  readonly params: Params;
  readonly state: SVIState;
  readonly losses: Float32Array;
}

/** Releases every tensor the state owns. */
export function disposeState(state: SVIState): void {
  disposeTree(state.params as unknown as StateTree);
  disposeTree(state.optimState as unknown as StateTree);
  if (state.mutableState !== null) disposeTree(state.mutableState as unknown as StateTree);
}

/** Releases the tensors of `old` that `kept` does not also hold (optimisers may pass tensors through). */
export function releaseState(old: SVIState, kept: SVIState): void {
  const keep = new Set(treeTensors([kept.params, kept.optimState, kept.mutableState]));
  for (const t of treeTensors([old.params, old.optimState, old.mutableState])) if (!keep.has(t)) t.dispose();
}

export const STATE_FORMAT = 'vinfer.svi-state';
export const STATE_VERSION = 1;

/** The JSON form of a state; `meta` (e.g. a model name) is stored beside it for later checks. */
export function stateToJSON(state: SVIState, meta: Record<string, JsonValue> = {}): JsonValue {
  return {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    meta,
    step: state.step,
    rngKey: [...state.rngKey],
    paramShapes: Object.fromEntries(Object.entries(state.params).map(([k, t]) => [k, t.shape])),
    params: treeToJSON(state.params as unknown as StateTree),
    optimState: treeToJSON(state.optimState as unknown as StateTree),
    mutableState: state.mutableState === null ? null : treeToJSON(state.mutableState as unknown as StateTree),
  };
}

/** Reads a state written by stateToJSON; `source` names the file in errors. */
export function stateFromJSON(json: unknown, source = 'checkpoint'): { state: SVIState; meta: Record<string, JsonValue> } {
  const o = json as Record<string, unknown>;
  if (typeof o !== 'object' || o === null || o.format !== STATE_FORMAT) {
    throw new CheckpointError(`${source}: not a vinfer SVI state (missing "format": "${STATE_FORMAT}")`);
  }
  if (o.version !== STATE_VERSION) {
    throw new CheckpointError(`${source}: state version ${String(o.version)} is not supported (expected ${STATE_VERSION})`);
  }
  if (!Number.isInteger(o.step) || (o.step as number) < 0) throw new CheckpointError(`${source}: "step" must be an integer >= 0`);
  if (!isPRNGKey(o.rngKey)) throw new CheckpointError(`${source}: "rngKey" is not a PRNG key`);
  // Decode inside tidy so that a failure part-way releases what was already decoded.
  return tf.tidy((() => decodeState(o, source)) as unknown as () => tf.TensorContainer) as unknown as { state: SVIState; meta: Record<string, JsonValue> };
}

function decodeState(o: Record<string, unknown>, source: string): { state: SVIState; meta: Record<string, JsonValue> } {
  const params = treeFromJSON(o.params as JsonValue) as unknown as Params;
  const shapes = (o.paramShapes ?? {}) as Record<string, number[]>;
  for (const [k, t] of Object.entries(params)) {
    const want = shapes[k];
    if (want === undefined || fmtShape(want) !== fmtShape((t as tf.Tensor).shape)) {
      throw new CheckpointError(`${source}: parameter '${k}' has shape ${fmtShape((t as tf.Tensor).shape)} but the header says ${want ? fmtShape(want) : 'nothing'}`);
    }
  }
  const state: SVIState = {
    params,
    optimState: treeFromJSON(o.optimState as JsonValue) as unknown as OptimizerState,
    mutableState: o.mutableState === null || o.mutableState === undefined ? null : (treeFromJSON(o.mutableState as JsonValue) as unknown as Params),
    rngKey: o.rngKey as PRNGKey,
    step: o.step as number,
  };
  return { state, meta: (o.meta ?? {}) as Record<string, JsonValue> };
}

/**
 * Throws a CheckpointError when `state` does not hold exactly the parameters (names and shapes)
 * that `expected` holds — e.g. a checkpoint of a different model.
 */
export function checkStateMatches(state: SVIState, expected: Record<string, readonly number[]>, source = 'initState'): void {
  const got = Object.keys(state.params).sort();
  const want = Object.keys(expected).sort();
  const missing = want.filter((k) => !(k in state.params));
  const extra = got.filter((k) => !(k in expected));
  if (missing.length > 0 || extra.length > 0) {
    throw new CheckpointError(
      `${source}: its parameters do not match this model and guide` +
        (missing.length ? `; missing: ${missing.join(', ')}` : '') +
        (extra.length ? `; unexpected: ${extra.join(', ')}` : '') +
        '. Was it written for a different model?',
    );
  }
  for (const k of want) {
    const a = fmtShape(state.params[k]!.shape);
    const b = fmtShape(expected[k]!);
    if (a !== b) throw new CheckpointError(`${source}: parameter '${k}' has shape ${a}, but this model and guide expect ${b}`);
  }
}
