/**
 * Base of the families on the positive reals with a shape `concentration` > 0 and a `rate` > 0
 * that are reparameterised through standard gamma draws: Gamma (and Chi2 through it) and
 * InverseGamma.
 */
import * as tf from '@tensorflow/tfjs';

import { type Constraint, positive } from './constraints.js';
import { Distribution, type DistributionOptions } from './distribution.js';
import { positive01 } from './family-utils.js';
import { promoteParams } from './params.js';
import type { TensorLike } from './tensor-like.js';

export abstract class ConcentrationRateFamily extends Distribution {
  readonly concentration: tf.Tensor;
  readonly rate: tf.Tensor;

  protected constructor(concentration: TensorLike, rate: TensorLike, options: DistributionOptions) {
    const { tensors, batchShape } = promoteParams(new.target.name, { concentration, rate });
    super(batchShape, [], options);
    this.concentration = tensors.concentration!;
    this.rate = tensors.rate!;
    if (this.validateArgs) this.validateParams();
  }

  /** Checks the parameters; subclasses that reparameterise (Chi2) report their own names. */
  protected validateParams(): void {
    tf.tidy(() => {
      this.checkParam(() => positive01(this.concentration), 'concentration', '> 0', this.concentration);
      this.checkParam(() => positive01(this.rate), 'rate', '> 0', this.rate);
    });
  }

  get support(): Constraint {
    return positive;
  }
  override get hasRsample(): boolean {
    return true;
  }
}
