/**
 * The SVI engine: NumPyro's functional API (init / update / stableUpdate / evaluate / getParams /
 * run) and Pyro's stateful one (step / evaluateLoss). A step's loss is a pure function of
 * (PRNG key, unconstrained parameters, model arguments); parameters live unconstrained and map
 * through bijectTo(constraint) into the sets they are declared in.
 */
import * as tf from '@tensorflow/tfjs';
import { Observable, Subject, type Subscription, config as rxjsConfig } from 'rxjs';

import { bijectTo } from '../distributions/biject-to.js';
import { type Constraint, real } from '../distributions/constraints.js';
import { type TensorLike, toTensor } from '../distributions/tensor-like.js';
import { Identity, type Transform } from '../distributions/transforms.js';
import { type Guide, type ModelFn, guideFunction } from '../guides/guide.js';
import type { ELBO } from '../losses/elbo.js';
import type { Optimizer, Params } from '../optim/optimizer.js';
import { valueAndGradsAllowUnused } from './autodiff.js';
import { ValueError, VinferError } from './errors.js';
import { type Callback, type SVIEvent, makeProgressBar } from './events.js';
import { replay, seed, trace } from './handlers/index.js';
import { PRNGKey, split } from './rng.js';
import { type SVIRunResult, type SVIState, checkStateMatches, disposeState, releaseState } from './svi-state.js';
import type { Trace } from './trace-data.js';

export interface SVIRunOptions {
  /** Show a live progress bar (only on a TTY, and not when CI is set). @defaultValue true */
  progressBar?: boolean;
  /** Skip updates whose loss or parameters are not finite. @defaultValue false */
  stableUpdate?: boolean;
  /** Resume from this state (e.g. from loadCheckpoint); it is consumed. */
  initState?: SVIState;
  /** Constrained initial values for some parameters (NumPyro's init_params). */
  initParams?: Record<string, TensorLike>;
  callbacks?: Callback[];
}

interface ParamInfo {
  /** Null for unconstrained (real) parameters: the value is used as is, with no copy. */
  readonly transform: Transform | null;
  readonly shape: number[];
}

/** Yield to the event loop at most this often during run(), so signals and timers get through. */
const YIELD_EVERY_MS = 25;

export class SVI<A extends unknown[] = any[]> {
  readonly model: ModelFn<A>;
  readonly guide: ModelFn<A>;
  private readonly subject = new Subject<SVIEvent>();
  /** Every event of every run of this engine. */
  readonly events$: Observable<SVIEvent> = this.subject.asObservable();
  private readonly info = new Map<string, ParamInfo>();
  private current: SVIState | null = null;
  /** The key the stateful API (step / evaluateLoss) initialises from; see useKey. */
  private stepKey: PRNGKey = PRNGKey(0);

  constructor(
    model: ModelFn<A>,
    guide: ModelFn<A> | Guide<A>,
    readonly optim: Optimizer,
    readonly loss: ELBO,
  ) {
    if (typeof model !== 'function') throw new ValueError('SVI: model must be a function');
    this.model = model;
    this.guide = guideFunction(guide);
    if (typeof optim?.init !== 'function' || typeof optim?.update !== 'function') {
      throw new ValueError('SVI: optim must be an Optimizer (an object with init and update)');
    }
    if (typeof loss?.loss !== 'function') throw new ValueError('SVI: loss must be an ELBO (an object with loss())');
  }

  /** Discovers the parameters by running guide and model once, and returns the first state. */
  init(key: PRNGKey, ...args: A): SVIState {
    return this.initWith(key, {}, ...args);
  }

  /** init with constrained initial values for some parameters (NumPyro's init_params). */
  initWith(key: PRNGKey, initParams: Record<string, TensorLike>, ...args: A): SVIState {
    const [rngKey, initKey] = split(key);
    const params = tf.tidy(() => {
      const [kg, km] = split(initKey!);
      const guideTrace = trace(seed(this.guide, kg!)).getTrace(...args);
      const modelTrace = trace(replay(seed(this.model, km!), guideTrace)).getTrace(...args);
      return this.discoverParams([guideTrace, modelTrace], initParams);
    });
    const optimState = this.optim.init(params);
    return { params, optimState, mutableState: null, rngKey: rngKey!, step: 0 };
  }

  private discoverParams(traces: Trace[], initParams: Record<string, TensorLike>): Params {
    this.info.clear();
    const out: Params = {};
    for (const tr of traces) {
      for (const site of tr.values()) {
        if (site.type !== 'param' || site.name in out) continue;
        const constraint = (site.args.constraint as Constraint | undefined) ?? real;
        const transform = bijectTo(constraint);
        const given = initParams[site.name];
        const value = given === undefined ? site.value! : toTensor(given);
        const u = transform.inverse(value);
        out[site.name] = u;
        this.info.set(site.name, { transform, shape: u.shape });
      }
    }
    const unknown = Object.keys(initParams).filter((k) => !(k in out));
    if (unknown.length > 0) {
      throw new ValueError(`SVI.init: initParams names ${unknown.join(', ')}, which are not parameters of the model or guide (${Object.keys(out).join(', ') || 'none'})`);
    }
    return out;
  }

  /** Constrained values of unconstrained parameters (allocates; run inside tidy or dispose). */
  private constrain(params: Params): Params {
    const out: Params = {};
    for (const [name, u] of Object.entries(params)) {
      const info = this.info.get(name);
      out[name] = info?.transform ? info.transform.forward(u) : u;
    }
    return out;
  }

  private lossFn(key: PRNGKey, args: A): (xs: tf.Tensor[], names: string[]) => tf.Tensor {
    return (xs, names) => {
      const unconstrained: Params = {};
      names.forEach((n, i) => (unconstrained[n] = xs[i]!));
      return this.loss.loss(key, this.constrain(unconstrained), this.model, this.guide, ...args);
    };
  }

  private ensureInfo(state: SVIState): void {
    if (this.info.size === 0 && Object.keys(state.params).length > 0) {
      throw new VinferError('SVI: this state was not made by this engine; call init (or run with initState after init) first');
    }
  }

  /** One optimisation step. Consumes `state` (its tensors are released); keep the returned one. */
  update(state: SVIState, ...args: A): [SVIState, number] {
    const [next, loss] = this.computeUpdate(state, args);
    releaseState(state, next);
    return [next, loss];
  }

  private computeUpdate(state: SVIState, args: A): [SVIState, number] {
    this.ensureInfo(state);
    const [rngKey, stepKey] = split(state.rngKey);
    const names = Object.keys(state.params);
    const f = this.lossFn(stepKey!, args);
    const out = tidyTyped(() => {
      const { value, grads } = valueAndGradsAllowUnused((xs) => f(xs, names), names.map((n) => state.params[n]!));
      const g: Params = {};
      names.forEach((n, i) => (g[n] = grads[i]!));
      const { params, state: optimState } = this.optim.update(g, state.optimState, state.params);
      return { value, params, optimState };
    });
    const loss = out.value.dataSync()[0]!;
    out.value.dispose();
    return [{ params: out.params, optimState: out.optimState, mutableState: null, rngKey: rngKey!, step: state.step + 1 }, loss];
  }

  /**
   * Like update, but when the loss or any new parameter is not finite the parameters and
   * optimiser state are kept (the key and step still advance) and the loss is reported as is.
   */
  stableUpdate(state: SVIState, ...args: A): [SVIState, number] {
    const [next, loss] = this.computeUpdate(state, args);
    const finite =
      Number.isFinite(loss) &&
      tf.tidy(() => {
        const vals = Object.values(next.params);
        if (vals.length === 0) return true;
        const sums = vals.map((t) => tf.sum(t));
        return Number.isFinite(tf.addN(sums).dataSync()[0]!);
      });
    if (finite) {
      releaseState(state, next);
      return [next, loss];
    }
    releaseState(next, state);
    return [{ ...state, rngKey: next.rngKey, step: next.step }, loss];
  }

  /** The loss at `state` (with the key the next update would use), without updating. */
  evaluate(state: SVIState, ...args: A): number {
    this.ensureInfo(state);
    const [, stepKey] = split(state.rngKey);
    const names = Object.keys(state.params);
    const f = this.lossFn(stepKey!, args);
    return tf.tidy(() => f(names.map((n) => state.params[n]!), names).dataSync()[0]!);
  }

  /** Constrained parameter values (new tensors owned by the caller). */
  getParams(state: SVIState): Params {
    this.ensureInfo(state);
    return tidyTyped(() => {
      const out = this.constrain(state.params);
      // Unconstrained parameters come back as the state's own tensors: copy them, the caller owns the result.
      for (const [k, v] of Object.entries(out)) if (v === state.params[k]) out[k] = tf.clone(v);
      return out;
    });
  }

  /** Parameter names and unconstrained shapes, as discovered at init. */
  paramShapes(): Record<string, number[]> {
    return Object.fromEntries([...this.info].map(([k, v]) => [k, v.shape]));
  }

  /**
   * Runs `numSteps` updates from a new state (or `initState`), emitting start/step/end events to
   * `events$` and the callbacks, and resolves with the constrained parameters, final state and losses.
   */
  async run(key: PRNGKey, numSteps: number, args: A = [] as unknown as A, opts: SVIRunOptions = {}): Promise<SVIRunResult> {
    if (!Number.isInteger(numSteps) || numSteps < 1) {
      throw new ValueError(`SVI.run: numSteps must be an integer >= 1, got ${numSteps}`);
    }
    let state: SVIState;
    if (opts.initState !== undefined) {
      // A fresh init discovers the parameters (names, shapes, constraints) the state must match.
      const probe = this.initWith(key, opts.initParams ?? {}, ...args);
      try {
        checkStateMatches(opts.initState, this.paramShapes());
      } finally {
        disposeState(probe);
      }
      state = opts.initState;
    } else {
      state = this.initWith(key, opts.initParams ?? {}, ...args);
    }
    const callbacks = [...(opts.callbacks ?? [])];
    if (opts.progressBar ?? true) {
      const bar = makeProgressBar();
      if (bar !== undefined) callbacks.push(bar);
    }
    return this.loop(state, numSteps, args, callbacks, opts.stableUpdate ?? false);
  }

  private async loop(start: SVIState, numSteps: number, args: A, callbacks: Callback[], stable: boolean): Promise<SVIRunResult> {
    let stopRequest: string | null = null;
    let failure: Error | null = null;
    const ctx = {
      events$: this.events$,
      svi: this,
      numSteps,
      stop: (reason?: string) => {
        stopRequest ??= reason ?? 'stopped by a callback';
      },
      fail: (error: unknown) => {
        failure ??= error instanceof Error ? error : new Error(String(error));
      },
    };
    const subs: Subscription[] = [];
    const attached: Callback[] = [];
    try {
      for (const cb of callbacks) {
        const s = cb.attach(ctx);
        attached.push(cb);
        if (s) subs.push(s);
      }
    } catch (e) {
      for (const s of subs) s.unsubscribe();
      await closeAll(attached);
      disposeState(start);
      throw e;
    }
    // rxjs reports an error thrown inside a subscriber asynchronously, through this hook; during a
    // run it fails the run (reason 'error'), so a callback that throws cannot go unnoticed.
    const previousHandler = rxjsConfig.onUnhandledError;
    rxjsConfig.onUnhandledError = (err: unknown) => ctx.fail(err);
    const losses = new Float32Array(numSteps);
    let state = start;
    let done = 0;
    let lastYield = Date.now();
    this.subject.next({ type: 'start', numSteps, step: state.step });
    let reason: 'completed' | 'stopped' | 'error' = 'completed';
    let error: Error | undefined;
    try {
      for (; done < numSteps; done++) {
        if (failure !== null || stopRequest !== null) break;
        let loss: number;
        try {
          [state, loss] = stable ? this.stableUpdate(state, ...args) : this.update(state, ...args);
        } catch (e) {
          throw annotateStep(e, state.step + 1);
        }
        losses[done] = loss;
        this.subject.next({ type: 'step', step: state.step, loss, state });
        if (Date.now() - lastYield >= YIELD_EVERY_MS) {
          await new Promise<void>((r) => setImmediate(r));
          lastYield = Date.now();
        }
      }
      // Let errors that subscribers threw during the last steps arrive before deciding the outcome.
      await new Promise<void>((r) => setTimeout(r, 0));
      if (failure !== null) throw failure;
      if (stopRequest !== null) reason = 'stopped';
    } catch (e) {
      reason = 'error';
      error = e instanceof Error ? e : new Error(String(e));
    }
    this.current = state;
    const result: SVIRunResult = { params: this.getParams(state), state, losses: losses.slice(0, done) };
    this.subject.next({
      type: 'end',
      step: state.step,
      reason,
      ...(reason === 'stopped' ? { message: stopRequest! } : {}),
      ...(reason === 'error' ? { error } : { result }),
    });
    for (const s of subs) s.unsubscribe();
    rxjsConfig.onUnhandledError = previousHandler;
    const closeError = await closeAll(callbacks);
    if (reason === 'error' || closeError !== null) {
      tf.dispose(Object.values(result.params));
      throw error ?? closeError;
    }
    return result;
  }

  /** Pyro-style stateful step: initialises on the first call (key 0 unless `useKey` was called). */
  step(...args: A): number {
    if (this.current === null) this.current = this.init(this.stepKey, ...args);
    const [next, loss] = this.update(this.current, ...args);
    this.current = next;
    return loss;
  }

  /** Pyro-style loss of the current state, without a step. */
  evaluateLoss(...args: A): number {
    if (this.current === null) this.current = this.init(this.stepKey, ...args);
    return this.evaluate(this.current, ...args);
  }

  /** Sets the key the stateful API initialises from, and forgets its current state. */
  useKey(key: PRNGKey): this {
    this.stepKey = key;
    if (this.current !== null) disposeState(this.current);
    this.current = null;
    return this;
  }

  /** The state of the stateful API (or of the last run). */
  get state(): SVIState | null {
    return this.current;
  }

  /** Releases the stateful API's state and completes events$. */
  dispose(): void {
    if (this.current !== null) disposeState(this.current);
    this.current = null;
    this.subject.complete();
  }
}

/** Closes every callback even when one fails; returns the first failure, if any. */
async function closeAll(callbacks: Callback[]): Promise<Error | null> {
  let first: Error | null = null;
  for (const cb of callbacks) {
    try {
      await cb.close?.();
    } catch (e) {
      first ??= e instanceof Error ? e : new Error(String(e));
    }
  }
  return first;
}

/** Adds the step number to an error from inside a step, keeping its class. */
function annotateStep(e: unknown, step: number): Error {
  const err = e instanceof Error ? e : new Error(String(e));
  if (!err.message.includes('(at SVI step')) err.message += ` (at SVI step ${step})`;
  return err;
}

/** tf.tidy with the scope function's own return type. */
function tidyTyped<T>(fn: () => T): T {
  return tf.tidy(fn as () => tf.TensorContainer) as T;
}
