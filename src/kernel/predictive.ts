/**
 * Predictive: draws from the posterior predictive (or prior predictive) distribution — the model
 * run with latent values from a guide or from posterior samples, observed sites resampled where
 * their data is absent.
 */
import * as tf from '@tensorflow/tfjs';

import type { TensorLike } from '../distributions/tensor-like.js';
import { type Guide, type ModelFn, guideFunction } from '../guides/guide.js';
import { inOuterPlate, maxPlateNesting } from '../losses/particles.js';
import { ValueError } from './errors.js';
import { replay, seed, substitute, trace } from './handlers/index.js';
import { type PRNGKey, split } from './rng.js';
import type { Trace } from './trace-data.js';

export interface PredictiveOptions<A extends unknown[]> {
  guide?: ModelFn<A> | Guide<A>;
  /** Constrained parameter values for the guide and model (e.g. SVI's getParams). */
  params?: Record<string, tf.Tensor>;
  /** Posterior draws by site name, with `batchNdims` leading sample dims. */
  posteriorSamples?: Record<string, TensorLike>;
  /** Number of draws (required unless posteriorSamples fixes it). */
  numSamples?: number;
  /** Sites to return (default: the model's sample sites not in the posterior, plus deterministic sites). */
  returnSites?: string[];
  /** Leading dims of posteriorSamples that index draws. @defaultValue 1 */
  batchNdims?: number;
  /** Draw all samples in one pass through an outer plate (the model must broadcast over it). @defaultValue false */
  parallel?: boolean;
}

export class Predictive<A extends unknown[] = any[]> {
  private readonly guide: ModelFn<A> | null;
  private readonly numSamples: number;
  private readonly samples: Record<string, tf.Tensor> | null;
  private readonly batchShape: number[];
  /** Tensors made here from posteriorSamples given as arrays; released by dispose(). */
  private readonly owned: tf.Tensor[] = [];

  constructor(
    readonly model: ModelFn<A>,
    private readonly opts: PredictiveOptions<A> = {},
  ) {
    this.guide = opts.guide === undefined ? null : guideFunction(opts.guide);
    const batchNdims = opts.batchNdims ?? 1;
    if (!Number.isInteger(batchNdims) || batchNdims < 1) {
      throw new ValueError(`Predictive: option 'batchNdims' must be an integer >= 1 (the leading dims of posteriorSamples that index draws), got ${batchNdims}`);
    }
    if (opts.posteriorSamples !== undefined && opts.guide !== undefined) {
      throw new ValueError('Predictive: pass either guide or posteriorSamples, not both');
    }
    if (opts.posteriorSamples !== undefined) {
      this.samples = Object.fromEntries(
        Object.entries(opts.posteriorSamples).map(([k, v]) => {
          if (v instanceof tf.Tensor) return [k, v];
          const t = tf.tensor(v as number[]);
          this.owned.push(t);
          return [k, t];
        }),
      );
      const first = Object.values(this.samples)[0];
      if (first === undefined) throw new ValueError('Predictive: posteriorSamples is empty');
      this.batchShape = first.shape.slice(0, batchNdims);
      for (const [k, v] of Object.entries(this.samples)) {
        if (v.shape.slice(0, batchNdims).join() !== this.batchShape.join()) {
          throw new ValueError(`Predictive: posteriorSamples['${k}'] has leading shape [${v.shape.slice(0, batchNdims)}], expected [${this.batchShape}]`);
        }
      }
      const n = this.batchShape.reduce((a, b) => a * b, 1);
      if (opts.numSamples !== undefined && opts.numSamples !== n) {
        throw new ValueError(`Predictive: numSamples ${opts.numSamples} disagrees with the ${n} posterior samples given`);
      }
      this.numSamples = n;
    } else {
      this.samples = null;
      const n = opts.numSamples;
      if (n === undefined || !Number.isInteger(n) || n < 1) {
        throw new ValueError(`Predictive: numSamples must be an integer >= 1 when no posteriorSamples are given, got ${n}`);
      }
      this.numSamples = n;
      this.batchShape = [n];
    }
  }

  /** Releases the tensors this object made from posteriorSamples given as arrays. */
  dispose(): void {
    tf.dispose(this.owned);
    this.owned.length = 0;
  }

  /** Draws and returns the requested sites, each with leading dims [numSamples] (or the samples' batch shape). */
  run(key: PRNGKey, ...args: A): Record<string, tf.Tensor> {
    return tf.tidy(() => {
      const out = this.opts.parallel ? this.runParallel(key, args) : this.runLoop(key, args);
      return out;
    });
  }

  private sampleAt(i: number): Record<string, tf.Tensor> {
    const flat: Record<string, tf.Tensor> = {};
    const nb = this.batchShape.length;
    for (const [k, v] of Object.entries(this.samples!)) {
      const r = tf.reshape(v, [this.numSamples, ...v.shape.slice(nb)]);
      flat[k] = tf.squeeze(tf.slice(r, [i], [1]), [0]);
    }
    return flat;
  }

  private oneDraw(key: PRNGKey, args: A, sub: Record<string, tf.Tensor> | null, model: ModelFn<A>, guide: ModelFn<A> | null): { tr: Trace; posterior: Set<string> } {
    const [kg, km] = split(key);
    const params = this.opts.params ?? {};
    let posterior = new Set<string>();
    let run: ModelFn<A> = substitute(seed(model, km!), { data: { ...params, ...(sub ?? {}) } });
    if (guide !== null) {
      const gt = trace(substitute(seed(guide, kg!), { data: params })).getTrace(...args);
      posterior = new Set([...gt.values()].filter((s) => s.type === 'sample').map((s) => s.name));
      run = replay(run, gt);
    } else if (sub !== null) {
      posterior = new Set(Object.keys(sub));
    }
    return { tr: trace(run).getTrace(...args), posterior };
  }

  private pick(tr: Trace, posterior: Set<string>): string[] {
    if (this.opts.returnSites !== undefined) {
      const missing = this.opts.returnSites.filter((n) => !tr.has(n));
      if (missing.length) throw new ValueError(`Predictive: returnSites ${missing.join(', ')} are not sites of the model`);
      return this.opts.returnSites;
    }
    return [...tr.values()]
      .filter((s) => (s.type === 'sample' && !posterior.has(s.name)) || s.type === 'deterministic')
      .map((s) => s.name);
  }

  private runLoop(key: PRNGKey, args: A): Record<string, tf.Tensor> {
    const keys = split(key, this.numSamples);
    const draws: Record<string, tf.Tensor[]> = {};
    let names: string[] | null = null;
    for (let i = 0; i < this.numSamples; i++) {
      const { tr, posterior } = this.oneDraw(keys[i]!, args, this.samples === null ? null : this.sampleAt(i), this.model, this.guide);
      names ??= this.pick(tr, posterior);
      for (const n of names) (draws[n] ??= []).push(tr.get(n)!.value!);
    }
    return Object.fromEntries(
      Object.entries(draws).map(([n, vs]) => {
        const s = tf.stack(vs);
        return [n, tf.reshape(s, [...this.batchShape, ...s.shape.slice(1)])];
      }),
    );
  }

  private runParallel(key: PRNGKey, args: A): Record<string, tf.Tensor> {
    const probe = this.oneDraw(key, args, this.samples === null ? null : this.sampleAt(0), this.model, this.guide);
    const nesting = maxPlateNesting(probe.tr);
    const dim = -(nesting + 1);
    const n = this.numSamples;
    const wrap = (fn: ModelFn<A>): ModelFn<A> => inOuterPlate(fn, '_num_predictive_samples', n, nesting);
    let sub: Record<string, tf.Tensor> | null = null;
    if (this.samples !== null) {
      // Posterior draws get the particle dim at `dim`: [n, 1, ..., 1, ...site shape].
      sub = {};
      for (const [k, v] of Object.entries(this.samples)) {
        const site = probe.tr.get(k);
        const siteRank = site?.value?.rank ?? v.rank - this.batchShape.length;
        const pad = Math.max(0, nesting - siteRank + (site?.fn?.eventShape.length ?? 0));
        const flat = tf.reshape(v, [n, ...v.shape.slice(this.batchShape.length)]);
        sub[k] = tf.reshape(flat, [n, ...new Array(pad).fill(1), ...flat.shape.slice(1)]);
      }
    }
    const { tr, posterior } = this.oneDraw(key, args, sub, wrap(this.model), this.guide === null ? null : wrap(this.guide));
    const out: Record<string, tf.Tensor> = {};
    for (const name of this.pick(tr, posterior)) {
      const v = tr.get(name)!.value!;
      // The site's shape in a single draw; the parallel value holds it with the sample dim at `dim`.
      const own = probe.tr.get(name)?.value?.shape ?? v.shape;
      const axis = v.rank + dim;
      let lead: tf.Tensor;
      if (axis >= 0 && v.shape[axis] === n) {
        const perm = [axis, ...Array.from({ length: v.rank }, (_, i) => i).filter((i) => i !== axis)];
        lead = tf.transpose(v, perm);
      } else {
        lead = tf.broadcastTo(tf.expandDims(v, 0), [n, ...v.shape]);
      }
      out[name] = tf.reshape(lead, [...this.batchShape, ...own]);
    }
    return out;
  }
}
