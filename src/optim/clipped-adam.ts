/**
 * Pyro's ClippedAdam: Adam with per-element gradient clipping and a geometric learning-rate decay.
 */
import * as tf from '@tensorflow/tfjs';

import type { PluginMeta } from '../kernel/plugin-meta.js';
import {
  type AdamLikeHyper,
  type LearningRate,
  type PerParameterOptions,
  adamLikeOptions,
  checkKnownKeys,
  isPositive,
  lrAt,
  numberOption,
} from './options.js';
import { PerParameterOptimizer, type StepInput, type StepOutput, ema, withWeightDecay } from './per-parameter.js';

/** Options of {@link ClippedAdam}. */
export interface ClippedAdamOptions {
  /** Learning rate before decay, or a schedule of the update count. @defaultValue 0.001 */
  readonly lr?: LearningRate;
  /** Decay rates of the first and second moment averages, each in [0, 1). @defaultValue [0.9, 0.999] */
  readonly betas?: readonly [number, number];
  /** Added to the denominator for numerical stability. @defaultValue 1e-8 */
  readonly eps?: number;
  /** L2 penalty: `weightDecay * param` is added to the clipped gradient. @defaultValue 0 */
  readonly weightDecay?: number;
  /** Each gradient element is clamped to [−clipNorm, clipNorm]. @defaultValue 10 */
  readonly clipNorm?: number;
  /** Learning-rate decay factor per update: update t uses `lr · lrd^t`. @defaultValue 1 */
  readonly lrd?: number;
}

interface ClippedAdamHyper extends AdamLikeHyper {
  clipNorm: number;
  lrd: number;
}

const KNOWN = ['lr', 'betas', 'eps', 'weightDecay', 'clipNorm', 'lrd'] as const;

function resolveClippedAdam(options: ClippedAdamOptions, where: string): ClippedAdamHyper {
  const o = checkKnownKeys(where, options, KNOWN);
  return {
    ...adamLikeOptions(where, o, 1e-3),
    clipNorm: numberOption(where, 'clipNorm', o.clipNorm, 10, isPositive, 'a number > 0'),
    lrd: numberOption(where, 'lrd', o.lrd, 1, isPositive, 'a number > 0'),
  };
}

/**
 * Pyro's ClippedAdam, minimising. With `t = count + 1`:
 *
 *     g ← clamp(grad, −clipNorm, clipNorm) (+ weightDecay·param),   lr_t = lr · lrd^t
 *     m ← β1·m + (1−β1)·g,   v ← β2·v + (1−β2)·g²
 *     param ← param − lr_t·√(1−β2^t)/(1−β1^t) · m/(√v + eps)
 *
 * As in Pyro, the clipping is per element (a clamp), despite the option's name, and `eps` is added
 * to √v before the bias correction (unlike torch.optim.Adam). When `lr` is a schedule, its value at
 * the update count is multiplied by `lrd^t`.
 *
 * State slots: `m` and `v`, zeros at init.
 *
 * References: pyro.optim.ClippedAdam; D. P. Kingma, J. Ba, "Adam: A Method for Stochastic
 * Optimization", ICLR 2015.
 *
 * @example
 * const optim = new ClippedAdam({ lr: 0.01, clipNorm: 5, lrd: 0.999 });
 * @throws {ValueError} on an unknown or out-of-range option
 * @public
 */
export class ClippedAdam extends PerParameterOptimizer<ClippedAdamOptions, ClippedAdamHyper> {
  static readonly plugin = { kind: 'optimizer', name: 'clipped_adam' } as const satisfies PluginMeta;

  constructor(options: PerParameterOptions<ClippedAdamOptions> = {}) {
    super('ClippedAdam', options, resolveClippedAdam);
  }

  protected slotNames(): readonly string[] {
    return ['m', 'v'];
  }

  protected step({ grad, param, slots, hyper: h, count, where, scalar: k }: StepInput<ClippedAdamHyper>): StepOutput {
    const t = count + 1;
    const lr = lrAt(where, h.lr, count) * h.lrd ** t;
    const clipped = tf.clipByValue(grad, -h.clipNorm, h.clipNorm);
    const g = withWeightDecay(clipped, param, h.weightDecay, k);
    const m = ema(slots.m!, g, h.beta1, k);
    const v = ema(slots.v!, tf.square(g), h.beta2, k);
    const stepSize = (lr * Math.sqrt(1 - h.beta2 ** t)) / (1 - h.beta1 ** t);
    const update = tf.mul(tf.div(m, tf.add(tf.sqrt(v), k(h.eps))), k(stepSize));
    return { param: tf.sub(param, update), slots: { m, v } };
  }
}

/**
 * ClippedAdam as a factory function (optax style).
 * @public
 */
export function clippedAdam(options: PerParameterOptions<ClippedAdamOptions> = {}): ClippedAdam {
  return new ClippedAdam(options);
}
