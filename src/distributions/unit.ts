import * as tf from '@tensorflow/tfjs';

import { ValueError } from '../kernel/errors.js';
import type { PRNGKey } from '../kernel/rng.js';
import { type Constraint, real } from './constraints.js';
import { Distribution } from './distribution.js';
import { type TensorLike, toTensor } from './tensor-like.js';

/**
 * A trivial distribution over empty values whose log-density is a given tensor: how `factor`
 * adds an arbitrary term to the model's log-density (NumPyro's Unit). Values have event shape [0].
 */
export class Unit extends Distribution {
  readonly logFactor: tf.Tensor;
  constructor(logFactor: TensorLike) {
    const f = toTensor(logFactor);
    super(f.shape, [0], { validateArgs: false });
    this.logFactor = f;
  }
  get support(): Constraint {
    return real;
  }
  protected sampleImpl(_key: PRNGKey, sampleShape: number[]): tf.Tensor {
    return tf.zeros(this.shape(sampleShape));
  }
  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    const batch = value.shape.slice(0, value.rank - 1);
    if (batch.length < this.logFactor.rank) {
      throw new ValueError(`Unit.logProb: value must have shape [...batch, 0]`);
    }
    return tf.broadcastTo(this.logFactor, batch);
  }
}
