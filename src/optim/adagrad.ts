/**
 * Adagrad with PyTorch's update rule (torch.optim.Adagrad: learning-rate decay, initial accumulator).
 */
import * as tf from '@tensorflow/tfjs';

import type { PluginMeta } from '../kernel/plugin-meta.js';
import { type LearningRate, type PerParameterOptions, checkKnownKeys, lrAt, lrOption, nonNegativeOption } from './options.js';
import { PerParameterOptimizer, type StepInput, type StepOutput, withWeightDecay } from './per-parameter.js';

/** Options of {@link Adagrad}. */
export interface AdagradOptions {
  /** Learning rate, or a schedule of the update count. @defaultValue 0.01 */
  readonly lr?: LearningRate;
  /** Learning-rate decay: update t uses `lr / (1 + (t−1)·lrDecay)`. @defaultValue 0 */
  readonly lrDecay?: number;
  /** Starting value of the sum of squared gradients. @defaultValue 0 */
  readonly initialAccumulatorValue?: number;
  /** Added to the denominator for numerical stability. @defaultValue 1e-10 */
  readonly eps?: number;
  /** L2 penalty: `weightDecay * param` is added to the gradient. @defaultValue 0 */
  readonly weightDecay?: number;
}

interface AdagradHyper {
  lr: LearningRate;
  lrDecay: number;
  initialAccumulatorValue: number;
  eps: number;
  weightDecay: number;
}

const KNOWN = ['lr', 'lrDecay', 'initialAccumulatorValue', 'eps', 'weightDecay'] as const;

function resolveAdagrad(options: AdagradOptions, where: string): AdagradHyper {
  const o = checkKnownKeys(where, options, KNOWN);
  const nonNeg = (name: string, fallback: number): number => nonNegativeOption(where, name, o[name], fallback);
  return {
    lr: lrOption(where, o.lr, 1e-2),
    lrDecay: nonNeg('lrDecay', 0),
    initialAccumulatorValue: nonNeg('initialAccumulatorValue', 0),
    eps: nonNeg('eps', 1e-10),
    weightDecay: nonNeg('weightDecay', 0),
  };
}

/**
 * Adagrad, minimising. With `g` the gradient (plus `weightDecay * param`) and `t = count + 1`:
 *
 *     s ← s + g²,   param ← param − lr/(1 + (t−1)·lrDecay) · g/(√s + eps)
 *
 * State slot: `sum`, filled with `initialAccumulatorValue` at init.
 *
 * References: J. Duchi, E. Hazan, Y. Singer, "Adaptive Subgradient Methods for Online Learning
 * and Stochastic Optimization", JMLR 2011; torch.optim.Adagrad.
 *
 * @example
 * const optim = new Adagrad({ lr: 0.1, initialAccumulatorValue: 0.1 });
 * @throws {ValueError} on an unknown or out-of-range option
 * @public
 */
export class Adagrad extends PerParameterOptimizer<AdagradOptions, AdagradHyper> {
  static readonly plugin = { kind: 'optimizer', name: 'adagrad' } as const satisfies PluginMeta;

  constructor(options: PerParameterOptions<AdagradOptions> = {}) {
    super('Adagrad', options, resolveAdagrad);
  }

  protected slotNames(): readonly string[] {
    return ['sum'];
  }

  protected override initSlot(_slot: string, param: tf.Tensor, h: AdagradHyper): tf.Tensor {
    return tf.fill(param.shape, h.initialAccumulatorValue, 'float32');
  }

  protected step({ grad, param, slots, hyper: h, count, where, scalar: k }: StepInput<AdagradHyper>): StepOutput {
    const clr = lrAt(where, h.lr, count) / (1 + count * h.lrDecay);
    const g = withWeightDecay(grad, param, h.weightDecay, k);
    const sum = tf.add(slots.sum!, tf.square(g));
    const denom = tf.add(tf.sqrt(sum), k(h.eps));
    return { param: tf.sub(param, tf.mul(tf.div(g, denom), k(clr))), slots: { sum } };
  }
}

/**
 * Adagrad as a factory function (optax style).
 * @public
 */
export function adagrad(options: PerParameterOptions<AdagradOptions> = {}): Adagrad {
  return new Adagrad(options);
}
