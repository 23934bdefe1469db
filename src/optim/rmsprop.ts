/**
 * RMSProp with PyTorch's update rule (torch.optim.RMSprop: smoothing, centring, momentum).
 */
import * as tf from '@tensorflow/tfjs';

import type { PluginMeta } from '../kernel/plugin-meta.js';
import {
  type LearningRate,
  type PerParameterOptions,
  booleanOption,
  checkKnownKeys,
  lrAt,
  lrOption,
  nonNegativeOption,
  numberOption,
} from './options.js';
import { PerParameterOptimizer, type StepInput, type StepOutput, ema, withWeightDecay } from './per-parameter.js';

/** Options of {@link RMSProp}. */
export interface RMSPropOptions {
  /** Learning rate, or a schedule of the update count. @defaultValue 0.01 */
  readonly lr?: LearningRate;
  /** Smoothing constant of the squared-gradient average, in [0, 1]. @defaultValue 0.99 */
  readonly alpha?: number;
  /** Added to the denominator for numerical stability. @defaultValue 1e-8 */
  readonly eps?: number;
  /** Momentum factor; 0 turns momentum (and its state slot) off. @defaultValue 0 */
  readonly momentum?: number;
  /** Normalise by the estimated variance (subtract the squared mean gradient). @defaultValue false */
  readonly centered?: boolean;
  /** L2 penalty: `weightDecay * param` is added to the gradient. @defaultValue 0 */
  readonly weightDecay?: number;
}

interface RMSPropHyper {
  lr: LearningRate;
  alpha: number;
  eps: number;
  momentum: number;
  centered: boolean;
  weightDecay: number;
}

const KNOWN = ['lr', 'alpha', 'eps', 'momentum', 'centered', 'weightDecay'] as const;

function resolveRMSProp(options: RMSPropOptions, where: string): RMSPropHyper {
  const o = checkKnownKeys(where, options, KNOWN);
  return {
    lr: lrOption(where, o.lr, 1e-2),
    alpha: numberOption(where, 'alpha', o.alpha, 0.99, (a) => a >= 0 && a <= 1, 'a number in [0, 1]'),
    eps: nonNegativeOption(where, 'eps', o.eps, 1e-8),
    momentum: nonNegativeOption(where, 'momentum', o.momentum, 0),
    centered: booleanOption(where, 'centered', o.centered, false),
    weightDecay: nonNegativeOption(where, 'weightDecay', o.weightDecay, 0),
  };
}

/**
 * RMSProp (Hinton), minimising. With `g` the gradient (plus `weightDecay * param`):
 *
 *     s ← α·s + (1−α)·g²;   centred: ḡ ← α·ḡ + (1−α)·g, d = √(s − ḡ²) + eps; else d = √s + eps
 *     momentum μ > 0: b ← μ·b + g/d, param ← param − lr·b;   else param ← param − lr·g/d
 *
 * State slots: `squareAvg`, plus `gradAvg` when centred and `momentum` when μ > 0 (all zeros at init).
 *
 * References: G. Hinton, Neural Networks for Machine Learning, lecture 6e; A. Graves,
 * "Generating Sequences With Recurrent Neural Networks", 2013 (centred form); torch.optim.RMSprop.
 *
 * @example
 * const optim = new RMSProp({ lr: 0.01, alpha: 0.9, centered: true });
 * @throws {ValueError} on an unknown or out-of-range option
 * @public
 */
export class RMSProp extends PerParameterOptimizer<RMSPropOptions, RMSPropHyper> {
  static readonly plugin = { kind: 'optimizer', name: 'rmsprop' } as const satisfies PluginMeta;

  constructor(options: PerParameterOptions<RMSPropOptions> = {}) {
    super('RMSProp', options, resolveRMSProp);
  }

  protected slotNames(h: RMSPropHyper): readonly string[] {
    const names = ['squareAvg'];
    if (h.centered) names.push('gradAvg');
    if (h.momentum > 0) names.push('momentum');
    return names;
  }

  protected step({ grad, param, slots, hyper: h, count, where, scalar: k }: StepInput<RMSPropHyper>): StepOutput {
    const lr = lrAt(where, h.lr, count);
    const g = withWeightDecay(grad, param, h.weightDecay, k);
    const squareAvg = ema(slots.squareAvg!, tf.square(g), h.alpha, k);
    const out: Record<string, tf.Tensor> = { squareAvg };
    let variance = squareAvg;
    if (h.centered) {
      const gradAvg = ema(slots.gradAvg!, g, h.alpha, k);
      out.gradAvg = gradAvg;
      variance = tf.sub(squareAvg, tf.square(gradAvg));
    }
    const denom = tf.add(tf.sqrt(variance), k(h.eps));
    if (h.momentum > 0) {
      const buf = tf.add(tf.mul(slots.momentum!, k(h.momentum)), tf.div(g, denom));
      out.momentum = buf;
      return { param: tf.sub(param, tf.mul(buf, k(lr))), slots: out };
    }
    return { param: tf.sub(param, tf.mul(tf.div(g, denom), k(lr))), slots: out };
  }
}

/**
 * RMSProp as a factory function (optax style).
 * @public
 */
export function rmsprop(options: PerParameterOptions<RMSPropOptions> = {}): RMSProp {
  return new RMSProp(options);
}
