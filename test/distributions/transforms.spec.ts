import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { ValueError } from '../../src/kernel/errors.js';
import { PRNGKey, normals } from '../../src/kernel/rng.js';
import { independent, positive, real, unitInterval } from '../../src/distributions/constraints.js';
import {
  Affine,
  Compose,
  Exp,
  IndependentTransform,
  Identity,
  Power,
  Sigmoid,
  Softplus,
  Tanh,
  type Transform,
} from '../../src/distributions/transforms.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';
import { jacobianFD, logAbsDet } from '../helpers/numdiff.js';

// Tolerances. Transforms run in float32 (relative rounding ~6e-8 per op, a few ops per value),
// while references and finite differences run in double precision (central differences with
// h = 1e-6 have error ~1e-9 here). A wrong formula shows up as an error of order 0.1 or more.
const FWD = { atol: 1e-6, rtol: 1e-5 };
const LOGDET = { atol: 1e-4, rtol: 1e-4 };

interface Case {
  label: string;
  make: () => Transform;
  /** Double-precision reference of the elementwise forward map. */
  ref: (x: number) => number;
  /** Inputs in the domain. */
  xs: number[];
}

const log1pexp = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

const xsReal = [-4.2, -1.3, -0.2, 0, 0.4, 1.7, 3.9];
const xsPos = [0.05, 0.3, 1, 2.5, 7];
const CASES: Case[] = [
  { label: 'Exp', make: () => new Exp(), ref: Math.exp, xs: xsReal },
  { label: 'Affine(1.5, -2)', make: () => new Affine(1.5, -2), ref: (x) => 1.5 - 2 * x, xs: xsReal },
  { label: 'Sigmoid', make: () => new Sigmoid(), ref: sigmoid, xs: xsReal },
  { label: 'Softplus', make: () => new Softplus(), ref: log1pexp, xs: xsReal },
  { label: 'Tanh', make: () => new Tanh(), ref: Math.tanh, xs: xsReal },
  { label: 'Power(2.5)', make: () => new Power(2.5), ref: (x) => x ** 2.5, xs: xsPos },
  { label: 'Power(-0.5)', make: () => new Power(-0.5), ref: (x) => x ** -0.5, xs: xsPos },
  { label: 'Identity', make: () => new Identity(), ref: (x) => x, xs: xsReal },
];

describe('transforms (elementwise)', () => {
  for (const c of CASES) {
    describe(c.label, () => {
      it('forward matches the double-precision reference', () => {
        tf.tidy(() => expectClose(c.make().forward(tf.tensor1d(c.xs)), c.xs.map(c.ref), FWD));
      });
      it('inverse(forward(x)) ≈ x', () => {
        tf.tidy(() => {
          const t = c.make();
          const x = tf.tensor1d(c.xs);
          expectClose(t.inverse(t.forward(x)), c.xs, { atol: 2e-5, rtol: 2e-5 });
        });
      });
      it('logAbsDetJacobian matches a double-precision finite-difference Jacobian, elementwise and summed', () => {
        tf.tidy(() => {
          const t = c.make();
          const x = tf.tensor1d(c.xs);
          const ld = t.logAbsDetJacobian(x, t.forward(x));
          expect(ld.shape).to.deep.equal([c.xs.length]);
          const perElement = c.xs.map((xi) => Math.log(Math.abs(jacobianFD((v) => [c.ref(v[0]!)], [xi])[0]![0]!)));
          expectClose(ld, perElement, LOGDET);
          // Through IndependentTransform the log-det is the log|det| of the full (diagonal) Jacobian.
          const full = logAbsDet(jacobianFD((v) => v.map(c.ref), c.xs));
          expectClose(new IndependentTransform(t, 1).logAbsDetJacobian(x), full, LOGDET);
        });
      });
      it('forward has gradients equal to the reference derivative', () => {
        tf.tidy(() => {
          const t = c.make();
          const g = tf.grad((x: tf.Tensor) => tf.sum(t.forward(x)))(tf.tensor1d(c.xs));
          const d = c.xs.map((xi) => jacobianFD((v) => [c.ref(v[0]!)], [xi])[0]![0]!);
          expectClose(g, d, { atol: 1e-4, rtol: 1e-4 });
        });
      });
      it('keeps batch shape [2, 3] and leaks no tensors', () => {
        const t = c.make();
        const x = tf.tensor2d([c.xs.slice(0, 3), c.xs.slice(2, 5)]);
        expectNoTensorLeak(() => {
          const y = t.forward(x);
          const ld = t.logAbsDetJacobian(x, y);
          const back = t.inverse(y);
          expect(y.shape).to.deep.equal([2, 3]);
          expect(ld.shape).to.deep.equal([2, 3]);
          expect(back.shape).to.deep.equal([2, 3]);
          tf.dispose([y, ld, back]);
        });
        x.dispose();
      });
    });
  }

  describe('large inputs', () => {
    it('Sigmoid, Softplus, Tanh and Exp log-Jacobians stay finite and exact at |x| = 20 and 80', () => {
      const xs = [-80, -20, 20, 80];
      tf.tidy(() => {
        const x = tf.tensor1d(xs);
        // Closed forms of log f'(x), evaluated stably in double precision.
        expectClose(new Sigmoid().logAbsDetJacobian(x), xs.map((v) => -Math.abs(v) - 2 * Math.log1p(Math.exp(-Math.abs(v)))), LOGDET);
        expectClose(new Softplus().logAbsDetJacobian(x), xs.map((v) => -log1pexp(-v)), LOGDET);
        expectClose(new Tanh().logAbsDetJacobian(x), xs.map((v) => 2 * (Math.LN2 - Math.abs(v) - log1pexp(-2 * Math.abs(v)))), LOGDET);
        expectClose(new Exp().logAbsDetJacobian(x), xs, LOGDET);
      });
    });
    it('Exp, Softplus and Sigmoid outputs stay strictly inside their codomains for x in [-200, 200]', () => {
      tf.tidy(() => {
        const x = tf.tensor1d([-200, -100, -20, 0, 20, 80]);
        for (const t of [new Exp(), new Softplus(), new Sigmoid()]) {
          expectClose(t.codomain.check(t.forward(x)), 1);
        }
        const s = new Sigmoid().forward(x).dataSync();
        expect(Math.min(...s)).to.be.greaterThan(0);
        expect(Math.max(...s)).to.be.lessThan(1);
      });
    });
    it('Softplus and Exp invert exactly at x = ±20', () => {
      tf.tidy(() => {
        const x = tf.tensor1d([-20, 20]);
        for (const t of [new Exp(), new Softplus()]) expectClose(t.inverse(t.forward(x)), [-20, 20], { atol: 1e-4, rtol: 1e-5 });
      });
    });
  });

  describe('Affine', () => {
    it('with tensor loc/scale and eventDim 1 sums log|scale| over the event: shape [2]', () => {
      tf.tidy(() => {
        const t = new Affine(tf.tensor1d([1, 2, 3]), tf.tensor1d([0.5, -2, 4]), { eventDim: 1 });
        const x = tf.zeros([2, 3]);
        const ld = t.logAbsDetJacobian(x, t.forward(x));
        expectClose(ld, [Math.log(4), Math.log(4)], LOGDET);
        expect(t.domain.eventDim).to.equal(1);
        expectClose(t.forward(x), [1, 2, 3, 1, 2, 3]);
      });
    });
    it('derives codomains from positive and unit-interval domains', () => {
      expect(new Affine(2, 1, { domain: positive }).codomain.name).to.equal('greaterThan(2)');
      expect(new Affine(2, -1, { domain: positive }).codomain.name).to.equal('lessThan(2)');
      expect(new Affine(2, 3, { domain: unitInterval }).codomain.name).to.equal('interval(2, 5)');
      expect(new Affine(2, 3).codomain).to.equal(real);
    });
    it('rejects scale 0 with a ValueError naming the argument', () => {
      expectVinferError(() => new Affine(0, 0), ValueError, 'Affine', "'scale'");
    });
  });

  describe('Compose', () => {
    it('Compose([Sigmoid, Affine(2, 5)]) matches the composite reference and its Jacobian', () => {
      tf.tidy(() => {
        const t = new Compose([new Sigmoid(), new Affine(2, 5)]);
        const ref = (v: number): number => 2 + 5 * sigmoid(v);
        const x = tf.tensor1d(xsReal);
        expectClose(t.forward(x), xsReal.map(ref), FWD);
        expectClose(t.inverse(t.forward(x)), xsReal, { atol: 2e-5, rtol: 2e-5 });
        const fd = xsReal.map((xi) => Math.log(Math.abs(jacobianFD((v) => [ref(v[0]!)], [xi])[0]![0]!)));
        expectClose(t.logAbsDetJacobian(x), fd, LOGDET);
        expect(t.name).to.equal('Compose(Sigmoid, Affine)');
      });
    });
    it('sums an elementwise part over the event dims of a later eventDim-1 part: shape [2]', () => {
      tf.tidy(() => {
        const t = new Compose([new Exp(), new Affine(0, tf.tensor1d([2, 3, 4]), { eventDim: 1 })]);
        expect(t.domain.eventDim).to.equal(1);
        const x = tf.tensor2d([[0.1, 0.2, 0.3], [-1, 0, 1]]);
        // log|det| = Σ x_i + Σ log s_i per row.
        const ls = Math.log(2) + Math.log(3) + Math.log(4);
        expectClose(t.logAbsDetJacobian(x), [0.6 + ls, 0 + ls], LOGDET);
      });
    });
    it('an empty Compose is the identity', () => {
      tf.tidy(() => expectClose(new Compose([]).forward(tf.tensor1d([1, 2])), [1, 2]));
    });
  });

  describe('InverseTransform', () => {
    it('swaps forward and inverse and negates the log-Jacobian', () => {
      tf.tidy(() => {
        const t = new Exp();
        const inv = t.inv;
        expect(inv.inv).to.equal(t);
        expect(inv.domain).to.equal(positive);
        const y = tf.tensor1d([0.5, 2, 7]);
        expectClose(inv.forward(y), [Math.log(0.5), Math.log(2), Math.log(7)], FWD);
        expectClose(inv.logAbsDetJacobian(y), [-Math.log(0.5), -Math.log(2), -Math.log(7)], LOGDET);
      });
    });
  });

  describe('IndependentTransform', () => {
    it('reports widened domain/codomain and rejects a negative count', () => {
      const t = new IndependentTransform(new Exp(), 2);
      expect(t.domain.eventDim).to.equal(2);
      expect(t.codomain.name).to.equal(independent(positive, 2).name);
      expectVinferError(() => new IndependentTransform(new Exp(), -1), ValueError, 'IndependentTransform');
    });
    it('sums a [2, 3, 4] log-Jacobian to shape [2]', () => {
      tf.tidy(() => {
        const x = tf.tensor(Float32Array.from(normals(PRNGKey(3), 24)), [2, 3, 4]);
        const ld = new IndependentTransform(new Exp(), 2).logAbsDetJacobian(x);
        expect(ld.shape).to.deep.equal([2]);
        expectClose(ld, tf.sum(x, [1, 2]), LOGDET);
      });
    });
  });

  describe('Power', () => {
    it('rejects exponent 0', () => {
      expectVinferError(() => new Power(0), ValueError, 'Power', "'exponent'");
    });
  });
});
