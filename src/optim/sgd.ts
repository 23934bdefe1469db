/**
 * Stochastic gradient descent with PyTorch's momentum, dampening and Nesterov rules (torch.optim.SGD).
 */
import * as tf from '@tensorflow/tfjs';

import type { PluginMeta } from '../kernel/plugin-meta.js';
import { ValueError } from '../kernel/errors.js';
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
import { PerParameterOptimizer, type StepInput, type StepOutput, withWeightDecay } from './per-parameter.js';

/** Options of {@link SGD}. */
export interface SGDOptions {
  /** Learning rate, or a schedule of the update count. @defaultValue 0.001 */
  readonly lr?: LearningRate;
  /** Momentum factor; 0 turns momentum (and its state slot) off. @defaultValue 0 */
  readonly momentum?: number;
  /** Dampening of the gradient's share in the momentum buffer. @defaultValue 0 */
  readonly dampening?: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). @defaultValue false */
  readonly nesterov?: boolean;
  /** L2 penalty: `weightDecay * param` is added to the gradient. @defaultValue 0 */
  readonly weightDecay?: number;
}

interface SGDHyper {
  lr: LearningRate;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
}

const KNOWN = ['lr', 'momentum', 'dampening', 'nesterov', 'weightDecay'] as const;

function resolveSGD(options: SGDOptions, where: string): SGDHyper {
  const o = checkKnownKeys(where, options, KNOWN);
  const h: SGDHyper = {
    lr: lrOption(where, o.lr, 1e-3),
    momentum: nonNegativeOption(where, 'momentum', o.momentum, 0),
    dampening: numberOption(where, 'dampening', o.dampening, 0, () => true, 'a finite number'),
    nesterov: booleanOption(where, 'nesterov', o.nesterov, false),
    weightDecay: nonNegativeOption(where, 'weightDecay', o.weightDecay, 0),
  };
  if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0)) {
    throw new ValueError(
      `${where}: option 'nesterov' needs momentum > 0 and dampening 0, got momentum ${h.momentum} and dampening ${h.dampening}`,
    );
  }
  return h;
}

/**
 * Stochastic gradient descent, minimising. With `g` the gradient (plus `weightDecay * param`) and
 * momentum μ > 0, the buffer is `b ← g` on the first update and `b ← μ·b + (1−dampening)·g`
 * after; the step direction is `g + μ·b` (Nesterov) or `b`; then `param ← param − lr·direction`.
 *
 * State slots: `momentum` (zeros at init) for parameters with momentum > 0; none otherwise.
 *
 * References: I. Sutskever et al., "On the importance of initialization and momentum in deep
 * learning", ICML 2013; torch.optim.SGD.
 *
 * @example
 * const optim = new SGD({ lr: 0.01, momentum: 0.9, nesterov: true });
 * @throws {ValueError} on an unknown or out-of-range option
 * @public
 */
export class SGD extends PerParameterOptimizer<SGDOptions, SGDHyper> {
  static readonly plugin = { kind: 'optimizer', name: 'sgd' } as const satisfies PluginMeta;

  constructor(options: PerParameterOptions<SGDOptions> = {}) {
    super('SGD', options, resolveSGD);
  }

  protected slotNames(h: SGDHyper): readonly string[] {
    return h.momentum > 0 ? ['momentum'] : [];
  }

  protected step({ grad, param, slots, hyper: h, count, where, scalar: k }: StepInput<SGDHyper>): StepOutput {
    const lr = lrAt(where, h.lr, count);
    const g = withWeightDecay(grad, param, h.weightDecay, k);
    if (h.momentum <= 0) return { param: tf.sub(param, tf.mul(g, k(lr))), slots: {} };
    let buf: tf.Tensor;
    if (count === 0) {
      // PyTorch starts the buffer at the first gradient itself, undampened.
      buf = g === grad ? tf.clone(g) : g;
    } else {
      const scaled = h.dampening === 0 ? g : tf.mul(g, k(1 - h.dampening));
      buf = tf.add(tf.mul(slots.momentum!, k(h.momentum)), scaled);
    }
    const direction = h.nesterov ? tf.add(g, tf.mul(buf, k(h.momentum))) : buf;
    return { param: tf.sub(param, tf.mul(direction, k(lr))), slots: { momentum: buf } };
  }
}

/**
 * SGD as a factory function (optax style).
 * @public
 */
export function sgd(options: PerParameterOptions<SGDOptions> = {}): SGD {
  return new SGD(options);
}
