import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import * as C from '../../src/distributions/constraints.js';
import { expectClose, expectNoTensorLeak } from '../helpers/assert.js';

/** check() of `values` (shape `shape`) as a plain array. */
function check(c: C.Constraint, values: number[], shape: number[]): number[] {
  return tf.tidy(() => Array.from(c.check(tf.tensor(values, shape)).dataSync()));
}

describe('constraints', () => {
  describe('elementwise', () => {
    const cases: [C.Constraint, number[], number[]][] = [
      // [constraint, values, expected 0/1]
      [C.real, [0, -1e30, NaN, Infinity, -Infinity], [1, 1, 0, 0, 0]],
      [C.positive, [1e-30, 0, -1, 3], [1, 0, 0, 1]],
      [C.nonnegative, [0, -1e-30, 5], [1, 0, 1]],
      [C.greaterThan(2), [2, 2.0001, 1], [0, 1, 0]],
      [C.greaterThanEq(2), [2, 1.999, 3], [1, 0, 1]],
      [C.lessThan(-1), [-1, -1.5, 0], [0, 1, 0]],
      [C.unitInterval, [0, 1, 0.5, -0.01, 1.01], [1, 1, 1, 0, 0]],
      [C.interval(-2, 3), [-2, 3, 0, -2.1, 3.1, NaN], [1, 1, 1, 0, 0, 0]],
      [C.boolean, [0, 1, 0.5, 2, -1], [1, 1, 0, 0, 0]],
      [C.nonnegativeInteger, [0, 3, -1, 2.5], [1, 1, 0, 0]],
      [C.positiveInteger, [1, 3, 0, 2.5], [1, 1, 0, 0]],
      [C.integerInterval(1, 4), [1, 4, 0, 5, 2.5], [1, 1, 0, 0, 0]],
      [C.integerGreaterThan(3), [3, 10, 2, 3.5], [1, 1, 0, 0]],
    ];
    for (const [c, values, expected] of cases) {
      it(`${c.name}: check ${JSON.stringify(values)} → ${expected.join('')}`, () => {
        expect(check(c, values, [values.length])).to.deep.equal(expected);
        expect(c.eventDim).to.equal(0);
      });
    }

    it('marks exactly the integer and boolean constraints discrete', () => {
      for (const c of [C.boolean, C.nonnegativeInteger, C.positiveInteger, C.integerInterval(0, 3), C.integerGreaterThan(2)]) {
        expect(c.isDiscrete, c.name).to.equal(true);
      }
      for (const c of [C.real, C.positive, C.nonnegative, C.unitInterval, C.interval(1, 2), C.simplex, C.corrMatrix]) {
        expect(c.isDiscrete, c.name).to.equal(false);
      }
    });

    it('names the factory results as NumPyro users would read them', () => {
      expect(C.greaterThan(0)).to.equal(C.positive);
      expect(C.greaterThanEq(0)).to.equal(C.nonnegative);
      expect(C.interval(0, 1)).to.equal(C.unitInterval);
      expect(C.integerGreaterThan(0)).to.equal(C.nonnegativeInteger);
      expect(C.integerGreaterThan(1)).to.equal(C.positiveInteger);
      expect(C.interval(-1, 2.5).name).to.equal('interval(-1, 2.5)');
      expect(C.lessThan(3).name).to.equal('lessThan(3)');
      expect(C.independent(C.positive, 2).name).to.equal('independent(positive, 2)');
      expect(C.realVector.name).to.equal('realVector');
    });

    it('broadcasts per-element tensor bounds: interval([0, 1, 2], [1, 2, 3]) over a [2, 3] value', () => {
      tf.tidy(() => {
        const c = C.interval(tf.tensor1d([0, 1, 2]), tf.tensor1d([1, 2, 3]));
        const ok = c.check(tf.tensor2d([[0.5, 1.5, 2.5], [0.5, 0.5, 3.5]]));
        expect(ok.shape).to.deep.equal([2, 3]);
        expectClose(ok, [1, 1, 1, 1, 0, 0]);
        expectClose(c.check(c.feasibleLike(tf.zeros([2, 3]))), 1);
        expect(c.name).to.equal('interval(tensor[3], tensor[3])');
        expectClose(C.greaterThan(tf.tensor1d([0, 5])).check(tf.tensor1d([1, 1])), [1, 0]);
      });
    });
  });

  describe('vector and matrix', () => {
    it('simplex: sums within float32 tolerance pass, 1e-3 off or negative entries fail', () => {
      const almost = [0.2, 0.3, 0.5 + 3e-7];
      expect(check(C.simplex, [...almost, 0.2, 0.3, 0.501, 0.2, -0.1, 0.9], [3, 3])).to.deep.equal([1, 0, 0]);
      expect(C.simplex.eventDim).to.equal(1);
    });
    it('orderedVector: increasing and tied pass (float32 ties), decreasing and NaN fail', () => {
      expect(check(C.orderedVector, [1, 2, 3, 1, 1, 2, 3, 2, 1, 1, NaN, 2], [4, 3])).to.deep.equal([1, 1, 0, 0]);
    });
    it('sphere: unit norm passes, norm 1.01 fails', () => {
      expect(check(C.sphere, [0.6, 0.8, 0.6, 0.81], [2, 2])).to.deep.equal([1, 0]);
    });
    it('lowerCholesky: lower with positive diagonal passes; upper entry or zero diagonal fails', () => {
      const ok = [1, 0, 0.5, 2];
      const upper = [1, 0.1, 0.5, 2];
      const zeroDiag = [1, 0, 0.5, 0];
      expect(check(C.lowerCholesky, [...ok, ...upper, ...zeroDiag], [3, 2, 2])).to.deep.equal([1, 0, 0]);
    });
    it('corrCholesky: unit rows pass, a non-unit row fails', () => {
      const s = Math.sqrt(1 - 0.36);
      expect(check(C.corrCholesky, [1, 0, 0.6, s, 1, 0, 0.6, 0.9], [2, 2, 2])).to.deep.equal([1, 0]);
    });
    it('positiveDefinite: SPD passes; indefinite or asymmetric fails; float32-level asymmetry passes', () => {
      const spd = [2, 0.5, 0.5, 1];
      const indefinite = [1, 2, 2, 1];
      const asym = [2, 0.5, 0.4, 1];
      const nearlySym = [2, 0.5, 0.5 + 2e-7, 1];
      expect(check(C.positiveDefinite, [...spd, ...indefinite, ...asym, ...nearlySym], [4, 2, 2])).to.deep.equal([1, 0, 0, 1]);
    });
    it('corrMatrix: unit diagonal SPD passes; diagonal 2 or |r| > 1 fails', () => {
      const corr = [1, 0.3, 0.3, 1];
      const diag2 = [2, 0.3, 0.3, 1];
      const bad = [1, 1.2, 1.2, 1];
      expect(check(C.corrMatrix, [...corr, ...diag2, ...bad], [3, 2, 2])).to.deep.equal([1, 0, 0]);
    });
    it('eventDim: 1 for simplex/orderedVector/sphere, 2 for the matrix constraints, check shape = batch', () => {
      for (const c of [C.simplex, C.orderedVector, C.sphere, C.realVector]) expect(c.eventDim, c.name).to.equal(1);
      for (const c of [C.lowerCholesky, C.corrCholesky, C.positiveDefinite, C.corrMatrix]) expect(c.eventDim, c.name).to.equal(2);
      tf.tidy(() => {
        expect(C.corrMatrix.check(tf.zeros([5, 4, 3, 3])).shape).to.deep.equal([5, 4]);
      });
    });
  });

  describe('feasibleLike', () => {
    const all: [C.Constraint, number[]][] = [
      [C.real, [2, 3]],
      [C.positive, [2, 3]],
      [C.nonnegative, [2, 3]],
      [C.greaterThan(4), [2, 3]],
      [C.greaterThanEq(4), [2, 3]],
      [C.lessThan(-4), [2, 3]],
      [C.unitInterval, [2, 3]],
      [C.interval(-3, -1), [2, 3]],
      [C.boolean, [2, 3]],
      [C.nonnegativeInteger, [2, 3]],
      [C.positiveInteger, [2, 3]],
      [C.integerInterval(2, 5), [2, 3]],
      [C.integerGreaterThan(7), [2, 3]],
      [C.realVector, [2, 3]],
      [C.independent(C.positive, 2), [2, 3]],
      [C.simplex, [2, 3]],
      [C.orderedVector, [2, 3]],
      [C.sphere, [2, 3]],
      [C.lowerCholesky, [2, 3, 3]],
      [C.corrCholesky, [2, 3, 3]],
      [C.positiveDefinite, [2, 3, 3]],
      [C.corrMatrix, [2, 3, 3]],
    ];
    for (const [c, shape] of all) {
      it(`${c.name}: a feasible point of shape [${shape.join(', ')}] passes check`, () => {
        tf.tidy(() => {
          const p = c.feasibleLike(tf.zeros(shape));
          expect(p.shape).to.deep.equal(shape);
          expectClose(c.check(p), 1);
        });
      });
    }
  });

  it('check and feasibleLike leak no tensors', () => {
    const v = tf.ones([2, 3, 3]);
    expectNoTensorLeak(() => {
      for (const c of [C.real, C.interval(0, 2), C.simplex, C.orderedVector, C.lowerCholesky, C.corrMatrix, C.independent(C.positive, 1)]) {
        tf.dispose([c.check(v), c.feasibleLike(v)]);
      }
    });
    v.dispose();
  });
});
