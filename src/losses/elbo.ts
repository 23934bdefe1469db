/**
 * The ELBO extension point. A loss is a pure function of (key, constrained parameters, model,
 * guide, args) returning the scalar negative ELBO estimate that the engine differentiates.
 */
import type * as tf from '@tensorflow/tfjs';

import { type ModelFn } from '../guides/guide.js';
import { ModelError, ValueError, didYouMean } from '../kernel/errors.js';
import { replay, seed, substitute, trace } from '../kernel/handlers/index.js';
import type { PluginMeta } from '../kernel/plugin-meta.js';
import { type PRNGKey, split } from '../kernel/rng.js';
import type { Trace } from '../kernel/trace-data.js';

export interface ELBOOptions {
  /** Monte Carlo particles averaged per estimate. @defaultValue 1 */
  readonly numParticles?: number;
}

export abstract class ELBO {
  static readonly plugin: PluginMeta;
  readonly numParticles: number;

  /**
   * @param options - the loss's options (from code or from a plugins.json spec)
   * @param defaultParticles - numParticles when the option is absent
   * @param knownKeys - every option the subclass reads: when given, any other key is rejected,
   *   because options often come from JSON, where a misspelt key would otherwise be ignored without
   *   a word. Left out, keys are not checked (a subclass that reads more options than it lists here
   *   keeps working).
   * @throws {ValueError} for options that are not an object, an unknown key, or a bad numParticles
   */
  constructor(options: ELBOOptions = {}, defaultParticles = 1, knownKeys?: readonly string[]) {
    const where = this.constructor.name;
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new ValueError(`${where}: options must be an object such as { numParticles: 1 }, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
    }
    const unknown = knownKeys === undefined ? undefined : Object.keys(options).find((k) => !knownKeys.includes(k));
    if (unknown !== undefined) {
      throw new ValueError(`${where}: unknown option '${unknown}'. Known options: ${knownKeys!.join(', ')}.${didYouMean(unknown, knownKeys!)}`);
    }
    const n = options.numParticles ?? defaultParticles;
    if (!Number.isInteger(n) || n < 1) {
      throw new ValueError(`${where}: option 'numParticles' must be an integer >= 1, got ${n}`);
    }
    this.numParticles = n;
  }

  /** The negative ELBO estimate (a scalar tensor) to minimise. */
  abstract loss(key: PRNGKey, params: Record<string, tf.Tensor>, model: ModelFn, guide: ModelFn, ...args: unknown[]): tf.Tensor;
}

/**
 * Runs the guide (seeded, with parameters substituted) and then the model replayed against it,
 * and returns both traces. Checks the pair: every latent model site is in the guide, every guide
 * sample site is in the model (unless marked auxiliary), and the guide observes nothing.
 */
export function getTraces(
  key: PRNGKey,
  params: Record<string, tf.Tensor>,
  model: ModelFn,
  guide: ModelFn,
  args: unknown[],
): { modelTrace: Trace; guideTrace: Trace } {
  const [kGuide, kModel] = split(key);
  const guideTrace = trace(substitute(seed(guide, kGuide!), { data: params })).getTrace(...args);
  const modelTrace = trace(replay(substitute(seed(model, kModel!), { data: params }), guideTrace)).getTrace(...args);
  checkModelGuide(modelTrace, guideTrace);
  return { modelTrace, guideTrace };
}

export function checkModelGuide(modelTrace: Trace, guideTrace: Trace): void {
  const modelLatents: string[] = [];
  for (const s of modelTrace.values()) if (s.type === 'sample' && !s.isObserved) modelLatents.push(s.name);
  for (const s of guideTrace.values()) {
    if (s.type !== 'sample') continue;
    if (s.isObserved) {
      throw new ModelError(`guide site '${s.name}' is observed; a guide must not observe data. Remove { obs } from it.`);
    }
    const m = modelTrace.get(s.name);
    if ((m === undefined || m.type !== 'sample') && !s.infer.isAuxiliary) {
      throw new ModelError(
        `guide site '${s.name}' is not in the model. Model latent sites: ${modelLatents.join(', ') || '(none)'}. ` +
          `Mark it with { infer: { isAuxiliary: true } } if it is an auxiliary variable.`,
      );
    }
    if (m !== undefined && m.isObserved) {
      throw new ModelError(`guide site '${s.name}' is observed in the model; a guide must only sample the model's latent sites.`);
    }
  }
  for (const name of modelLatents) {
    const g = guideTrace.get(name);
    if (g === undefined || g.type !== 'sample') {
      throw new ModelError(
        `model latent site '${name}' is not in the guide. Sample it in the guide, observe it, or use an automatic guide.`,
      );
    }
  }
}
