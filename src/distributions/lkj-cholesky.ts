import * as tf from '@tensorflow/tfjs';

import { ValueError } from '../kernel/errors.js';
import { type PRNGKey, normal, split } from '../kernel/rng.js';
import { Beta } from './beta.js';
import { type Constraint, corrCholesky } from './constraints.js';
import { Distribution, type DistributionOptions } from './distribution.js';
import { positive01 } from './family-utils.js';
import { diagEmbed, diagPart, triangleMask } from './linalg.js';
import { promoteParams } from './params.js';
import { lgamma, mvlgamma } from './special.js';
import type { TensorLike } from './tensor-like.js';

const LOG_PI = Math.log(Math.PI);

/** Options of {@link LKJCholesky}. */
export interface LKJCholeskyOptions extends DistributionOptions {
  /** How draws are made; NumPyro also offers 'cvine', which is not implemented here. @defaultValue 'onion' */
  readonly sampleMethod?: 'onion';
}

/**
 * The LKJ distribution over lower Cholesky factors L of d x d correlation matrices, with density
 * proportional to det(L L^T)^(concentration - 1) on correlation matrices (NumPyro's LKJCholesky):
 * concentration 1 is uniform over correlation matrices, larger values favour the identity.
 * Draws use the onion method (Lewandowski, Kurowicka and Joe, 2009, section 3.2): row i of L is
 * sqrt(y_i) times a uniform direction, with y_i ~ Beta(i/2, concentration + (d - 2)/2 - (i - 1)/2)
 * and diagonal sqrt(1 - y_i); they are reparameterised in the concentration through the Beta draws.
 *
 * References: D. Lewandowski, D. Kurowicka and H. Joe, "Generating random correlation matrices
 * based on vines and extended onion method", J. Multivariate Analysis 100 (2009).
 * @public
 */
export class LKJCholesky extends Distribution {
  readonly dimension: number;
  readonly concentration: tf.Tensor;
  readonly sampleMethod: 'onion';

  /**
   * @param dimension - d, an integer >= 2
   * @param concentration - eta > 0. @defaultValue 1
   * @throws {ValueError} for a bad dimension, sample method or (with validation on) concentration
   */
  constructor(dimension: number, concentration: TensorLike = 1, options: LKJCholeskyOptions = {}) {
    if (!Number.isInteger(dimension) || dimension < 2) {
      throw new ValueError(`LKJCholesky: argument 'dimension' must be an integer >= 2, got ${dimension}`);
    }
    const method = options.sampleMethod ?? 'onion';
    if (method !== 'onion') {
      throw new ValueError(`LKJCholesky: option 'sampleMethod' must be 'onion', got '${String(method)}'`);
    }
    const { tensors, batchShape } = promoteParams('LKJCholesky', { concentration });
    super(batchShape, [dimension, dimension], options);
    this.dimension = dimension;
    this.concentration = tensors.concentration!;
    this.sampleMethod = method;
    if (this.validateArgs) tf.tidy(() => this.checkParam(() => positive01(this.concentration), 'concentration', '> 0', this.concentration));
  }

  get support(): Constraint {
    return corrCholesky;
  }
  override get hasRsample(): boolean {
    return true;
  }

  protected sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    const d = this.dimension;
    const [kBeta, kNormal] = split(key, 2) as [PRNGKey, PRNGKey];
    return tf.tidy(() => {
      // y_i ~ Beta(i/2, eta + (d - 2)/2 - (i - 1)/2) for rows i = 1..d-1 (0-based offsets (i-1)/2).
      const offset = tf.tensor1d(Array.from({ length: d - 1 }, (_, i) => 0.5 * i));
      const marginal = tf.add(this.concentration, 0.5 * (d - 2));
      const beta = new Beta(tf.add(offset, 0.5), tf.sub(tf.expandDims(marginal, -1), offset), { validateArgs: false });
      const y = beta.rsample(kBeta, sampleShape); // [..., d - 1]
      // Uniform directions in the first i + 1 coordinates of row i + 1: normalised normals masked
      // to the lower triangle (with diagonal) of a (d-1) x (d-1) block.
      const z = tf.mul(normal(kNormal, [...sampleShape, ...this.batchShape, d - 1, d - 1]), triangleMask(d - 1));
      const u = tf.div(z, tf.norm(z, 'euclidean', -1, true));
      const w = tf.mul(tf.expandDims(tf.sqrt(y), -1), u);
      const lead = w.rank - 2;
      const offDiag = tf.pad(w, [...new Array<[number, number]>(lead).fill([0, 0]), [1, 0], [0, 1]]);
      const diag = tf.concat([tf.ones([...y.shape.slice(0, -1), 1]), tf.sqrt(tf.sub(1, y))], -1);
      return tf.add(offDiag, diagEmbed(diag));
    });
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    // sum_{i=1}^{d-1} (2 (eta - 1) + d - 1 - i) log L_ii minus the normaliser
    // (d-1)/2 log pi + mvlgamma(alpha - 1/2, d - 1) - (d - 1) lgamma(alpha), alpha = eta + (d - 1)/2.
    return tf.tidy(() => {
      const d = this.dimension;
      const eta = tf.expandDims(this.concentration, -1);
      const order = tf.sub(tf.mul(2, eta), tf.tensor1d(Array.from({ length: d - 1 }, (_, j) => 3 - d + (j + 1))));
      const diag = diagPart(value);
      const begin = diag.shape.map((_, i) => (i === diag.rank - 1 ? 1 : 0));
      const logDiag = tf.log(tf.slice(diag, begin, diag.shape.map(() => -1))); // L_11 = 1 is left out
      const unnormalised = tf.sum(tf.mul(order, logDiag), -1);
      const dm1 = d - 1;
      const alpha = tf.add(this.concentration, 0.5 * dm1);
      const norm = tf.sub(tf.add(mvlgamma(tf.sub(alpha, 0.5), dm1), 0.5 * dm1 * LOG_PI), tf.mul(lgamma(alpha), dm1));
      return tf.sub(unnormalised, norm);
    });
  }
}
