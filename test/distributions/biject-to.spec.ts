import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { ValueError } from '../../src/kernel/errors.js';
import { PRNGKey, normals } from '../../src/kernel/rng.js';
import { bijectTo, registerBijection } from '../../src/distributions/biject-to.js';
import * as C from '../../src/distributions/constraints.js';
import { Exp, Identity } from '../../src/distributions/transforms.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';

interface Case {
  constraint: () => C.Constraint;
  /** Unconstrained input shape: batch [3] plus the transform's domain event shape. */
  inShape: number[];
  /** Standard deviation of the random inputs; see the matrix cases for why some are smaller. */
  sd: number;
  /** Whether entries of ±20 are appended (every case whose image float32 can represent). */
  extreme: boolean;
}

const CASES: Case[] = [
  { constraint: () => C.real, inShape: [3, 4], sd: 5, extreme: true },
  { constraint: () => C.positive, inShape: [3, 4], sd: 5, extreme: true },
  { constraint: () => C.nonnegative, inShape: [3, 4], sd: 5, extreme: true },
  { constraint: () => C.greaterThan(5), inShape: [3, 4], sd: 5, extreme: true },
  { constraint: () => C.greaterThan(-1234.5), inShape: [3, 4], sd: 5, extreme: true },
  { constraint: () => C.greaterThanEq(2), inShape: [3, 4], sd: 5, extreme: true },
  { constraint: () => C.lessThan(-3), inShape: [3, 4], sd: 5, extreme: true },
  { constraint: () => C.unitInterval, inShape: [3, 4], sd: 5, extreme: true },
  { constraint: () => C.interval(-2, 7.5), inShape: [3, 4], sd: 5, extreme: true },
  { constraint: () => C.interval(tf.tensor1d([0, -1, 2, 10]), tf.tensor1d([1, 1, 3, 1000])), inShape: [3, 4], sd: 5, extreme: true },
  { constraint: () => C.greaterThan(tf.tensor1d([0, -1, 2, 10])), inShape: [3, 4], sd: 5, extreme: false },
  { constraint: () => C.realVector, inShape: [3, 4], sd: 5, extreme: true },
  { constraint: () => C.independent(C.interval(0, 2), 1), inShape: [3, 4], sd: 5, extreme: true },
  { constraint: () => C.simplex, inShape: [3, 4], sd: 5, extreme: true },
  { constraint: () => C.orderedVector, inShape: [3, 4], sd: 5, extreme: true },
  { constraint: () => C.lowerCholesky, inShape: [3, 6], sd: 5, extreme: true },
  { constraint: () => C.corrCholesky, inShape: [3, 6], sd: 5, extreme: true },
  // L Lᵀ and correlation matrices built from |x| ~ 20 have condition numbers far beyond 1/eps of
  // float32 (e.g. a Cholesky diagonal of e^-20 next to an off-diagonal 20), so they are not
  // positive definite once rounded; these two use moderate inputs.
  { constraint: () => C.positiveDefinite, inShape: [3, 6], sd: 1, extreme: false },
  { constraint: () => C.corrMatrix, inShape: [3, 3], sd: 1, extreme: false },
];

function inputs(seed: number, shape: number[], sd: number, extreme: boolean): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Array.from(normals(PRNGKey(seed), n), (z) => sd * z);
  if (extreme) {
    // Put ±20 into the first row, alternating, so every event sees large magnitudes.
    const row = shape.slice(1).reduce((a, b) => a * b, 1);
    for (let i = 0; i < row; i++) v[i] = i % 2 === 0 ? 20 : -20;
  }
  return tf.tensor(v, shape);
}

describe('bijectTo', () => {
  CASES.forEach((c, i) => {
    const name = c.constraint().name;
    it(`maps ${c.extreme ? 'N(0, ' + c.sd + '²) points and ±20' : 'N(0, ' + c.sd + '²) points'} into ${name} (batch 3)`, () => {
      tf.tidy(() => {
        const con = c.constraint();
        const t = bijectTo(con);
        const x = inputs(10 + i, c.inShape, c.sd, c.extreme);
        const y = t.forward(x);
        const ok = con.check(y);
        expect(ok.shape).to.deep.equal(y.shape.slice(0, y.rank - con.eventDim));
        expectClose(ok, 1);
        expect(t.codomain.eventDim).to.equal(con.eventDim);
        if (!(con instanceof C.IndependentConstraint)) expect(t.codomain.name).to.equal(con.name);
        const ld = t.logAbsDetJacobian(x, y);
        expect(ld.shape).to.deep.equal(x.shape.slice(0, x.rank - t.domain.eventDim));
        expect(Array.from(ld.dataSync()).every(Number.isFinite), 'finite log-det').to.equal(true);
      });
    });
    it(`inverse(forward(x)) ≈ x for moderate x (sd 1) onto ${name}`, () => {
      tf.tidy(() => {
        const t = bijectTo(c.constraint());
        const x = inputs(50 + i, c.inShape, 1, false);
        expectClose(t.inverse(t.forward(x)), x, { atol: 2e-3, rtol: 2e-3 });
      });
    });
  });

  it('returns the specific transforms NumPyro uses', () => {
    expect(bijectTo(C.real)).to.be.instanceOf(Identity);
    expect(bijectTo(C.positive)).to.be.instanceOf(Exp);
    expect(bijectTo(C.unitInterval).name).to.equal('Sigmoid');
    expect(bijectTo(C.interval(1, 2)).name).to.equal('Compose(Sigmoid, Affine)');
    expect(bijectTo(C.greaterThan(3)).name).to.equal('Compose(Exp, Affine)');
    expect(bijectTo(C.simplex).name).to.equal('StickBreaking');
    expect(bijectTo(C.lowerCholesky).name).to.equal('LowerCholesky');
    expect(bijectTo(C.corrCholesky).name).to.equal('CorrCholesky');
    expect(bijectTo(C.orderedVector).name).to.equal('Ordered');
    expect(bijectTo(C.realVector).name).to.equal('Independent(Identity, 1)');
    expect(bijectTo(C.positiveDefinite).name).to.equal('Compose(LowerCholesky, Inverse(Cholesky))');
  });

  it('keeps greaterThan(5) strictly above 5 where exp(x) alone would round away (x = -30)', () => {
    tf.tidy(() => {
      const y = bijectTo(C.greaterThan(5)).forward(tf.tensor1d([-30, -100]));
      expect(Math.min(...y.dataSync())).to.be.greaterThan(5);
    });
  });

  for (const c of [C.boolean, C.nonnegativeInteger, C.positiveInteger, C.integerInterval(0, 5), C.integerGreaterThan(3)]) {
    it(`rejects the discrete constraint ${c.name} with a ValueError naming it`, () => {
      expectVinferError(() => bijectTo(c), ValueError, 'bijectTo', `'${c.name}'`, 'discrete');
    });
  }

  it('rejects sphere (compact, no bijection) with a ValueError', () => {
    expectVinferError(() => bijectTo(C.sphere), ValueError, 'bijectTo', "'sphere'");
  });

  describe('registerBijection', () => {
    class Shifted extends C.Constraint {
      readonly name = 'shifted';
      check(value: tf.Tensor): tf.Tensor {
        return tf.tidy(() => tf.cast(tf.greater(value, 1), 'float32'));
      }
    }
    class Unknown extends C.Constraint {
      readonly name = 'unknown';
      check(value: tf.Tensor): tf.Tensor {
        return tf.onesLike(value);
      }
    }
    it('uses a registered factory, also for subclasses', () => {
      registerBijection(Shifted, () => bijectTo(C.greaterThan(1)));
      class SubShifted extends Shifted {}
      tf.tidy(() => {
        const y = bijectTo(new SubShifted()).forward(tf.tensor1d([-3, 0, 3]));
        expectClose(new Shifted().check(y), 1);
      });
    });
    it('names an unregistered constraint and says how to register one', () => {
      expectVinferError(() => bijectTo(new Unknown()), ValueError, "'unknown'", 'registerBijection');
    });
  });

  it('leaks no tensors when building and applying a bijection', () => {
    const x = tf.tensor2d([[0.1, -0.3, 2], [1, 2, 3]]);
    expectNoTensorLeak(() => {
      for (const c of [C.positive, C.greaterThan(2), C.interval(-1, 1), C.simplex, C.orderedVector]) {
        const t = bijectTo(c);
        const y = t.forward(x);
        tf.dispose([y, t.logAbsDetJacobian(x, y), t.inverse(y)]);
      }
    });
    x.dispose();
  });
});
