/**
 * TraceEnum_ELBO: the ELBO with discrete latent sites of the model summed out exactly
 * (NumPyro's and Pyro's TraceEnum_ELBO, for model-side parallel enumeration).
 *
 * A model site marked `infer: { enumerate: 'parallel' }` is left out of the guide; in the model
 * run it takes all its values at once along its own batch dim left of every plate
 * (enum-messenger.ts). Every model log-density that depends on an enumeration dim is then a
 * factor of a sum-product contraction (contract.ts): log Σ_z p(x, y, z) for the guide's draw y,
 * with plates as products. The remaining terms are Trace_ELBO's: pathwise gradients through
 * reparameterised guide sites, and the score-function surrogate for the others.
 */
import * as tf from '@tensorflow/tfjs';

import type { ModelFn } from '../guides/guide.js';
import { stopGradient } from '../kernel/autodiff.js';
import { ModelError, ValueError, fmtShape } from '../kernel/errors.js';
import { replay, seed, substitute, trace } from '../kernel/handlers/index.js';
import type { PluginMeta } from '../kernel/plugin-meta.js';
import { type PRNGKey, foldIn, split } from '../kernel/rng.js';
import type { PlateFrame } from '../kernel/runtime.js';
import { type Trace, scaleAndSum, siteLogProb, siteLogProbSum } from '../kernel/trace-data.js';
import { type EnumVar, type LogFactor, contractLogFactors } from './contract.js';
import { ELBO, type ELBOOptions, checkModelGuide } from './elbo.js';
import { enumerate, enumerateDimOf } from './enum-messenger.js';
import { maxPlateNesting, meanOverParticles } from './particles.js';
import { valueWithGradientOf } from './trace-elbo.js';

const WHERE = 'TraceEnum_ELBO';

export interface TraceEnumELBOOptions extends ELBOOptions {
  /**
   * How many plate dims the model and guide use (the enumeration dims start left of them).
   * @defaultValue found from a first run of the model and guide, once per model
   */
  readonly maxPlateNesting?: number;
}

/**
 * The TraceEnum_ELBO estimator. Supported: any number of enumerated sites, each in the plates
 * of the factors that depend on it or in fewer (mixture assignments inside a data plate, a
 * global enumerated site whose observations sit in a plate, chains of enumerated sites whose
 * distributions depend on earlier ones), with plate structures that nest as a tree. Not
 * supported: guide-side enumeration, 'sequential' enumeration, vectorised particles, and
 * enumerated factors with differing subsample scales; these throw a ValueError.
 */
export class TraceEnumELBO extends ELBO {
  static override readonly plugin = { kind: 'loss', name: 'TraceEnum_ELBO' } as const satisfies PluginMeta;
  readonly maxPlateNesting: number | undefined;
  /** Plate nesting found for each model seen, so the probe run happens once. */
  private readonly nesting = new WeakMap<ModelFn, number>();

  constructor(options: TraceEnumELBOOptions = {}) {
    // vectorizeParticles is a known key only so that asking for it gets the specific message below.
    super(options, 1, ['numParticles', 'maxPlateNesting', 'vectorizeParticles']);
    if ((options as { vectorizeParticles?: unknown }).vectorizeParticles) {
      throw new ValueError(`${WHERE}: option 'vectorizeParticles' is not supported (its particle dim would collide with the enumeration dims). Leave it out; particles run in a loop.`);
    }
    const n = options.maxPlateNesting;
    if (n !== undefined && n !== Infinity && (!Number.isInteger(n) || n < 0)) {
      throw new ValueError(`${WHERE}: option 'maxPlateNesting' must be an integer >= 0, got ${n}. Leave it out to find it from a first run.`);
    }
    this.maxPlateNesting = n === Infinity ? undefined : n;
  }

  loss(key: PRNGKey, params: Record<string, tf.Tensor>, model: ModelFn, guide: ModelFn, ...args: unknown[]): tf.Tensor {
    const nest = this.plateNesting(key, params, model, guide, args);
    return meanOverParticles(key, this.numParticles, (k) => {
      const { modelTrace, guideTrace } = getEnumTraces(k, params, model, guide, args, nest);
      const { elbo, surrogate } = traceEnumParticle(modelTrace, guideTrace, nest);
      return valueWithGradientOf(tf.neg(elbo), tf.neg(surrogate));
    });
  }

  private plateNesting(key: PRNGKey, params: Record<string, tf.Tensor>, model: ModelFn, guide: ModelFn, args: unknown[]): number {
    if (this.maxPlateNesting !== undefined) return this.maxPlateNesting;
    let n = this.nesting.get(model);
    if (n === undefined) {
      // A plain run (enumerated sites drawn from their priors) shows which plate dims are in use.
      const [kGuide, kModel] = split(foldIn(key, 0x7fffffff));
      const guideTrace = trace(substitute(seed(guide, kGuide!), { data: params })).getTrace(...args);
      const modelTrace = trace(replay(substitute(seed(model, kModel!), { data: params }), guideTrace)).getTrace(...args);
      n = maxPlateNesting(modelTrace, guideTrace);
      this.nesting.set(model, n);
    }
    return n;
  }
}

/**
 * Runs the guide, then the model replayed against it with its enumerated sites enumerated from
 * dim −(nest + 1) leftwards, and checks the pair.
 */
export function getEnumTraces(
  key: PRNGKey,
  params: Record<string, tf.Tensor>,
  model: ModelFn,
  guide: ModelFn,
  args: unknown[],
  nest: number,
): { modelTrace: Trace; guideTrace: Trace } {
  const [kGuide, kModel] = split(key);
  const guideTrace = trace(substitute(seed(guide, kGuide!), { data: params })).getTrace(...args);
  for (const s of guideTrace.values()) {
    if (s.type === 'sample' && !s.isObserved && s.infer.enumerate !== undefined) {
      throw new ValueError(
        `${WHERE}: guide site '${s.name}' is marked for enumeration; only model-side enumeration is supported. ` +
          'Remove the site from the guide and mark the model site { infer: { enumerate: \'parallel\' } }.',
      );
    }
  }
  const enumerated = enumerate(replay(substitute(seed(model, kModel!), { data: params }), guideTrace), -(nest + 1), WHERE);
  const modelTrace = trace(enumerated).getTrace(...args);
  checkNesting(modelTrace, guideTrace, nest);
  const plain: Trace = new Map();
  for (const [name, s] of modelTrace) {
    if (enumerateDimOf(s) !== undefined) continue;
    if (s.type === 'sample' && !s.isObserved && !guideTrace.has(name)) {
      throw new ModelError(
        `model latent site '${name}' is neither in the guide nor enumerated. Sample it in the guide, or, if it is discrete, ` +
          `mark it { infer: { enumerate: 'parallel' } } so that ${WHERE} sums it out.`,
      );
    }
    plain.set(name, s);
  }
  checkModelGuide(plain, guideTrace);
  return { modelTrace, guideTrace };
}

function checkNesting(modelTrace: Trace, guideTrace: Trace, nest: number): void {
  for (const tr of [modelTrace, guideTrace]) {
    for (const s of tr.values()) {
      const deep = s.condIndepStack.find((f) => -f.dim > nest);
      if (deep !== undefined) {
        throw new ValueError(
          `${WHERE}: plate '${deep.name}' at site '${s.name}' uses dim ${deep.dim}, but maxPlateNesting is ${nest}, so that dim ` +
            `belongs to enumeration. Pass maxPlateNesting >= ${-deep.dim}.`,
        );
      }
    }
  }
}

/** The ELBO of one particle with the enumerated sites summed out, and its surrogate. */
export function traceEnumParticle(modelTrace: Trace, guideTrace: Trace, nest: number): { elbo: tf.Tensor; surrogate: tf.Tensor } {
  const sites = [...modelTrace.values()].filter((s) => s.type === 'sample');
  const vars: (EnumVar & { position: number; size: number })[] = [];
  sites.forEach((s, position) => {
    const dim = enumerateDimOf(s);
    if (dim !== undefined) vars.push({ name: s.name, dim, plates: s.condIndepStack, position, size: s.value!.shape[0]! });
  });
  const rank = nest + vars.length;
  let elbo: tf.Tensor = tf.scalar(0);
  const factors: LogFactor[] = [];
  sites.forEach((s, position) => {
    const lp = siteLogProb(s)!;
    if (vars.length === 0) {
      elbo = tf.add(elbo, scaleAndSum(lp, s.scale));
      return;
    }
    let aligned = lp.rank >= rank ? lp : tf.reshape(lp, [...new Array<number>(rank - lp.rank).fill(1), ...lp.shape]);
    // A dim left of the plates must be the enumeration dim of a site that ran before this one;
    // anything else is an undeclared batch dim that would be mistaken for an enumerated variable.
    let dependent = false;
    for (let a = 0; a < aligned.rank - nest; a++) {
      if (aligned.shape[a] === 1) continue;
      const v = vars.find((u) => u.dim === a - aligned.rank);
      if (v === undefined || v.position > position || v.size !== aligned.shape[a]) {
        throw new ValueError(
          `${WHERE}: site '${s.name}' has a log-density of shape ${fmtShape(lp.shape)} whose dim ${a - aligned.rank} (size ` +
            `${aligned.shape[a]}) is neither one of its ${nest} plate dims nor the dim of an enumerated site it depends on. ` +
            'With enumeration every batch dim must be a plate: wrap the site in plate(), move dims into the event with ' +
            'toEvent(), or raise maxPlateNesting.',
        );
      }
      dependent = true;
    }
    if (!dependent) {
      elbo = tf.add(elbo, scaleAndSum(lp, s.scale));
      return;
    }
    if (aligned.rank > rank) aligned = tf.reshape(aligned, aligned.shape.slice(aligned.rank - rank)); // only size-1 dims go
    if (typeof s.scale !== 'number') {
      throw new ValueError(
        `${WHERE}: site '${s.name}' depends on an enumerated site and has a tensor scale; enumeration needs a number scale. ` +
          'Use handlers.scale with a number, or a subsampled plate.',
      );
    }
    factors.push({ name: s.name, logProb: sumUndeclared(aligned, s.condIndepStack, nest), plates: s.condIndepStack, scale: s.scale });
  });
  if (factors.length > 0) elbo = tf.add(elbo, contractLogFactors(WHERE, factors, vars, rank));
  let scoreLogQ: tf.Tensor | null = null;
  for (const g of guideTrace.values()) {
    if (g.type !== 'sample') continue;
    elbo = tf.sub(elbo, siteLogProbSum(g)!);
    // Unscaled, as Pyro's score parts: the subsample scale is already inside the ELBO it multiplies.
    if (!g.fn!.hasRsample) scoreLogQ = scoreLogQ === null ? tf.sum(siteLogProb(g)!) : tf.add(scoreLogQ, tf.sum(siteLogProb(g)!));
  }
  if (scoreLogQ === null) return { elbo, surrogate: elbo };
  return { elbo, surrogate: tf.add(elbo, tf.mul(scoreLogQ, stopGradient(elbo))) };
}

/**
 * Sums the dims right of the enumeration dims that are not plates of the site (batch dims the
 * model left undeclared): given the enumerated values they are independent terms, a product.
 */
function sumUndeclared(t: tf.Tensor, plates: readonly PlateFrame[], nest: number): tf.Tensor {
  const axes: number[] = [];
  for (let a = t.rank - nest; a < t.rank; a++) {
    if (t.shape[a]! > 1 && !plates.some((f) => f.dim === a - t.rank)) axes.push(a);
  }
  return axes.length === 0 ? t : tf.sum(t, axes, true);
}
