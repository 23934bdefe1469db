/**
 * LowerCholeskyAffine: `y = loc + L x` over vectors, for a lower-triangular L with a positive
 * diagonal (NumPyro's LowerCholeskyAffine). It maps a standard normal onto MultivariateNormal(loc,
 * scaleTril = L), which is what the multivariate automatic guides report as their transform.
 */
import * as tf from '@tensorflow/tfjs';

import { ValueError, fmtShape } from '../kernel/errors.js';
import { type Constraint, realVector } from './constraints.js';
import { diagPart, matvec, triangularSolve } from './linalg.js';
import { Transform } from './transform-base.js';

/**
 * `y = loc + scaleTril · x` on the last dim (event dim 1).
 * @public
 */
export class LowerCholeskyAffine extends Transform {
  readonly name: string = 'LowerCholeskyAffine';

  /**
   * @param loc - shift, shape [..., n]
   * @param scaleTril - lower-triangular matrix with a positive diagonal, shape [..., n, n] (not copied)
   * @throws {ValueError} when the shapes do not fit
   */
  constructor(
    readonly loc: tf.Tensor,
    readonly scaleTril: tf.Tensor,
  ) {
    super();
    const n = scaleTril.shape[scaleTril.rank - 1];
    if (scaleTril.rank < 2 || scaleTril.shape[scaleTril.rank - 2] !== n || loc.rank < 1 || loc.shape[loc.rank - 1] !== n) {
      throw new ValueError(
        `LowerCholeskyAffine: expected loc of shape [..., n] and scaleTril of shape [..., n, n], got ${fmtShape(loc.shape)} and ${fmtShape(scaleTril.shape)}`,
      );
    }
  }
  get domain(): Constraint {
    return realVector;
  }
  get codomain(): Constraint {
    return realVector;
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.add(this.loc, matvec(this.scaleTril, x)));
  }
  inverse(y: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.squeeze(triangularSolve(this.scaleTril, tf.expandDims(tf.sub(y, this.loc), -1)), [-1]));
  }
  logAbsDetJacobian(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const ld = tf.sum(tf.log(diagPart(this.scaleTril)), -1);
      return tf.broadcastTo(ld, x.shape.slice(0, -1));
    });
  }
}
