/**
 * The prototype run of an automatic guide (NumPyro's AutoGuide._setup_prototype with
 * find_valid_initial_params): the model runs once, hidden from every outer handler, with initial
 * values from an init strategy; the run is retried (a bounded number of times) until every sample
 * site has a finite log-density and every latent site a finite unconstrained value and
 * log-Jacobian. What an automatic guide needs from it is summarised as plain data (LatentSite),
 * so that no distribution of the run has to outlive it.
 */
import * as tf from '@tensorflow/tfjs';

import { bijectTo } from '../distributions/biject-to.js';
import type { Constraint } from '../distributions/constraints.js';
import { shapeSize } from '../distributions/tensor-like.js';
import type { Transform } from '../distributions/transforms.js';
import { ModelError, VinferError } from '../kernel/errors.js';
import { block, seed, substitute, trace } from '../kernel/handlers/index.js';
import { type PRNGKey, foldIn } from '../kernel/rng.js';
import type { PlateFrame, Site } from '../kernel/runtime.js';
import { type Trace, siteLogProb } from '../kernel/trace-data.js';
import type { ModelFn } from './guide.js';
import { type InitStrategy, strategyLabel } from './init-strategies.js';

/** Attempts the prototype makes before giving up (NumPyro's find_valid_initial_params uses 100). */
export const MAX_INIT_ATTEMPTS = 100;

/**
 * What an automatic guide knows about one continuous latent sample site of the model.
 * Tensors here are owned by the guide (released by its dispose()); never dispose them.
 * @public
 */
export interface LatentSite {
  readonly name: string;
  /** The family of the site's distribution, for messages. */
  readonly familyName: string;
  readonly support: Constraint;
  /** bijectTo(support): from unconstrained space onto the support. */
  readonly transform: Transform;
  /** Event dims of the constrained value (the distribution's event dims). */
  readonly eventDim: number;
  /** Event dims of the unconstrained value (NumPyro: fn.event_dim + ndim(unconstrained) - ndim(value)). */
  readonly unconstrainedEventDim: number;
  /** Shape of the value in the prototype run (subsampled plate dims at their subsample size). */
  readonly shape: readonly number[];
  readonly unconstrainedShape: readonly number[];
  /** The same with every subsampled plate dim at the plate's full size: the shape of per-site parameters. */
  readonly fullShape: readonly number[];
  readonly fullUnconstrainedShape: readonly number[];
  /** Number of unconstrained coordinates at full size. */
  readonly size: number;
  /** Enclosing plates, innermost first (the site's condIndepStack). */
  readonly plates: readonly PlateFrame[];
  /** True when an enclosing plate is subsampled: the site is a local latent variable. */
  readonly isLocal: boolean;
  /** Initial value in unconstrained space, full size (periodically repeated along subsampled plates). */
  readonly initUnconstrained: tf.Tensor;
  /** transform.forward(initUnconstrained). */
  readonly initValue: tf.Tensor;
}

/** The summary of a prototype run. */
export interface Prototype {
  /** Continuous latent sample sites, in execution order. */
  readonly latents: LatentSite[];
  /** Plates enclosing latent sites, by name (full size in `size`, subsample size in `subsampleSize`). */
  readonly frames: Map<string, PlateFrame>;
  /** Names of the model's deterministic sites. */
  readonly deterministic: string[];
  /** Names of the model's observed sample sites. */
  readonly observed: string[];
  /** Tensors the guide now owns (initial values, tensors held by supports and transforms). */
  readonly owned: tf.Tensor[];
}

/** `x` repeated cyclically along `axis` to length `size` (NumPyro's periodic_repeat). */
export function periodicRepeat(x: tf.Tensor, size: number, axis: number): tf.Tensor {
  return tf.tidy(() => {
    const n = x.shape[axis]!;
    if (n === size) return tf.clone(x);
    const reps = x.shape.map((_, i) => (i === axis ? Math.ceil(size / n) : 1));
    const tiled = tf.tile(x, reps);
    return tf.slice(tiled, x.shape.map(() => 0), x.shape.map((d, i) => (i === axis ? size : d)));
  });
}

/** The id the next tensor will get: tensors with a larger id were created after this call. */
function nextTensorId(): number {
  const probe = tf.scalar(0);
  const id = probe.id;
  probe.dispose();
  return id;
}

/**
 * Keeps (across tf.tidy) every tensor created since `firstId` that `obj` holds, e.g. the tensor
 * bounds of interval(low, high), and records it as owned. Tensors created before the prototype
 * run belong to the caller and are left alone.
 */
function keepHeld(obj: unknown, firstId: number, owned: tf.Tensor[], seen = new Set<unknown>(), depth = 0): void {
  if (obj === null || typeof obj !== 'object' || seen.has(obj) || depth > 8) return;
  seen.add(obj);
  if (obj instanceof tf.Tensor) {
    if (obj.id > firstId && !obj.isDisposed && !owned.includes(obj)) owned.push(tf.keep(obj));
    return;
  }
  for (const v of Object.values(obj)) keepHeld(v, firstId, owned, seen, depth + 1);
}

function describe(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\.$/, '');
}

/** The first discrete latent site refused with NumPyro's helpful_support_errors advice. */
function refuseDiscrete(where: string, tr: Trace): void {
  for (const s of tr.values()) {
    if (s.type !== 'sample' || s.isObserved || s.fn === null || !s.fn.isDiscrete) continue;
    throw new ModelError(
      `${where}: site '${s.name}' has discrete support (${s.fn.familyName}); ${where} only handles continuous latent sites. ` +
        'Observe it, or enumerate it with TraceEnum_ELBO.',
    );
  }
}

interface Checked {
  readonly site: Site;
  readonly transform: Transform | null;
  readonly unconstrained: tf.Tensor | null;
}

/** Checks every sample site for finiteness with one read-back; returns the first bad site or the checked list. */
function checkFinite(tr: Trace): { bad: { site: string; reason: string } | null; checked: Checked[]; error?: Error } {
  const checked: Checked[] = [];
  const flags: tf.Tensor[] = [];
  const labels: { site: string; reason: string }[] = [];
  const allFinite = (x: tf.Tensor): tf.Tensor => tf.all(tf.isFinite(x));
  for (const s of tr.values()) {
    if (s.type !== 'sample') continue;
    let lp: tf.Tensor | null;
    try {
      lp = siteLogProb(s);
    } catch (e) {
      if (!(VinferError.is(e) && e.name === 'ValueError')) throw e;
      return { bad: { site: s.name, reason: `its log-density could not be computed (${describe(e)})` }, checked, error: e as Error };
    }
    flags.push(allFinite(lp!));
    labels.push({ site: s.name, reason: 'its log-density is not finite at the initial value' });
    if (s.isObserved) {
      checked.push({ site: s, transform: null, unconstrained: null });
      continue;
    }
    const t = bijectTo(s.fn!.support);
    const u = t.inverse(s.value!);
    flags.push(allFinite(u), allFinite(t.logAbsDetJacobian(u, s.value!)));
    labels.push(
      { site: s.name, reason: 'its initial value maps to a non-finite point of unconstrained space (it lies on the boundary of the support)' },
      { site: s.name, reason: 'the log-Jacobian of bijectTo(support) is not finite at its initial value' },
    );
    checked.push({ site: s, transform: t, unconstrained: u });
  }
  if (flags.length === 0) return { bad: null, checked };
  const ok = tf.stack(flags).dataSync();
  const i = ok.findIndex((v) => v === 0);
  return { bad: i < 0 ? null : labels[i]!, checked };
}

/** Summarises a valid run; keeps (and records as owned) every tensor the summary holds. */
function summarise(checked: Checked[], tr: Trace, firstId: number, owned: tf.Tensor[], where: string): Prototype {
  const frames = new Map<string, PlateFrame>();
  const latents: LatentSite[] = [];
  for (const { site, transform, unconstrained } of checked) {
    if (transform === null || unconstrained === null) continue;
    const fn = site.fn!;
    const value = site.value!;
    const uEventDim = fn.eventDim + unconstrained.rank - value.rank;
    let uFull = unconstrained;
    const fullU = [...unconstrained.shape];
    const full = [...value.shape];
    for (const f of site.condIndepStack) {
      const seen = frames.get(f.name);
      if (seen !== undefined && (seen.dim !== f.dim || seen.size !== f.size || seen.subsampleSize !== f.subsampleSize)) {
        throw new ModelError(
          `${where}: plate '${f.name}' has inconsistent dim or size (dim ${seen.dim}, size ${seen.size}, subsample ${seen.subsampleSize} ` +
            `vs dim ${f.dim}, size ${f.size}, subsample ${f.subsampleSize} at site '${site.name}'). Check the model's plates.`,
        );
      }
      frames.set(f.name, f);
      if (f.subsampleSize === f.size) continue;
      const axis = unconstrained.rank + f.dim - uEventDim;
      if (axis >= 0 && fullU[axis] === f.subsampleSize) {
        uFull = periodicRepeat(uFull, f.size, axis);
        fullU[axis] = f.size;
      }
      const vAxis = value.rank + f.dim - fn.eventDim;
      if (vAxis >= 0) full[vAxis] = f.size;
    }
    const support = fn.support;
    keepHeld(support, firstId, owned);
    keepHeld(transform, firstId, owned);
    const initUnconstrained = tf.keep(uFull === unconstrained ? tf.clone(uFull) : uFull);
    const initValue = tf.keep(transform.forward(initUnconstrained));
    owned.push(initUnconstrained, initValue);
    latents.push({
      name: site.name,
      familyName: fn.familyName,
      support,
      transform,
      eventDim: fn.eventDim,
      unconstrainedEventDim: uEventDim,
      shape: [...value.shape],
      unconstrainedShape: [...unconstrained.shape],
      fullShape: full,
      fullUnconstrainedShape: fullU,
      size: shapeSize(fullU),
      plates: [...site.condIndepStack],
      isLocal: site.condIndepStack.some((f) => f.subsampleSize < f.size),
      initUnconstrained,
      initValue,
    });
  }
  const names = (pred: (s: Site) => boolean): string[] => [...tr.values()].filter(pred).map((s) => s.name);
  return {
    latents,
    frames,
    deterministic: names((s) => s.type === 'deterministic'),
    observed: names((s) => s.type === 'sample' && s.isObserved),
    owned,
  };
}

/** One prototype run: the model seeded with `key`, initial values substituted, hidden from outer handlers. */
function runOnce<A extends unknown[]>(model: ModelFn<A>, args: A, key: PRNGKey, init: InitStrategy): Trace {
  const traced = trace(substitute(seed(model, key), { substituteFn: init }));
  return block(() => traced.getTrace(...args))();
}

/**
 * Runs the prototype of `model` under `init`, retrying with fresh keys until the model's
 * log-density is finite at the initial point.
 * @param where - the guide's name, for messages
 * @throws {ModelError} for a discrete latent site, or when no attempt gives a finite log-density
 */
export function buildPrototype<A extends unknown[]>(where: string, model: ModelFn<A>, args: A, key: PRNGKey, init: InitStrategy): Prototype {
  const attempts = init.isRandom === false ? 1 : MAX_INIT_ATTEMPTS;
  let bad: { site: string; reason: string } | null = null;
  let cause: unknown;
  let lastMessage = '';
  let repeats = 0;
  /** True once the model has raised the same message on three attempts in a row. */
  const isRepeated = (e: Error): boolean => {
    repeats = e.message === lastMessage ? repeats + 1 : 1;
    lastMessage = e.message;
    return repeats >= 3;
  };
  let stoppedEarly = false;
  let tried = 0;
  for (let i = 0; i < attempts && !stoppedEarly; i++) {
    tried = i + 1;
    const owned: tf.Tensor[] = [];
    const firstId = nextTensorId();
    let result: Prototype | null = null;
    try {
      tf.tidy(() => {
        let tr: Trace;
        try {
          tr = runOnce(model, args, foldIn(key, i), init);
        } catch (e) {
          // A random starting point can make a downstream parameter invalid; try another one. The
          // same message three times running is the model's own error (a shape mismatch, an
          // observation outside the support), which more random starts will not fix: stop early.
          // (Log-densities that cannot be computed are judged the same way below.)
          if (!(VinferError.is(e) && e.name === 'ValueError') || attempts === 1) throw e;
          cause = e;
          bad = { site: '?', reason: `the model raised: ${describe(e)}` };
          if (isRepeated(e as Error)) stoppedEarly = true;
          return;
        }
        refuseDiscrete(where, tr);
        const checked = checkFinite(tr);
        bad = checked.bad;
        if (checked.error !== undefined && isRepeated(checked.error)) stoppedEarly = true;
        if (bad === null) result = summarise(checked.checked, tr, firstId, owned, where);
      });
    } catch (e) {
      tf.dispose(owned);
      throw e;
    }
    if (result !== null) return result;
  }
  const b = bad as { site: string; reason: string } | null;
  const what = b === null || b.site === '?' ? (b?.reason ?? 'no attempt succeeded') : `site '${b.site}': ${b.reason}`;
  throw new ModelError(
    `${where}: could not find initial values with a finite log-density in ${tried} attempt${tried === 1 ? '' : 's'} ` +
      (stoppedEarly ? '(the same error every time, so no other starting point was tried) ' : '') +
      `(init strategy ${strategyLabel(init)}); ${what}. Check that site's distribution and support, or give a valid ` +
      'starting point with initLocFn: initToValue({ values: { ... } }).',
    cause === undefined ? undefined : { cause },
  );
}
