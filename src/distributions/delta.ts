import * as tf from '@tensorflow/tfjs';

import { ValueError, fmtShape } from '../kernel/errors.js';
import type { PRNGKey } from '../kernel/rng.js';
import { type Constraint, independent, real } from './constraints.js';
import { Distribution, type DistributionOptions, sumRightmost } from './distribution.js';
import { type TensorLike, broadcastShapes, toTensor } from './tensor-like.js';

export interface DeltaOptions extends DistributionOptions {
  /** Rightmost dims of `v` that form one event. @defaultValue 0 */
  readonly eventDim?: number;
}

/**
 * A point mass at `v` carrying the log-density `logDensity` (NumPyro's Delta, used by AutoDelta
 * and for deterministic sites). Draws are `v` itself, so rsample passes gradients to `v`.
 * @public
 */
export class Delta extends Distribution {
  readonly v: tf.Tensor;
  readonly logDensity: tf.Tensor;

  /**
   * @param v - the point; its rightmost `eventDim` dims form the event
   * @param logDensity - log-density reported at v (broadcast with the batch shape)
   * @throws {ValueError} for an eventDim beyond v's rank, or a logDensity that does not broadcast
   */
  constructor(v: TensorLike = 0, logDensity: TensorLike = 0, options: DeltaOptions = {}) {
    const vt = toTensor(v);
    const ld = toTensor(logDensity);
    const ev = options.eventDim ?? 0;
    if (!Number.isInteger(ev) || ev < 0 || ev > vt.rank) {
      throw new ValueError(`Delta: option 'eventDim' must be an integer in [0, ${vt.rank}] for v of shape ${fmtShape(vt.shape)}, got ${ev}`);
    }
    const batch = broadcastShapes(vt.shape.slice(0, vt.rank - ev), ld.shape);
    if (batch === undefined) {
      throw new ValueError(
        `Delta: argument 'logDensity' of shape ${fmtShape(ld.shape)} does not broadcast with the batch shape ${fmtShape(vt.shape.slice(0, vt.rank - ev))} of v`,
      );
    }
    super(batch, vt.shape.slice(vt.rank - ev), options);
    this.v = vt;
    this.logDensity = ld;
  }

  get support(): Constraint {
    return independent(real, this.eventShape.length);
  }
  override get hasRsample(): boolean {
    return true;
  }

  protected sampleImpl(_key: PRNGKey, sampleShape: number[]): tf.Tensor {
    return tf.broadcastTo(this.v, this.shape(sampleShape));
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      // log 1 where value equals v, log 0 elsewhere; the 0/1 comes from tf.step (not tf.equal,
      // which has no gradient in tfjs), so gradients of logDensity and v pass through.
      const differs = tf.step(tf.abs(tf.sub(value, this.v)));
      const lp = sumRightmost(tf.log(tf.sub(1, differs)), this.eventShape.length);
      return tf.add(lp, this.logDensity);
    });
  }

  override get mean(): tf.Tensor {
    return tf.broadcastTo(this.v, this.shape());
  }
  override get variance(): tf.Tensor {
    return tf.zeros(this.shape());
  }
}
