import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import {
  betainc,
  betaincinv,
  gammainc,
  gammaincc,
  gammainccinv,
  gammaincinv,
  stdtr,
  stdtrit,
} from '../../src/distributions/special.js';
import {
  betaDab64,
  betaLogDensity64,
  betaTails64,
  gammaDa64,
  gammaLogDensity64,
  gammaTails64,
  studentTDdf64,
  studentTLogDensity64,
  studentTTails64,
} from '../../src/distributions/special-incomplete.js';
import { betaQuantile64, gammaQuantile64, studentTQuantile64 } from '../../src/distributions/special-quantile.js';
import { ValueError } from '../../src/kernel/errors.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';

// The ops evaluate the double-precision functions (checked against mpmath in
// special-incomplete.spec.ts and special-quantile.spec.ts) at the float32 inputs and round once,
// so their values must equal Math.fround of those functions exactly; gradients that are closed
// forms (densities, computed in double and rounded once) are compared at 1e-6 relative.
const F = Math.fround;
const GRAD_RTOL = 1e-6;

function values(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}

describe('special-cdf ops', () => {
  const as = [0.1, 0.5, 2.5, 30, 1000].map(F);
  const xs = [1e-3, 0.3, 2.5, 40, 1100].map(F);

  it('gammainc / gammaincc equal the rounded double-precision tails, elementwise and broadcast', () => {
    tf.tidy(() => {
      expect(values(gammainc(as, xs))).to.deep.equal(as.map((a, i) => F(gammaTails64(a, xs[i]!)[0])));
      expect(values(gammaincc(as, xs))).to.deep.equal(as.map((a, i) => F(gammaTails64(a, xs[i]!)[1])));
      const b = gammainc(tf.tensor2d([[0.5], [3]]), tf.tensor1d([0.2, 1, 4]));
      expect(b.shape).to.deep.equal([2, 3]);
      expect(values(b)).to.deep.equal([0.5, 3].flatMap((a) => [0.2, 1, 4].map((x) => F(gammaTails64(a, F(x))[0]))));
    });
  });

  it('gammainc has d/dx = Gamma density and d/da = dP/da, summed over broadcast dims', () => {
    tf.tidy(() => {
      const a = tf.tensor1d(as);
      const x = tf.tensor1d(xs);
      const [ga, gx] = tf.grads((s: tf.Tensor, v: tf.Tensor) => tf.sum(gammainc(s, v)))([a, x]);
      expectClose(gx!, as.map((s, i) => Math.exp(gammaLogDensity64(s, xs[i]!))), { atol: 1e-30, rtol: GRAD_RTOL });
      expectClose(ga!, as.map((s, i) => gammaDa64(s, xs[i]!)), { atol: 1e-30, rtol: 1e-6 });
      const [gq] = tf.grads((s: tf.Tensor, v: tf.Tensor) => tf.sum(gammaincc(s, v)))([a, x]);
      expectClose(gq!, as.map((s, i) => -gammaDa64(s, xs[i]!)), { atol: 1e-30, rtol: 1e-6 });
      // A scalar shape against three arguments: the gradient sums the three.
      const g = tf.grad((s: tf.Tensor) => tf.sum(gammainc(s, tf.tensor1d([0.5, 1, 2]))))(tf.scalar(1.5));
      expect(g.shape).to.deep.equal([]);
      expectClose(g, [0.5, 1, 2].reduce((acc, v) => acc + gammaDa64(1.5, v), 0), { rtol: 1e-6 });
    });
  });

  it('gammainc can be differentiated twice in x: d2P/dx2 = p(x) ((a - 1)/x - 1)', () => {
    tf.tidy(() => {
      const [a, x] = [2.5, 1.7];
      const h = tf.grad((v: tf.Tensor) => tf.grad((u: tf.Tensor) => gammainc(a, u))(v))(tf.scalar(x));
      expectClose(h, Math.exp(gammaLogDensity64(a, F(x))) * ((a - 1) / F(x) - 1), { rtol: 1e-5 });
    });
  });

  it('gammainc is 0 below the support with zero gradient, and NaN for a <= 0', () => {
    tf.tidy(() => {
      const x = tf.tensor1d([-1, 0, 2]);
      expect(values(gammainc(2, x)).slice(0, 2)).to.deep.equal([0, 0]);
      expect(values(tf.grad((v: tf.Tensor) => tf.sum(gammainc(2, v)))(x)).slice(0, 2)).to.deep.equal([0, 0]);
      // At x = 0 the density of Gamma(1) is 1 and that of Gamma(0.5) is infinite.
      expect(values(tf.grad((v: tf.Tensor) => tf.sum(gammainc(1, v)))(tf.tensor1d([0])))).to.deep.equal([1]);
      expect(values(tf.grad((v: tf.Tensor) => tf.sum(gammainc(0.5, v)))(tf.tensor1d([0])))).to.deep.equal([Infinity]);
      expect(Number.isNaN(values(gammainc(-1, 1))[0]!)).to.equal(true);
    });
  });

  it('betainc equals the rounded double-precision function, with d/dx = Beta density and d/da, d/db', () => {
    const cases: [number, number, number][] = [
      [0.1, 0.1, 0.3],
      [0.5, 3, 0.01],
      [2, 50, 0.05],
      [50, 40, 0.6],
      [1000, 0.5, 0.999],
    ].map(([a, b, x]) => [F(a!), F(b!), F(x!)]);
    tf.tidy(() => {
      const [a, b, x] = [0, 1, 2].map((k) => tf.tensor1d(cases.map((c) => c[k]!)));
      expect(values(betainc(a!, b!, x!))).to.deep.equal(cases.map(([p, q, v]) => F(betaTails64(p, q, v)[0])));
      const [ga, gb, gx] = tf.grads((p: tf.Tensor, q: tf.Tensor, v: tf.Tensor) => tf.sum(betainc(p, q, v)))([a!, b!, x!]);
      expectClose(gx!, cases.map(([p, q, v]) => Math.exp(betaLogDensity64(p, q, v, 1 - v))), { rtol: GRAD_RTOL });
      expectClose(ga!, cases.map(([p, q, v]) => betaDab64(p, q, v)[0]), { atol: 1e-30, rtol: 1e-6 });
      expectClose(gb!, cases.map(([p, q, v]) => betaDab64(p, q, v)[1]), { atol: 1e-30, rtol: 1e-6 });
      expect(values(betainc(2, 3, tf.tensor1d([-0.5, 0, 1, 1.5])))).to.deep.equal([0, 0, 1, 1]);
    });
  });

  it('stdtr equals the rounded double-precision t CDF, with d/dt = t density and d/d(df)', () => {
    const dfs = [0.1, 1, 3.5, 30, 1000].map(F);
    const ts = [-50, -1, 0.01, 2, 4].map(F);
    tf.tidy(() => {
      const df = tf.tensor1d(dfs);
      const t = tf.tensor1d(ts);
      expect(values(stdtr(df, t))).to.deep.equal(dfs.map((d, i) => F(studentTTails64(d, ts[i]!)[0])));
      const [gd, gt] = tf.grads((d: tf.Tensor, v: tf.Tensor) => tf.sum(stdtr(d, v)))([df, t]);
      expectClose(gt!, dfs.map((d, i) => Math.exp(studentTLogDensity64(d, ts[i]!))), { rtol: GRAD_RTOL });
      expectClose(gd!, dfs.map((d, i) => studentTDdf64(d, ts[i]!)), { atol: 1e-30, rtol: 1e-6 });
      expect(values(stdtr(3, 0))).to.deep.equal([0.5]);
    });
  });

  it('gammaincinv / gammainccinv equal the rounded double-precision quantiles (shapes 0.1 to 1e3)', () => {
    const ps = [1e-10, 0.05, 0.5, 0.95, 0.999].map(F);
    tf.tidy(() => {
      const a = tf.tensor1d(as);
      const p = tf.tensor1d(ps);
      expect(values(gammaincinv(a, p))).to.deep.equal(as.map((s, i) => F(gammaQuantile64(s, ps[i]!))));
      expect(values(gammainccinv(a, p))).to.deep.equal(as.map((s, i) => F(gammaQuantile64(s, ps[i]!, true))));
    });
  });

  it('gammaincinv has d/dp = 1/density(z) and d/da = -(dP/da)/density(z) (implicit)', () => {
    tf.tidy(() => {
      const [a, p] = [F(2.5), F(0.3)];
      const z = gammaQuantile64(a, p);
      const dens = Math.exp(gammaLogDensity64(a, z));
      const [ga, gp] = tf.grads((s: tf.Tensor, q: tf.Tensor) => gammaincinv(s, q))([tf.scalar(a), tf.scalar(p)]);
      expectClose(gp!, 1 / dens, { rtol: GRAD_RTOL });
      expectClose(ga!, -gammaDa64(a, z) / dens, { rtol: 1e-6 });
      // Upper-tail inverse: Q(a, z) = q held, so dz/dq = -1/density and dz/da is the same.
      const zu = gammaQuantile64(a, p, true);
      const du = Math.exp(gammaLogDensity64(a, zu));
      const [gau, gqu] = tf.grads((s: tf.Tensor, q: tf.Tensor) => gammainccinv(s, q))([tf.scalar(a), tf.scalar(p)]);
      expectClose(gqu!, -1 / du, { rtol: GRAD_RTOL });
      expectClose(gau!, -gammaDa64(a, zu) / du, { rtol: 1e-6 });
    });
  });

  it('gammaincinv can be differentiated twice in p: d2z/dp2 = -((a - 1)/z - 1) / density(z)^2', () => {
    tf.tidy(() => {
      const [a, p] = [F(2.5), F(0.3)];
      const z = gammaQuantile64(a, p);
      const dens = Math.exp(gammaLogDensity64(a, z));
      const h = tf.grad((q: tf.Tensor) => tf.grad((u: tf.Tensor) => gammaincinv(a, u))(q))(tf.scalar(p));
      expectClose(h, -((a - 1) / z - 1) / dens ** 2, { rtol: 1e-4 });
    });
  });

  it('betaincinv and stdtrit equal the rounded quantiles, with d/dp = 1/density and implicit shape gradients', () => {
    tf.tidy(() => {
      const [a, b, p] = [F(0.7), F(3), F(0.2)];
      const [x, y] = betaQuantile64(a, b, p);
      expect(values(betaincinv(a, b, p))).to.deep.equal([F(x)]);
      const dens = Math.exp(betaLogDensity64(a, b, x, y));
      const [ga, gb, gp] = tf.grads((s: tf.Tensor, r: tf.Tensor, q: tf.Tensor) => betaincinv(s, r, q))([tf.scalar(a), tf.scalar(b), tf.scalar(p)]);
      const [dIa, dIb] = betaDab64(a, b, x, y);
      expectClose(gp!, 1 / dens, { rtol: GRAD_RTOL });
      expectClose(ga!, -dIa / dens, { rtol: 1e-6 });
      expectClose(gb!, -dIb / dens, { rtol: 1e-6 });

      const df = F(4.5);
      const t = studentTQuantile64(df, p);
      expect(values(stdtrit(df, p))).to.deep.equal([F(t)]);
      const td = Math.exp(studentTLogDensity64(df, t));
      const [gd, gq] = tf.grads((d: tf.Tensor, q: tf.Tensor) => stdtrit(d, q))([tf.scalar(df), tf.scalar(p)]);
      expectClose(gq!, 1 / td, { rtol: GRAD_RTOL });
      expectClose(gd!, -studentTDdf64(df, t) / td, { rtol: 1e-6 });
    });
  });

  it('the quantiles give the support ends at p = 0 and 1 and NaN outside [0, 1]', () => {
    tf.tidy(() => {
      const p = tf.tensor1d([0, 1, -0.1, 1.1]);
      const ends = (t: tf.Tensor): number[] => values(t).slice(0, 2);
      expect(ends(gammaincinv(2, p))).to.deep.equal([0, Infinity]);
      expect(ends(gammainccinv(2, p))).to.deep.equal([Infinity, 0]);
      expect(ends(betaincinv(2, 3, p))).to.deep.equal([0, 1]);
      expect(ends(stdtrit(3, p))).to.deep.equal([-Infinity, Infinity]);
      for (const t of [gammaincinv(2, p), betaincinv(2, 3, p), stdtrit(3, p)]) {
        expect(values(t).slice(2).every(Number.isNaN)).to.equal(true);
      }
    });
  });

  it('rejects arguments that do not broadcast with a ValueError naming the op', () => {
    tf.tidy(() => {
      expectVinferError(() => gammainc(tf.ones([2]), tf.ones([3])), ValueError, 'gammainc', '[2]', '[3]');
      expectVinferError(() => betaincinv(tf.ones([2]), 1, tf.ones([3])), ValueError, 'betaincinv');
    });
  });

  it('leaks no tensors in forward passes and gradients', () => {
    const a = tf.tensor1d([0.7, 3]);
    const x = tf.tensor1d([0.4, 0.6]);
    expectNoTensorLeak(() => {
      tf.tidy(() => {
        tf.grads((s: tf.Tensor, v: tf.Tensor) => tf.sum(tf.add(gammainc(s, v), gammaincc(s, v))))([a, x]);
        tf.grads((s: tf.Tensor, v: tf.Tensor) => tf.sum(tf.add(betainc(s, s, v), stdtr(s, v))))([a, x]);
        tf.grads((s: tf.Tensor, v: tf.Tensor) => tf.sum(tf.add(gammaincinv(s, v), gammainccinv(s, v))))([a, x]);
        tf.grads((s: tf.Tensor, v: tf.Tensor) => tf.sum(tf.add(betaincinv(s, s, v), stdtrit(s, v))))([a, x]);
        tf.grad((v: tf.Tensor) => tf.grad((u: tf.Tensor) => tf.sum(gammaincinv(a, u)))(v))(x);
      });
    });
    tf.dispose([a, x]);
  });
});
