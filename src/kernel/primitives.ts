/**
 * The modelling primitives: sample, param, plate, deterministic, factor, subsample. Each builds a
 * Message and runs it through the handler stack (runtime.ts).
 */
import * as tf from '@tensorflow/tfjs';

import type { Constraint } from '../distributions/constraints.js';
import { Distribution } from '../distributions/distribution.js';
import { type TensorLike, toTensor } from '../distributions/tensor-like.js';
import { Unit } from '../distributions/unit.js';
import { ModelError, ValueError, fmtShape } from './errors.js';
import { type PRNGKey, choiceWithoutReplacement } from './rng.js';
import { type InferConfig, type Message, Messenger, type PlateFrame, STACK, applyStack, makeMessage } from './runtime.js';

function checkName(where: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new ModelError(`${where}: a site name must be a non-empty string, got ${JSON.stringify(name)}`);
  }
}

export interface SampleOptions {
  /** Observed value: the site becomes part of the likelihood. */
  obs?: TensorLike;
  /** 0/1 mask over the observed value's batch: entries where it is 0 are left out of the log-density. */
  obsMask?: TensorLike | boolean;
  infer?: InferConfig;
}

/** Draws (or observes) a value from `fn` at the site `name`. */
export function sample(name: string, fn: Distribution, opts: SampleOptions = {}): tf.Tensor {
  checkName('sample', name);
  if (!(fn instanceof Distribution)) {
    throw new ModelError(`sample('${name}'): expected a Distribution, got ${fn === null ? 'null' : typeof fn}`);
  }
  if (STACK.length === 0 && opts.obs === undefined) {
    throw new ModelError(
      `sample('${name}'): no PRNG key reached this site. Run the model under handlers.seed(model, key), or pass { obs } to observe it.`,
    );
  }
  const observed = opts.obs !== undefined;
  const msg = makeMessage('sample', name, {
    fn,
    value: observed ? toTensor(opts.obs!) : null,
    isObserved: observed,
    infer: { ...(opts.infer ?? {}) },
    mask: opts.obsMask === undefined ? null : typeof opts.obsMask === 'boolean' ? opts.obsMask : toTensor(opts.obsMask),
  });
  return applyStack(msg);
}

export interface ParamOptions {
  /** The set the parameter lives in; it is optimised unconstrained through bijectTo. @defaultValue constraints.real */
  constraint?: Constraint;
  /** Rightmost dims that are not batch dims (for subsampled plates). @defaultValue 0 */
  eventDim?: number;
}

/** A learnable parameter; its value comes from the parameter store when one is installed. */
export function param(name: string, init?: TensorLike | ((key: PRNGKey) => TensorLike), opts: ParamOptions = {}): tf.Tensor {
  checkName('param', name);
  const msg = makeMessage('param', name, {
    args: { init, constraint: opts.constraint, eventDim: opts.eventDim ?? 0 },
  });
  return applyStack(msg);
}

/** Records a value computed from other sites, so that it shows up in traces and predictions. */
export function deterministic(name: string, value: TensorLike): tf.Tensor {
  checkName('deterministic', name);
  return applyStack(makeMessage('deterministic', name, { value: toTensor(value) }));
}

/** Adds `logFactor` to the model's log-density. */
export function factor(name: string, logFactor: TensorLike): void {
  checkName('factor', name);
  const unit = new Unit(logFactor);
  applyStack(
    makeMessage('sample', name, {
      fn: unit,
      value: tf.zeros([...unit.batchShape, 0]),
      isObserved: true,
      infer: { isAuxiliary: true },
    }),
  );
}

/** Slices `data` along every enclosing subsampled plate whose full size it has (at dim - eventDim). */
export function subsample(data: TensorLike, eventDim: number): tf.Tensor {
  const msg = makeMessage('subsample', '_subsample', { value: toTensor(data), args: { eventDim } });
  return applyStack(msg);
}

/**
 * A fresh PRNG key from the enclosing seed handler, or null when none is installed (NumPyro's
 * prng_key); for code that needs randomness outside a sample site, such as a guide's set-up.
 */
export function prngKey(): PRNGKey | null {
  if (STACK.length === 0) return null;
  const msg = makeMessage('prngKey', '_prng_key');
  applyStack(msg).dispose();
  return msg.key;
}

export interface PlateOptions {
  /** Draw this many indices at random without replacement on each run; log-densities are scaled by size / subsampleSize. */
  subsampleSize?: number;
  /** Negative batch dim of the plate. @defaultValue the rightmost dim not used by an enclosing plate */
  dim?: number;
  /** Explicit subsample indices (overrides subsampleSize). */
  subsample?: TensorLike;
}

/** Runs `body` in a plate of conditionally independent variables; `body` receives the (subsampled) indices. */
export function plate<T>(name: string, size: number, body: (indices: tf.Tensor) => T, opts: PlateOptions = {}): T {
  checkName('plate', name);
  const messenger = new PlateMessenger(name, size, opts);
  return messenger.run(() => body(messenger.indices));
}

/** Active plates, innermost last. */
function activePlates(): PlateMessenger[] {
  return STACK.filter((m): m is PlateMessenger => m instanceof PlateMessenger);
}

/** Stable 32-bit hash of a plate name, so a plate reused by name draws the same indices in one run. */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export class PlateMessenger extends Messenger {
  readonly frame: PlateFrame;
  readonly indices: tf.Tensor;

  constructor(
    readonly name: string,
    readonly size: number,
    opts: PlateOptions,
  ) {
    super();
    if (!Number.isInteger(size) || size < 1) throw new ValueError(`plate('${name}'): size must be an integer >= 1, got ${size}`);
    const explicit = opts.subsample === undefined ? null : tf.cast(toTensor(opts.subsample), 'int32');
    if (explicit !== null && explicit.rank !== 1) {
      throw new ValueError(`plate('${name}'): subsample must be a 1-d tensor of indices, got shape ${fmtShape(explicit.shape)}`);
    }
    const subsampleSize = explicit !== null ? explicit.shape[0]! : (opts.subsampleSize ?? size);
    if (!Number.isInteger(subsampleSize) || subsampleSize < 1 || subsampleSize > size) {
      throw new ValueError(`plate('${name}'): subsampleSize must be an integer in [1, ${size}], got ${subsampleSize}`);
    }
    const used = new Set(activePlates().map((p) => p.frame.dim));
    let dim = opts.dim ?? -1;
    if (opts.dim === undefined) while (used.has(dim)) dim--;
    else if (!Number.isInteger(dim) || dim >= 0) throw new ValueError(`plate('${name}'): dim must be a negative integer, got ${dim}`);
    else if (used.has(dim)) {
      throw new ModelError(`plate('${name}'): dim ${dim} is already used by an enclosing plate. Choose another dim.`);
    }
    this.frame = { name, dim, size, subsampleSize };
    // The indices are a site of their own so that trace records them and replay reuses them.
    const draw = (key: PRNGKey | null): tf.Tensor => {
      if (explicit !== null) return explicit;
      if (subsampleSize === size) return tf.range(0, size, 1, 'int32');
      if (key === null) {
        throw new ModelError(`plate('${name}'): subsampling needs a PRNG key. Run the model under handlers.seed(model, key).`);
      }
      return tf.tensor1d(choiceWithoutReplacement(key, size, subsampleSize), 'int32');
    };
    const needsKey = explicit === null && subsampleSize < size;
    this.indices = applyStack(
      makeMessage('plate', name, { args: { size, subsampleSize, dim, draw, needsKey, keyTag: nameHash(name) } }),
    );
  }

  override process(msg: Message): void {
    if (msg.type === 'subsample') {
      this.subsampleData(msg);
      return;
    }
    if (msg.type !== 'sample' && msg.type !== 'param' && msg.type !== 'deterministic') return;
    msg.condIndepStack.push(this.frame);
    if (msg.type !== 'sample') return;
    const { dim, subsampleSize } = this.frame;
    const batch = [...msg.fn!.batchShape];
    while (batch.length < -dim) batch.unshift(1);
    const at = batch.length + dim;
    if (batch[at] === 1 && subsampleSize !== 1) {
      batch[at] = subsampleSize;
      msg.fn = msg.fn!.expand(batch);
    } else if (batch[at] !== subsampleSize) {
      throw new ModelError(
        `sample('${msg.name}'): inside plate('${this.name}') of size ${subsampleSize} at dim ${dim}, but the site's batch shape ` +
          `${fmtShape(msg.fn!.batchShape)} has size ${batch[at]} there. Make the distribution's batch shape broadcast with the plate.`,
      );
    } else if (batch.length !== msg.fn!.batchShape.length) {
      msg.fn = msg.fn!.expand(batch);
    }
    if (subsampleSize < this.size) {
      const ratio = this.size / subsampleSize;
      msg.scale = typeof msg.scale === 'number' ? msg.scale * ratio : tf.mul(msg.scale, ratio);
    }
  }

  override postprocess(msg: Message): void {
    // Parameters of full plate size are sliced to the subsample (what AutoNormal's createPlates relies on).
    if (msg.type !== 'param' || this.frame.subsampleSize === this.size || msg.value === null) return;
    const eventDim = (msg.args.eventDim as number | undefined) ?? 0;
    const axis = msg.value.rank + this.frame.dim - eventDim;
    if (axis >= 0 && msg.value.shape[axis] === this.size) msg.value = tf.gather(msg.value, this.indices, axis);
  }

  private subsampleData(msg: Message): void {
    if (this.frame.subsampleSize === this.size) return;
    const eventDim = msg.args.eventDim as number;
    const v = msg.value!;
    const axis = v.rank + this.frame.dim - eventDim;
    if (axis >= 0 && v.shape[axis] === this.size) msg.value = tf.gather(v, this.indices, axis);
  }
}
