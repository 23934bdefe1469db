/**
 * Adam, with PyTorch's update rule (torch.optim.Adam, L2 weight decay, optional AMSGrad).
 */
import * as tf from '@tensorflow/tfjs';

import type { PluginMeta } from '../kernel/plugin-meta.js';
import { type AdamLikeHyper, type LearningRate, type PerParameterOptions, adamLikeOptions, booleanOption, checkKnownKeys, lrAt } from './options.js';
import { PerParameterOptimizer, type Slots, type StepInput, type StepOutput, ema, withWeightDecay } from './per-parameter.js';

/** Options of {@link Adam}. */
export interface AdamOptions {
  /** Learning rate, or a schedule of the update count. @defaultValue 0.001 */
  readonly lr?: LearningRate;
  /** Decay rates of the first and second moment averages, each in [0, 1). @defaultValue [0.9, 0.999] */
  readonly betas?: readonly [number, number];
  /** Added to the denominator for numerical stability. @defaultValue 1e-8 */
  readonly eps?: number;
  /** L2 penalty: `weightDecay * param` is added to the gradient. @defaultValue 0 */
  readonly weightDecay?: number;
  /** Use the running maximum of the second moment (AMSGrad). @defaultValue false */
  readonly amsgrad?: boolean;
}

interface AdamHyper extends AdamLikeHyper {
  amsgrad: boolean;
}

const KNOWN = ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad'] as const;

function resolveAdam(options: AdamOptions, where: string): AdamHyper {
  const o = checkKnownKeys(where, options, KNOWN);
  return { ...adamLikeOptions(where, o, 1e-3), amsgrad: booleanOption(where, 'amsgrad', o.amsgrad, false) };
}

/**
 * The Adam optimiser (Kingma & Ba), minimising. With `t = count + 1` and `g` the gradient
 * (plus `weightDecay * param`):
 *
 *     m ← β1·m + (1−β1)·g,   v ← β2·v + (1−β2)·g²   (AMSGrad: v̂max ← max(v̂max, v))
 *     param ← param − lr · (m / (1−β1^t)) / (√(v / (1−β2^t)) + eps)
 *
 * State slots: `m` and `v` (and `vMax` with AMSGrad), zeros at init.
 *
 * References: D. P. Kingma, J. Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015;
 * S. J. Reddi et al., "On the Convergence of Adam and Beyond", ICLR 2018 (AMSGrad);
 * torch.optim.Adam.
 *
 * @example
 * const optim = new Adam({ lr: 0.005, betas: [0.95, 0.999] });
 * const perParam = new Adam((name) => ({ lr: name.endsWith('_scale') ? 0.001 : 0.01 }));
 * @throws {ValueError} on an unknown or out-of-range option
 * @public
 */
export class Adam extends PerParameterOptimizer<AdamOptions, AdamHyper> {
  static readonly plugin = { kind: 'optimizer', name: 'adam' } as const satisfies PluginMeta;

  constructor(options: PerParameterOptions<AdamOptions> = {}) {
    super('Adam', options, resolveAdam);
  }

  protected slotNames(h: AdamHyper): readonly string[] {
    return h.amsgrad ? ['m', 'v', 'vMax'] : ['m', 'v'];
  }

  protected step({ grad, param, slots, hyper: h, count, where, scalar: k }: StepInput<AdamHyper>): StepOutput {
    const lr = lrAt(where, h.lr, count);
    const t = count + 1;
    const g = withWeightDecay(grad, param, h.weightDecay, k);
    const m = ema(slots.m!, g, h.beta1, k);
    const v = ema(slots.v!, tf.square(g), h.beta2, k);
    const vMax = h.amsgrad ? tf.maximum(slots.vMax!, v) : undefined;
    const slotsOut: Slots = vMax ? { m, v, vMax } : { m, v };
    // The folded form below divides by lr, so a schedule's lr = 0 (e.g. a warm-up start) is a copy.
    if (lr === 0) return { param: tf.clone(param), slots: slotsOut };
    // lr·(m/bc1)/(√v/√bc2 + eps) = m/(√v·a + b) with a = bc1/(lr·√bc2), b = eps·bc1/lr: one
    // tensor op fewer than the textbook form; a and b are computed in JS from the count.
    const bc1 = 1 - h.beta1 ** t;
    const sqrtBc2 = Math.sqrt(1 - h.beta2 ** t);
    const denom = tf.add(tf.mul(tf.sqrt(vMax ?? v), k(bc1 / (lr * sqrtBc2))), k((h.eps * bc1) / lr));
    return { param: tf.sub(param, tf.div(m, denom)), slots: slotsOut };
  }
}

/**
 * Adam as a factory function (optax style): `adam({ lr: 1e-3 })` is `new Adam({ lr: 1e-3 })`.
 * @public
 */
export function adam(options: PerParameterOptions<AdamOptions> = {}): Adam {
  return new Adam(options);
}
