import * as tf from '@tensorflow/tfjs';

import { ValueError, fmtShape } from '../kernel/errors.js';
import type { PRNGKey } from '../kernel/rng.js';
import { type Constraint, independent } from './constraints.js';
import { Distribution, type DistributionOptions } from './distribution.js';
import { broadcastShapes } from './tensor-like.js';

/**
 * A flat (improper) density over `support`: logProb is 0 everywhere inside it. It has no sampler;
 * use it for latent sites that a guide covers, with an init strategy that does not sample the
 * prior (initToUniform, initToFeasible, initToValue). NumPyro's ImproperUniform.
 * @public
 */
export class ImproperUniform extends Distribution {
  readonly baseSupport: Constraint;

  /**
   * @param support - the set the flat density covers
   * @param batchShape - batch shape of the site
   * @param eventShape - event shape; at least `support.eventDim` dims
   * @throws {ValueError} when eventShape has fewer dims than the support needs
   */
  constructor(support: Constraint, batchShape: readonly number[] = [], eventShape: readonly number[] = [], options: DistributionOptions = {}) {
    if (eventShape.length < support.eventDim) {
      throw new ValueError(
        `ImproperUniform: eventShape ${fmtShape(eventShape)} has fewer dims than the support '${support.name}' needs (${support.eventDim})`,
      );
    }
    super(batchShape, eventShape, options);
    this.baseSupport = support;
  }

  get support(): Constraint {
    return independent(this.baseSupport, this.eventShape.length - this.baseSupport.eventDim);
  }

  protected sampleImpl(_key: PRNGKey, _sampleShape: number[]): tf.Tensor {
    throw new ValueError(
      `ImproperUniform.sample: an improper distribution over '${this.baseSupport.name}' cannot be sampled. ` +
        'Give the site a guide, and initialise it with initToUniform, initToFeasible or initToValue',
    );
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    const batch = broadcastShapes(value.shape.slice(0, value.rank - this.eventShape.length), this.batchShape)!;
    return tf.zeros(batch);
  }
}
