import * as tf from '@tensorflow/tfjs';

import type { DistributionOptions } from './distribution.js';
import { positive01 } from './family-utils.js';
import { Gamma } from './gamma.js';
import { promoteParams } from './params.js';
import type { TensorLike } from './tensor-like.js';

/**
 * The chi-squared distribution with `df` degrees of freedom: Gamma(df / 2, rate = 1/2), as in
 * NumPyro (where Chi2 subclasses Gamma). Reparameterised through the gamma draws.
 * @public
 */
export class Chi2 extends Gamma {
  readonly df: tf.Tensor;

  /**
   * @param df - degrees of freedom > 0
   * @throws {ValueError} when df is not positive (with validation on)
   */
  constructor(df: TensorLike, options: DistributionOptions = {}) {
    const { tensors } = promoteParams('Chi2', { df });
    super(tf.mul(tensors.df!, 0.5), 0.5, options);
    this.df = tensors.df!;
  }

  protected override validateParams(): void {
    // Runs inside Gamma's constructor, before this.df is set: df is 2 * concentration.
    tf.tidy(() => this.checkParam(() => positive01(this.concentration), 'df', '> 0', tf.mul(this.concentration, 2)));
  }
}
