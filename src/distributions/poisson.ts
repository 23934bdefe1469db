import * as tf from '@tensorflow/tfjs';

import type { PRNGKey } from '../kernel/rng.js';
import { type Constraint, nonnegativeInteger } from './constraints.js';
import { Distribution, type DistributionOptions } from './distribution.js';
import { UniformStream, samplePoisson } from './discrete-sampling.js';
import { isNonnegativeInteger, xlogyCount } from './probs-logits.js';
import { lgamma } from './special.js';
import { type TensorLike, toTensor } from './tensor-like.js';

/**
 * The Poisson distribution with mean `rate` on {0, 1, 2, ...}: P(k) = rate^k e^-rate / k!.
 * Draws are float32 tensors holding non-negative integers (Knuth's method for rate < 10,
 * Hörmann's PTRS transformed rejection above; see discrete-sampling.ts).
 *
 * @example
 * new Poisson(3.5);
 * @public
 */
export class Poisson extends Distribution {
  readonly rate: tf.Tensor;

  /**
   * @param rate - the mean, >= 0 (rate 0 puts all mass on 0)
   * @param options - `validateArgs`
   * @throws {ValueError} when rate is negative or NaN
   */
  constructor(rate: TensorLike, options: DistributionOptions = {}) {
    const t = toTensor(rate);
    super(t.shape, [], options);
    this.rate = t;
    if (this.validateArgs) {
      tf.tidy(() => this.checkParam(() => tf.cast(tf.greaterEqual(t, 0), 'float32'), 'rate', '>= 0', t));
    }
  }

  get support(): Constraint {
    return nonnegativeInteger;
  }

  protected sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    const rates = tf.tidy(() => tf.broadcastTo(this.rate, this.batchShape).dataSync());
    const rows = rates.length;
    const n = sampleShape.reduce((a, b) => a * b, 1) * rows;
    const s = new UniformStream(key);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = samplePoisson(rates[i % rows]!, s);
    return tf.tensor(out, this.shape(sampleShape), 'float32');
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    // k log λ - λ - log k!, with 0·log 0 = 0 so that rate 0 gives log P(0) = 0.
    return tf.tidy(() => {
      const lp = tf.sub(tf.sub(xlogyCount(value, this.rate), this.rate), lgamma(tf.add(value, 1)));
      return tf.where(tf.cast(isNonnegativeInteger(value), 'bool'), lp, tf.scalar(-Infinity));
    });
  }

  override get mean(): tf.Tensor {
    return tf.broadcastTo(this.rate, this.batchShape);
  }
  override get variance(): tf.Tensor {
    return tf.broadcastTo(this.rate, this.batchShape);
  }
}
