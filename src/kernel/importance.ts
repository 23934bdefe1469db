/** Importance sampling with the guide (or the prior) as proposal: weights, evidence, ESS. */
import * as tf from '@tensorflow/tfjs';

import { type Guide, type ModelFn, guideFunction } from '../guides/guide.js';
import { ValueError } from './errors.js';
import { replay, seed, substitute, trace } from './handlers/index.js';
import { type PRNGKey, split } from './rng.js';
import { siteLogProbSum } from './trace-data.js';

export interface ImportanceOptions<A extends unknown[]> {
  /** Proposal; when absent the model's prior is the proposal. */
  guide?: ModelFn<A> | Guide<A>;
  /** Constrained parameter values substituted into guide and model. */
  params?: Record<string, tf.Tensor>;
  numSamples: number;
}

export interface ImportanceResult {
  /** Latent values of each draw, stacked along a leading [numSamples] dim. */
  readonly samples: Record<string, tf.Tensor>;
  /** log p(x, z) − log q(z) per draw, shape [numSamples]. */
  readonly logWeights: tf.Tensor;
  /** log of the mean importance weight: an estimate of the log evidence log p(x). */
  logMarginal(): number;
  /** Effective sample size 1 / Σ w̄², with w̄ the normalised weights. */
  ess(): number;
}

export class Importance<A extends unknown[] = any[]> {
  private readonly guide: ModelFn<A> | null;

  constructor(
    readonly model: ModelFn<A>,
    private readonly opts: ImportanceOptions<A>,
  ) {
    const n = opts?.numSamples;
    if (!Number.isInteger(n) || n < 1) throw new ValueError(`Importance: numSamples must be an integer >= 1, got ${n}`);
    this.guide = opts.guide === undefined ? null : guideFunction(opts.guide);
  }

  run(key: PRNGKey, ...args: A): ImportanceResult {
    const n = this.opts.numSamples;
    const params = this.opts.params ?? {};
    const keys = split(key, n);
    const { samples, logWeights } = tf.tidy(() => {
      const draws: Record<string, tf.Tensor[]> = {};
      const lw: tf.Tensor[] = [];
      for (const k of keys) {
        const [kg, km] = split(k);
        let logQ: tf.Tensor = tf.scalar(0);
        let run: ModelFn<A> = substitute(seed(this.model, km!), { data: params });
        if (this.guide !== null) {
          const gt = trace(substitute(seed(this.guide, kg!), { data: params })).getTrace(...args);
          for (const s of gt.values()) if (s.type === 'sample') logQ = tf.add(logQ, siteLogProbSum(s)!);
          run = replay(run, gt);
        }
        const mt = trace(run).getTrace(...args);
        let logP: tf.Tensor = tf.scalar(0);
        for (const s of mt.values()) {
          if (s.type !== 'sample') continue;
          // With the prior as proposal its density cancels: only the observed sites weigh.
          if (this.guide !== null || s.isObserved) logP = tf.add(logP, siteLogProbSum(s)!);
          if (!s.isObserved) (draws[s.name] ??= []).push(s.value!);
        }
        lw.push(tf.sub(logP, logQ));
      }
      return {
        samples: Object.fromEntries(Object.entries(draws).map(([k, v]) => [k, tf.stack(v)])),
        logWeights: tf.stack(lw),
      };
    });
    const w = Float64Array.from(logWeights.dataSync());
    const max = Math.max(...w);
    let sum = 0;
    let sumSq = 0;
    for (const x of w) {
      const e = Math.exp(x - max);
      sum += e;
      sumSq += e * e;
    }
    return {
      samples,
      logWeights,
      logMarginal: () => max + Math.log(sum / n),
      ess: () => (sum * sum) / sumSq,
    };
  }
}
