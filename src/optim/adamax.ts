/**
 * Adamax (Adam with the infinity norm) with PyTorch's update rule (torch.optim.Adamax).
 */
import * as tf from '@tensorflow/tfjs';

import type { PluginMeta } from '../kernel/plugin-meta.js';
import { type AdamLikeHyper, type LearningRate, type PerParameterOptions, adamLikeOptions, checkKnownKeys, lrAt } from './options.js';
import { PerParameterOptimizer, type StepInput, type StepOutput, ema, withWeightDecay } from './per-parameter.js';

/** Options of {@link Adamax}. */
export interface AdamaxOptions {
  /** Learning rate, or a schedule of the update count. @defaultValue 0.002 */
  readonly lr?: LearningRate;
  /** Decay rates of the first moment and of the infinity norm, each in [0, 1). @defaultValue [0.9, 0.999] */
  readonly betas?: readonly [number, number];
  /** Added to |g| before the running maximum, for numerical stability. @defaultValue 1e-8 */
  readonly eps?: number;
  /** L2 penalty: `weightDecay * param` is added to the gradient. @defaultValue 0 */
  readonly weightDecay?: number;
}

const KNOWN = ['lr', 'betas', 'eps', 'weightDecay'] as const;

function resolveAdamax(options: AdamaxOptions, where: string): AdamLikeHyper {
  return adamLikeOptions(where, checkKnownKeys(where, options, KNOWN), 2e-3);
}

/**
 * Adamax, minimising. With `g` the gradient (plus `weightDecay * param`) and `t = count + 1`:
 *
 *     m ← β1·m + (1−β1)·g,   u ← max(β2·u, |g| + eps),   param ← param − lr/(1−β1^t) · m/u
 *
 * State slots: `m` and `u` (the exponentially weighted infinity norm), zeros at init.
 *
 * References: D. P. Kingma, J. Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015,
 * section 7.1; torch.optim.Adamax.
 *
 * @example
 * const optim = new Adamax({ lr: 0.002 });
 * @throws {ValueError} on an unknown or out-of-range option
 * @public
 */
export class Adamax extends PerParameterOptimizer<AdamaxOptions, AdamLikeHyper> {
  static readonly plugin = { kind: 'optimizer', name: 'adamax' } as const satisfies PluginMeta;

  constructor(options: PerParameterOptions<AdamaxOptions> = {}) {
    super('Adamax', options, resolveAdamax);
  }

  protected slotNames(): readonly string[] {
    return ['m', 'u'];
  }

  protected step({ grad, param, slots, hyper: h, count, where, scalar: k }: StepInput<AdamLikeHyper>): StepOutput {
    const lr = lrAt(where, h.lr, count);
    const g = withWeightDecay(grad, param, h.weightDecay, k);
    const m = ema(slots.m!, g, h.beta1, k);
    const u = tf.maximum(tf.mul(slots.u!, k(h.beta2)), tf.add(tf.abs(g), k(h.eps)));
    const stepSize = lr / (1 - h.beta1 ** (count + 1));
    return { param: tf.sub(param, tf.mul(tf.div(m, u), k(stepSize))), slots: { m, u } };
  }
}

/**
 * Adamax as a factory function (optax style).
 * @public
 */
export function adamax(options: PerParameterOptions<AdamaxOptions> = {}): Adamax {
  return new Adamax(options);
}
