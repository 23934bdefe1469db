/**
 * TraceGraph_ELBO: Trace_ELBO with a Rao-Blackwellised score-function term (Pyro's and NumPyro's
 * TraceGraph_ELBO, after Schulman et al. 2015, Gradient Estimation Using Stochastic Computation
 * Graphs).
 *
 * The score-function gradient of a non-reparameterisable guide site z is ∇log q(z) times the
 * ELBO; any cost term that cannot depend on z has zero expectation against ∇log q(z) and only
 * adds variance. Without provenance tracking, two facts decide which terms can depend on z:
 * - execution order: a guide site sampled before z does not depend on it, and a model site that
 *   runs before the first model site whose value can depend on z (and whose own value does not
 *   depend on z) cannot see z either;
 * - conditional independence: inside a plate, the slices are independent, so z in slice n of a
 *   plate only influences the slice-n terms of sites in the same plate; terms in plates z is not
 *   in enter summed over those plates.
 */
import * as tf from '@tensorflow/tfjs';

import type { ModelFn } from '../guides/guide.js';
import { stopGradient } from '../kernel/autodiff.js';
import { ValueError } from '../kernel/errors.js';
import type { PluginMeta } from '../kernel/plugin-meta.js';
import type { PRNGKey } from '../kernel/rng.js';
import type { PlateFrame, Site } from '../kernel/runtime.js';
import { type Trace, siteLogProb } from '../kernel/trace-data.js';
import { ELBO, type ELBOOptions, getTraces } from './elbo.js';
import { maxPlateNesting, meanOverParticles } from './particles.js';
import { valueWithGradientOf } from './trace-elbo.js';

/** One cost term of the ELBO: a site's scaled log-density (negated for guide sites), batch-shaped. */
interface CostTerm {
  readonly value: tf.Tensor;
  readonly frames: readonly PlateFrame[];
  /** Position among the model's (or guide's) sample sites, in execution order. */
  readonly position: number;
}

/**
 * The TraceGraph_ELBO estimator. The loss has the value of −ELBO (the same estimate as
 * Trace_ELBO) and the gradient of −surrogate, where the surrogate adds, for every guide site
 * without a reparameterised sampler, Σ log q(z) · stop_gradient(downstream cost of z), per plate
 * slice.
 */
export class TraceGraphELBO extends ELBO {
  static override readonly plugin = { kind: 'loss', name: 'TraceGraph_ELBO' } as const satisfies PluginMeta;

  constructor(options: ELBOOptions = {}) {
    // vectorizeParticles is a known key only so that asking for it gets the specific message below.
    super(options, 1, ['numParticles', 'vectorizeParticles']);
    if ((options as { vectorizeParticles?: unknown }).vectorizeParticles) {
      throw new ValueError("TraceGraph_ELBO: option 'vectorizeParticles' is not supported. Leave it out; particles run in a loop.");
    }
  }

  loss(key: PRNGKey, params: Record<string, tf.Tensor>, model: ModelFn, guide: ModelFn, ...args: unknown[]): tf.Tensor {
    return meanOverParticles(key, this.numParticles, (k) => {
      const { modelTrace, guideTrace } = getTraces(k, params, model, guide, args);
      const { elbo, surrogate } = traceGraphParticle(modelTrace, guideTrace);
      return valueWithGradientOf(tf.neg(elbo), tf.neg(surrogate));
    });
  }
}

/** The ELBO of one particle and its Rao-Blackwellised surrogate (see the module comment). */
export function traceGraphParticle(modelTrace: Trace, guideTrace: Trace): { elbo: tf.Tensor; surrogate: tf.Tensor } {
  const nest = maxPlateNesting(modelTrace, guideTrace);
  const modelSites = sampleSites(modelTrace);
  const guideSites = sampleSites(guideTrace);
  const modelTerms = modelSites.map((s, i) => costTerm(s, i, 1));
  const guideTerms = guideSites.map((s, i) => costTerm(s, i, -1));
  let elbo: tf.Tensor = tf.scalar(0);
  for (const t of [...modelTerms, ...guideTerms]) elbo = tf.add(elbo, tf.sum(t.value));

  const modelPosition = new Map(modelSites.map((s, i) => [s.name, i]));
  let score: tf.Tensor | null = null;
  guideSites.forEach((g, gi) => {
    if (g.fn!.hasRsample) return;
    // The first model site whose value may depend on g: g itself or any site the guide samples after it.
    let firstInfluenced = Infinity;
    for (let j = gi; j < guideSites.length; j++) {
      const p = modelPosition.get(guideSites[j]!.name);
      if (p !== undefined) firstInfluenced = Math.min(firstInfluenced, p);
    }
    const downstream = [
      ...modelTerms.filter((t) => t.position >= firstInfluenced),
      ...guideTerms.filter((t) => t.position >= gi),
    ];
    let cost: tf.Tensor = tf.scalar(0);
    for (const t of downstream) cost = tf.add(cost, reduceToFrames(t.value, t.frames, g.condIndepStack, nest));
    // The score is not scaled (Pyro's ScoreParts): the subsample scale is already in the costs.
    const logQ = reduceToFrames(siteLogProb(g)!, g.condIndepStack, g.condIndepStack, nest);
    const term = tf.sum(tf.mul(logQ, stopGradient(cost)));
    score = score === null ? term : tf.add(score, term);
  });
  return { elbo, surrogate: score === null ? elbo : tf.add(elbo, score) };
}

function sampleSites(tr: Trace): Site[] {
  return [...tr.values()].filter((s) => s.type === 'sample');
}

/** The masked log-density of a site times its scale (and `sign`), keeping the batch dims. */
function costTerm(site: Site, position: number, sign: 1 | -1): CostTerm {
  const lp = siteLogProb(site)!;
  const scaled = site.scale === 1 ? lp : tf.mul(lp, site.scale);
  return { value: sign === 1 ? scaled : tf.neg(scaled), frames: site.condIndepStack, position };
}

/**
 * `x` (batch-shaped, of a site in plates `own`) as a tensor of rank `nest` that keeps only the
 * dims of plates it shares with `keep` and sums every other dim (size 1 kept), so it broadcasts
 * against a site in plates `keep` slice by slice.
 */
export function reduceToFrames(x: tf.Tensor, own: readonly PlateFrame[], keep: readonly PlateFrame[], nest: number): tf.Tensor {
  let t = x;
  if (t.rank > nest) t = tf.sum(t, Array.from({ length: t.rank - nest }, (_, i) => i));
  if (t.rank < nest) t = tf.reshape(t, [...new Array<number>(nest - t.rank).fill(1), ...t.shape]);
  const axes: number[] = [];
  for (let a = 0; a < nest; a++) {
    const dim = a - nest;
    const shared = own.some((f) => f.dim === dim && keep.some((k) => k.name === f.name && k.dim === dim));
    if (!shared && t.shape[a] !== 1) axes.push(a);
  }
  return axes.length === 0 ? t : tf.sum(t, axes, true);
}
