import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { betaDensity, gammaDensity, studentTDensity } from '../../src/distributions/special-density.js';
import { expectClose, expectNoTensorLeak } from '../helpers/assert.js';
import { lgamma64 } from '../helpers/special-ref.js';

const F = Math.fround;

// Closed-form densities in double precision, with the reference lgamma of test/helpers.
const gammaPdf = (a: number, x: number): number => Math.exp((a - 1) * Math.log(x) - x - lgamma64(a));
const betaPdf = (a: number, b: number, x: number): number =>
  Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - lgamma64(a) - lgamma64(b) + lgamma64(a + b));
const tPdf = (df: number, t: number): number =>
  Math.exp(lgamma64((df + 1) / 2) - lgamma64(df / 2) - 0.5 * Math.log(df * Math.PI) - ((df + 1) / 2) * Math.log1p((t * t) / df));

/** Central difference of a double-precision function: step 1e-6 relative, error ~1e-10 relative. */
function fd(f: (v: number) => number, v: number): number {
  const h = 1e-6 * Math.max(1, Math.abs(v));
  return (f(v + h) - f(v - h)) / (2 * h);
}

describe('special-density ops', () => {
  // Float32 compositions of these log-densities lose ~1e-7 of |terms| (4e-4 relative at a = 1e3);
  // the ops compute in double and round once, so 1e-6 relative holds even there.
  it('values match the double-precision densities to 1e-6 relative, up to shapes of 1e3', () => {
    tf.tidy(() => {
      const ga = [0.3, 2.5, 1000].map(F);
      const gx = [0.01, 3, 1020].map(F);
      expectClose(gammaDensity(tf.tensor1d(ga), tf.tensor1d(gx)), ga.map((a, i) => gammaPdf(a, gx[i]!)), { atol: 0, rtol: 1e-6 });
      const [ba, bb, bx] = [[0.5, 3, 1000], [0.5, 40, 0.5], [0.2, 0.07, 0.9995]].map((r) => r.map(F));
      expectClose(
        betaDensity(tf.tensor1d(ba!), tf.tensor1d(bb!), tf.tensor1d(bx!)),
        ba!.map((a, i) => betaPdf(a, bb![i]!, bx![i]!)),
        { atol: 0, rtol: 1e-6 },
      );
      const [td, tt] = [[0.5, 3, 1000], [-20, 0.5, 3]].map((r) => r.map(F));
      expectClose(studentTDensity(tf.tensor1d(td!), tf.tensor1d(tt!)), td!.map((d, i) => tPdf(d, tt![i]!)), { atol: 0, rtol: 1e-6 });
    });
  });

  it('is 0 outside the support and takes the limits at its ends', () => {
    tf.tidy(() => {
      expect(Array.from(gammaDensity(tf.tensor1d([0.5, 1, 2, 2]), tf.tensor1d([0, 0, 0, -1])).dataSync())).to.deep.equal([Infinity, 1, 0, 0]);
      // Beta(1, 3) at 0 is 1/B(1, 3) = 3; Beta(2, 1) at 1 is 2.
      expect(Array.from(betaDensity(tf.tensor1d([1, 2, 2]), tf.tensor1d([3, 1, 2]), tf.tensor1d([0, 1, 1.5])).dataSync())).to.deep.equal([3, 2, 0]);
    });
  });

  // Gradients are closed forms in float32 ops times the density; digamma and the ratios carry
  // ~1e-6 relative error after cancellation in log x - digamma(a) near its zero, hence 1e-4.
  it('gradients match central differences of the double-precision densities (1e-4 relative)', () => {
    tf.tidy(() => {
      const [a, x] = [F(2.5), F(1.7)];
      const [dga, dgx] = tf.grads((s: tf.Tensor, v: tf.Tensor) => gammaDensity(s, v))([tf.scalar(a), tf.scalar(x)]);
      expectClose(dga!, fd((s) => gammaPdf(s, x), a), { rtol: 1e-4 });
      expectClose(dgx!, fd((v) => gammaPdf(a, v), x), { rtol: 1e-4 });

      const [p, q, y] = [F(0.7), F(3), F(0.2)];
      const [dba, dbb, dbx] = tf.grads((s: tf.Tensor, r: tf.Tensor, v: tf.Tensor) => betaDensity(s, r, v))([tf.scalar(p), tf.scalar(q), tf.scalar(y)]);
      expectClose(dba!, fd((s) => betaPdf(s, q, y), p), { rtol: 1e-4 });
      expectClose(dbb!, fd((s) => betaPdf(p, s, y), q), { rtol: 1e-4 });
      expectClose(dbx!, fd((v) => betaPdf(p, q, v), y), { rtol: 1e-4 });

      const [df, t] = [F(4.5), F(-1.3)];
      const [dtd, dtt] = tf.grads((d: tf.Tensor, v: tf.Tensor) => studentTDensity(d, v))([tf.scalar(df), tf.scalar(t)]);
      expectClose(dtd!, fd((d) => tPdf(d, t), df), { rtol: 1e-4 });
      expectClose(dtt!, fd((v) => tPdf(df, v), t), { rtol: 1e-4 });
    });
  });

  it('can be differentiated twice: d2/dx2 of the Gamma(2.5) density', () => {
    tf.tidy(() => {
      const [a, x] = [F(2.5), F(1.7)];
      const h = tf.grad((v: tf.Tensor) => tf.grad((u: tf.Tensor) => gammaDensity(tf.scalar(a), u))(v))(tf.scalar(x));
      // p'' = p [((a - 1)/x - 1)^2 - (a - 1)/x^2]
      const want = gammaPdf(a, x) * (((a - 1) / x - 1) ** 2 - (a - 1) / x ** 2);
      expectClose(h, want, { rtol: 1e-4 });
    });
  });

  it('leaks no tensors in values and gradients', () => {
    const v = tf.tensor1d([0.3, 0.6]);
    expectNoTensorLeak(() => {
      tf.tidy(() => {
        tf.grads((s: tf.Tensor, u: tf.Tensor) => tf.sum(tf.add(gammaDensity(s, u), studentTDensity(s, u))))([v, v]);
        tf.grads((s: tf.Tensor, u: tf.Tensor) => tf.sum(betaDensity(s, s, u)))([v, v]);
      });
    });
    v.dispose();
  });
});
