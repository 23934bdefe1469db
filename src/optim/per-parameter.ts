/**
 * The shared machinery of the element-wise optimisers (Adam, SGD, RMSProp, …): options resolved
 * per parameter (Pyro style), input checks, the state layout, and one `tf.tidy` per update.
 *
 * State layout (plain data, see state.ts):
 *
 *     { count: <updates applied so far>,
 *       slots: { <slotName>: { <paramName>: tf.Tensor, … }, … } }
 *
 * e.g. Adam's is `{ count: 3, slots: { m: { loc: T, scale: T }, v: { loc: T, scale: T } } }`.
 * Slot-major (like optax's `mu`/`nu` trees) so that a slot reads as one tree of the same shape as
 * the parameters. A parameter whose options need no slot (SGD without momentum) has no entry.
 */
import * as tf from '@tensorflow/tfjs';

import { ValueError, fmtShape } from '../kernel/errors.js';
import type { Optimizer, OptimizerState, Params, StateTree } from './optimizer.js';
import type { PerParameterOptions } from './options.js';
import { cloneTree } from './state.js';

/** One parameter's slot tensors, by slot name. */
export type Slots = Record<string, tf.Tensor>;

/** What `step` receives for one parameter. */
export interface StepInput<H> {
  readonly name: string;
  readonly grad: tf.Tensor;
  readonly param: tf.Tensor;
  /** This parameter's slots from the previous state (never to be returned as they are). */
  readonly slots: Readonly<Slots>;
  /** The resolved options of this parameter. */
  readonly hyper: H;
  /** Updates applied before this one (0 on the first update). */
  readonly count: number;
  /** Context for error messages, e.g. `Adam (parameter 'loc')`. */
  readonly where: string;
  /**
   * A float32 scalar tensor of `x`, made once per update and shared by all parameters: a JS
   * number given to a tfjs op is turned into a new tensor at every use, which costs about as much
   * as a small kernel.
   */
  readonly scalar: (x: number) => tf.Tensor;
}

/** What `step` returns: all new tensors, none an alias of an input. */
export interface StepOutput {
  readonly param: tf.Tensor;
  readonly slots: Slots;
}

function isTensor(x: unknown): x is tf.Tensor {
  return x instanceof tf.Tensor;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !isTensor(x);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Checks the parameter record handed to init or update. */
export function checkParams(where: string, params: unknown, what = 'params'): asserts params is Params {
  if (!isRecord(params)) throw new ValueError(`${where}: ${what} must be a record of tensors by name, got ${typeof params}`);
  for (const [name, p] of Object.entries(params)) {
    if (!isTensor(p)) throw new ValueError(`${where}: ${what}['${name}'] must be a tf.Tensor, got ${typeof p}`);
    if (p.isDisposed) throw new ValueError(`${where}: ${what}['${name}'] has been disposed. Pass the tensors of the latest state.`);
    if (p.dtype !== 'float32') throw new ValueError(`${where}: ${what}['${name}'] must be float32, got dtype ${p.dtype}`);
  }
}

/** Checks grads against params: the same names and shapes. */
export function checkGrads(where: string, grads: unknown, params: Params): asserts grads is Params {
  checkParams(where, grads, 'grads');
  for (const name of Object.keys(grads)) {
    if (!(name in params)) throw new ValueError(`${where}: grads has '${name}', which is not among the parameters (${Object.keys(params).join(', ')})`);
  }
  for (const [name, p] of Object.entries(params)) {
    const g = grads[name];
    if (g === undefined) throw new ValueError(`${where}: no gradient for parameter '${name}'. Pass a gradient for every parameter.`);
    if (!sameShape(g.shape, p.shape)) {
      throw new ValueError(`${where}: gradient of '${name}' has the wrong shape, expected ${fmtShape(p.shape)}, got ${fmtShape(g.shape)}`);
    }
  }
}

/** Checks an optimiser state's outer form: `{ count, slots }`. */
export function checkState(where: string, state: unknown): asserts state is OptimizerState {
  if (!isRecord(state)) throw new ValueError(`${where}: the optimiser state must be { count, slots } as made by init, got ${typeof state}`);
  const { count, slots } = state;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
    throw new ValueError(`${where}: the optimiser state's count must be an integer >= 0, got ${String(count)}`);
  }
  if (!isRecord(slots)) throw new ValueError(`${where}: the optimiser state's slots must be an object, got ${typeof slots}`);
}

/** grad + weightDecay·param (PyTorch's L2 penalty), or `grad` itself when weightDecay is 0. */
export function withWeightDecay(grad: tf.Tensor, param: tf.Tensor, weightDecay: number, k: StepInput<unknown>['scalar']): tf.Tensor {
  return weightDecay !== 0 ? tf.add(grad, tf.mul(param, k(weightDecay))) : grad;
}

/** decay·avg + (1 − decay)·x: one step of an exponential moving average (Adam's moments, RMSProp's averages). */
export function ema(avg: tf.Tensor, x: tf.Tensor, decay: number, k: StepInput<unknown>['scalar']): tf.Tensor {
  return tf.add(tf.mul(avg, k(decay)), tf.mul(x, k(1 - decay)));
}

/**
 * Base of the element-wise optimisers. A subclass names its slots, builds their initial values
 * and writes the update of one parameter; this class does the rest.
 */
export abstract class PerParameterOptimizer<O, H> implements Optimizer {
  private readonly shared: H | undefined;
  private readonly perParam: ((paramName: string) => O) | undefined;
  private readonly resolved = new Map<string, H>();

  /**
   * @param label - the class name used in messages, e.g. `Adam`
   * @param options - options for all parameters, or a function of the parameter name
   * @param resolve - validates one options object and fills in defaults; throws ValueError
   */
  protected constructor(
    protected readonly label: string,
    options: PerParameterOptions<O> | undefined,
    private readonly resolve: (options: O, where: string) => H,
  ) {
    if (typeof options === 'function') {
      this.perParam = options as (paramName: string) => O;
    } else {
      // Validate eagerly, so that bad options fail where the optimiser is built.
      this.shared = resolve((options ?? {}) as O, label);
    }
  }

  /** The slots this parameter carries, in a fixed order. */
  protected abstract slotNames(hyper: H): readonly string[];
  /** The initial value of one slot for one parameter (a new tensor): zeros unless overridden. */
  protected initSlot(_slot: string, param: tf.Tensor, _hyper: H): tf.Tensor {
    return tf.zerosLike(param);
  }
  /** One update of one parameter; runs inside the update's tf.tidy. */
  protected abstract step(input: StepInput<H>): StepOutput;

  /** This parameter's resolved options; a per-parameter function is called once per name. */
  protected hyperFor(name: string): H {
    if (this.shared !== undefined) return this.shared;
    let hyper = this.resolved.get(name);
    if (hyper === undefined) {
      const where = `${this.label} (parameter '${name}')`;
      let options: O;
      try {
        options = this.perParam!(name);
      } catch (cause) {
        throw new ValueError(`${where}: the per-parameter options function threw: ${String(cause)}`, { cause });
      }
      hyper = this.resolve(options, where);
      this.resolved.set(name, hyper);
    }
    return hyper;
  }

  init(params: Params): OptimizerState {
    checkParams(this.label, params);
    const hypers = Object.keys(params).map((name) => [name, this.hyperFor(name)] as const);
    const slots = tf.tidy(() => {
      const out: Record<string, Record<string, tf.Tensor>> = {};
      for (const [name, hyper] of hypers) {
        for (const s of this.slotNames(hyper)) (out[s] ??= {})[name] = this.initSlot(s, params[name]!, hyper);
      }
      return out;
    });
    return { count: 0, slots };
  }

  update(grads: Params, state: OptimizerState, params: Params): { params: Params; state: OptimizerState } {
    const label = this.label;
    checkState(label, state);
    checkParams(label, params);
    checkGrads(label, grads, params);
    const { count } = state;
    // Gather and check everything before allocating, so bad input throws with nothing to clean up.
    const jobs = Object.entries(params).map(([name, param]) => {
      const hyper = this.hyperFor(name);
      const where = this.perParam ? `${label} (parameter '${name}')` : label;
      const slots: Slots = {};
      for (const s of this.slotNames(hyper)) {
        const t = (state.slots[s] as Record<string, StateTree> | undefined)?.[name];
        if (!isTensor(t) || t.isDisposed || !sameShape(t.shape, param.shape)) {
          throw new ValueError(
            `${label}: the state has no usable slot '${s}' for parameter '${name}'. ` +
              'Build the state with init() over the same parameters, and pass the latest state to update().',
          );
        }
        slots[s] = t;
      }
      return { name, grad: grads[name]!, param, slots, hyper, count, where };
    });
    const out = tf.tidy(() => {
      const cache = new Map<number, tf.Tensor>();
      const scalar = (x: number): tf.Tensor => {
        let t = cache.get(x);
        if (t === undefined) cache.set(x, (t = tf.scalar(x, 'float32')));
        return t;
      };
      const newParams: Record<string, tf.Tensor> = {};
      const newSlots: Record<string, Record<string, tf.Tensor>> = {};
      for (const job of jobs) {
        const r = this.step({ ...job, scalar });
        newParams[job.name] = r.param;
        for (const [s, t] of Object.entries(r.slots)) (newSlots[s] ??= {})[job.name] = t;
      }
      return { params: newParams, slots: newSlots };
    });
    // Slots of parameters absent from this update are carried over as copies, because the
    // caller disposes the old state.
    const slots: Record<string, StateTree> = out.slots;
    for (const [s, rec] of Object.entries(state.slots)) {
      if (!isRecord(rec)) {
        if (!(s in slots)) slots[s] = cloneTree(rec);
        continue;
      }
      for (const [name, value] of Object.entries(rec)) {
        if (!(name in params)) ((slots[s] ??= {}) as Record<string, StateTree>)[name] = cloneTree(value as StateTree);
      }
    }
    return { params: out.params, state: { count: count + 1, slots } };
  }
}
