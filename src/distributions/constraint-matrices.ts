/**
 * Vector and matrix constraints: simplex, orderedVector, sphere (eventDim 1) and lowerCholesky,
 * corrCholesky, corrMatrix, positiveDefinite (eventDim 2). Re-exported from constraints.ts.
 *
 * Checks allow float32 rounding: sums, norms and symmetry are compared with a tolerance that
 * grows with the event size, because a float32 sum of k terms carries up to ~k·2^-24 relative
 * error on backends that accumulate in float32 (wasm).
 */
import * as tf from '@tensorflow/tfjs';

import { Constraint, allRightmost, as01 } from './constraint-base.js';
import { bandMask, choleskyF64, matrixDiag } from './tril.js';

/** Absolute tolerance for a float32 sum or norm of `k` terms that should equal 1. */
export function unitTolerance(k: number): number {
  return 1e-5 + k * 2 ** -22;
}

function lastDim(value: tf.Tensor): number {
  return value.shape[value.rank - 1] ?? 1;
}

/** Nonnegative vectors summing to 1. */
class Simplex extends Constraint {
  readonly name: string = 'simplex';
  override readonly eventDim: number = 1;
  check(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const nonneg = tf.min(as01(tf.greaterEqual(value, 0)), -1);
      const sumOk = as01(tf.lessEqual(tf.abs(tf.sub(tf.sum(value, -1), 1)), unitTolerance(lastDim(value))));
      return tf.mul(nonneg, sumOk);
    });
  }
  override feasibleLike(prototype: tf.Tensor): tf.Tensor {
    return tf.fill(prototype.shape, 1 / lastDim(prototype));
  }
}

/**
 * Vectors with non-decreasing entries. NumPyro asks for strictly increasing ones; in float32 the
 * ordered bijection y[i] = y[i-1] + exp(x[i]) rounds to a tie once exp(x[i]) is below half an ulp
 * of y[i-1], so ties are accepted rather than rejecting points the bijection itself produces.
 */
class OrderedVector extends Constraint {
  readonly name: string = 'orderedVector';
  override readonly eventDim: number = 1;
  check(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const k = lastDim(value);
      const finite = as01(tf.logicalNot(tf.logicalOr(tf.isNaN(value), tf.isInf(value))));
      if (k < 2) return tf.min(finite, -1);
      const begin = value.shape.map(() => 0);
      const size = value.shape.map(() => -1);
      const hi = tf.slice(value, [...begin.slice(0, -1), 1], size);
      const lo = tf.slice(value, begin, [...size.slice(0, -1), k - 1]);
      return tf.mul(tf.min(finite, -1), tf.min(as01(tf.greaterEqual(hi, lo)), -1));
    });
  }
  override feasibleLike(prototype: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.add(tf.zerosLike(prototype), tf.range(0, lastDim(prototype), 1, 'float32')));
  }
}

/** Unit-norm vectors (Euclidean). */
class Sphere extends Constraint {
  readonly name: string = 'sphere';
  override readonly eventDim: number = 1;
  check(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const norm = tf.sqrt(tf.sum(tf.square(value), -1));
      return as01(tf.lessEqual(tf.abs(tf.sub(norm, 1)), unitTolerance(lastDim(value))));
    });
  }
  override feasibleLike(prototype: tf.Tensor): tf.Tensor {
    return tf.fill(prototype.shape, 1 / Math.sqrt(lastDim(prototype)));
  }
}

function identityLike(prototype: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.zerosLike(prototype), tf.eye(lastDim(prototype))));
}

/** 1 where the strict upper triangle is exactly zero and the diagonal is positive. */
function isLowerCholesky(value: tf.Tensor): tf.Tensor {
  const n = lastDim(value);
  // NaN * 0 is NaN, so a NaN above the diagonal also fails the equality.
  const upperZero = allRightmost(as01(tf.equal(tf.mul(value, bandMask(n, 1, n)), 0)), 2);
  const posDiag = tf.min(as01(tf.greater(matrixDiag(value), 0)), -1);
  return tf.mul(upperZero, posDiag);
}

/** Lower-triangular matrices with a positive diagonal. */
class LowerCholesky extends Constraint {
  readonly name: string = 'lowerCholesky';
  override readonly eventDim: number = 2;
  check(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => isLowerCholesky(value));
  }
  override feasibleLike(prototype: tf.Tensor): tf.Tensor {
    return identityLike(prototype);
  }
}

/** Cholesky factors of correlation matrices: lower Cholesky with unit-norm rows. */
class CorrCholesky extends Constraint {
  readonly name: string = 'corrCholesky';
  override readonly eventDim: number = 2;
  check(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const norm = tf.sqrt(tf.sum(tf.square(value), -1));
      const unitRows = tf.min(as01(tf.lessEqual(tf.abs(tf.sub(norm, 1)), unitTolerance(lastDim(value)))), -1);
      return tf.mul(isLowerCholesky(value), unitRows);
    });
  }
  override feasibleLike(prototype: tf.Tensor): tf.Tensor {
    return identityLike(prototype);
  }
}

/**
 * 1 per matrix where it is symmetric within float32 tolerance and (when `unitDiagonal`) has a
 * unit diagonal, and its Cholesky factorisation in double precision succeeds. tfjs has no
 * factorisation op, so this reads the values back; checks run only under validation.
 */
function checkSymmetricPositiveDefinite(value: tf.Tensor, unitDiagonal: boolean): tf.Tensor {
  const n = lastDim(value);
  const batch = value.shape.slice(0, value.rank - 2);
  const data = value.dataSync();
  const count = n === 0 ? 0 : data.length / (n * n);
  const out = new Float32Array(count);
  for (let b = 0; b < count; b++) {
    const off = b * n * n;
    let ok = true;
    for (let i = 0; i < n && ok; i++) {
      if (unitDiagonal && !(Math.abs(data[off + i * n + i]! - 1) <= unitTolerance(n))) ok = false;
      for (let j = 0; j < i && ok; j++) {
        const a = data[off + i * n + j]!;
        const c = data[off + j * n + i]!;
        // numpy.isclose-style: absolute 1e-6 plus relative 1e-5 (a few float32 ulps of the entries).
        if (!(Math.abs(a - c) <= 1e-6 + 1e-5 * Math.max(Math.abs(a), Math.abs(c)))) ok = false;
      }
    }
    out[b] = ok && choleskyF64(data, n, off) !== undefined ? 1 : 0;
  }
  return tf.tensor(out, batch, 'float32');
}

/** Symmetric positive-definite matrices. */
class PositiveDefinite extends Constraint {
  readonly name: string = 'positiveDefinite';
  override readonly eventDim: number = 2;
  check(value: tf.Tensor): tf.Tensor {
    return checkSymmetricPositiveDefinite(value, false);
  }
  override feasibleLike(prototype: tf.Tensor): tf.Tensor {
    return identityLike(prototype);
  }
}

/** Correlation matrices: symmetric positive definite with a unit diagonal. */
class CorrMatrix extends Constraint {
  readonly name: string = 'corrMatrix';
  override readonly eventDim: number = 2;
  check(value: tf.Tensor): tf.Tensor {
    return checkSymmetricPositiveDefinite(value, true);
  }
  override feasibleLike(prototype: tf.Tensor): tf.Tensor {
    return identityLike(prototype);
  }
}

export { Simplex, OrderedVector, Sphere, LowerCholesky, CorrCholesky, PositiveDefinite, CorrMatrix };

/** Nonnegative vectors summing to 1 (eventDim 1). */
export const simplex: Constraint = new Simplex();
/** Non-decreasing vectors (eventDim 1); see OrderedVector for why ties are allowed. */
export const orderedVector: Constraint = new OrderedVector();
/** Unit-norm vectors (eventDim 1). */
export const sphere: Constraint = new Sphere();
/** Lower-triangular matrices with a positive diagonal (eventDim 2). */
export const lowerCholesky: Constraint = new LowerCholesky();
/** Cholesky factors of correlation matrices (eventDim 2). */
export const corrCholesky: Constraint = new CorrCholesky();
/** Correlation matrices (eventDim 2). */
export const corrMatrix: Constraint = new CorrMatrix();
/** Symmetric positive-definite matrices (eventDim 2). */
export const positiveDefinite: Constraint = new PositiveDefinite();
