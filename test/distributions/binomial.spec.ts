import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { Binomial } from '../../src/distributions/binomial.js';
import { ValueError } from '../../src/kernel/errors.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';
import { K, column, expectMatchesPmf, expectMoments, logFactorialRef } from './discrete-helpers.js';

const SEED = 7801;
function logPmf(n: number, p: number, k: number): number {
  const lc = logFactorialRef(n) - logFactorialRef(k) - logFactorialRef(n - k);
  return lc + (k === 0 ? 0 : k * Math.log(p)) + (n - k === 0 ? 0 : (n - k) * Math.log1p(-p));
}

describe('Binomial', () => {
  // Inversion (n·min(p,1-p) < 10, including p > 1/2) and BTRS (n·min(p,1-p) >= 10).
  const ns = [5, 20, 100, 1000];
  const ps = [0.3, 0.6, 0.4, 0.05];

  describe('logProb', () => {
    it('equals log C(n,k) + k log p + (n-k) log(1-p) (double-precision reference), probs and logits', () => {
      const ks = [2, 15, 37, 61];
      const want = ns.map((n, j) => logPmf(n, ps[j]!, ks[j]!));
      // lgamma(1001) ≈ 5.9e3 in float32 has spacing 4.9e-4; the log C(n, k) difference inherits it.
      expectClose(new Binomial(ns, ps).logProb(ks), want, { atol: 2e-3, rtol: 1e-6 });
      const logits = ps.map((p) => Math.log(p / (1 - p)));
      expectClose(new Binomial(ns, { logits }).logProb(ks), want, { atol: 2e-3, rtol: 1e-6 });
    });
    it('handles p = 0 and p = 1 exactly and broadcasts values', () => {
      expectClose(new Binomial(5, 0).logProb([0, 1]), [0, -Infinity]);
      expectClose(new Binomial(5, 1).logProb([5, 4]), [0, -Infinity]);
      expect(new Binomial([3, 4], 0.5).logProb([[0], [1], [2]]).shape).to.deep.equal([3, 2]);
    });
    it('is differentiable in probs and logits: d/dp = k/p - (n-k)/(1-p), d/dl = k - n σ(l)', () => {
      const g = tf.grad((p: tf.Tensor) => tf.sum(new Binomial(10, p).logProb([3, 7])))(tf.tensor1d([0.2, 0.5]));
      expectClose(g, [3 / 0.2 - 7 / 0.8, 7 / 0.5 - 3 / 0.5], { rtol: 1e-5 });
      const gl = tf.grad((l: tf.Tensor) => tf.sum(new Binomial(10, { logits: l }).logProb([3, 7])))(tf.tensor1d([0.1, -2]));
      const sig = (x: number) => 1 / (1 + Math.exp(-x));
      expectClose(gl, [3 - 10 * sig(0.1), 7 - 10 * sig(-2)], { rtol: 1e-5 });
    });
    it('rejects values outside {0..n} or fractional, or gives -Infinity without validation', () => {
      expectVinferError(() => new Binomial(5, 0.5).logProb(6), ValueError, 'Binomial.logProb', 'integerInterval');
      expectVinferError(() => new Binomial(5, 0.5).logProb(2.5), ValueError, 'Binomial.logProb');
      expectVinferError(() => new Binomial(5, 0.5).logProb(-1), ValueError, 'Binomial.logProb');
      const lp = new Binomial(5, 0.5, { validateArgs: false }).logProb([6, 2.5, -1, 5]);
      expectClose(lp, [-Infinity, -Infinity, -Infinity, 5 * Math.log(0.5)], { rtol: 1e-6 });
    });
  });

  describe('parameters', () => {
    it('rejects a negative or fractional totalCount and probs outside [0, 1], naming the argument', () => {
      expectVinferError(() => new Binomial(-1, 0.5), ValueError, 'Binomial', "'totalCount'", 'non-negative integer');
      expectVinferError(() => new Binomial(2.5, 0.5), ValueError, 'Binomial', "'totalCount'");
      expectVinferError(() => new Binomial(3, 1.5), ValueError, 'Binomial', "'probs'", '[0, 1]');
      expectVinferError(() => new Binomial(3), ValueError, 'Binomial', "one of 'probs' or 'logits'");
      expectVinferError(() => new Binomial([2, 3], [0.1, 0.2, 0.3]), ValueError, 'Binomial', 'do not broadcast');
    });
    it('mean n p and variance n p (1 - p), for probs and logits', () => {
      for (const d of [new Binomial(ns, ps), new Binomial(ns, { logits: ps.map((p) => Math.log(p / (1 - p))) })]) {
        expectClose(d.mean, ns.map((n, j) => n * ps[j]!), { rtol: 1e-5 });
        expectClose(d.variance, ns.map((n, j) => n * ps[j]! * (1 - ps[j]!)), { rtol: 1e-5 });
      }
    });
  });

  describe('sample', () => {
    const N = 20_000;
    it(`mean and variance within ${K} standard errors (N=${N}, k=${K}), inversion and BTRS`, () => {
      const x = new Binomial(ns, ps).sample(PRNGKey(SEED), [N]);
      expect(x.shape).to.deep.equal([N, 4]);
      const data = x.dataSync();
      ns.forEach((n, j) => expectMoments(column(data, 4, j), n * ps[j]!, n * ps[j]! * (1 - ps[j]!), `n=${n} p=${ps[j]}`));
    });
    it(`frequencies match the pmf (chi-square at 1e-4, N=${N})`, () => {
      const data = new Binomial(ns, ps).sample(PRNGKey(SEED + 1), [N]).dataSync();
      ns.forEach((n, j) => expectMatchesPmf(column(data, 4, j), (k) => (k <= n ? Math.exp(logPmf(n, ps[j]!, k)) : 0), n, `n=${n} p=${ps[j]}`));
      const dl = new Binomial(40, { logits: 1.2 }).sample(PRNGKey(SEED + 2), [N]).dataSync();
      const p = 1 / (1 + Math.exp(-1.2));
      expectMatchesPmf(dl, (k) => (k <= 40 ? Math.exp(logPmf(40, p, k)) : 0), 40, 'logits');
    });
    it('gives 0 at p = 0, n at p = 1, 0 at n = 0; leaks no tensors', () => {
      const x = new Binomial([7, 7, 0], [0, 1, 0.5]).sample(PRNGKey(3), [20]).dataSync();
      expect(Array.from(column(x, 3, 0)).every((v) => v === 0)).to.equal(true);
      expect(Array.from(column(x, 3, 1)).every((v) => v === 7)).to.equal(true);
      expect(Array.from(column(x, 3, 2)).every((v) => v === 0)).to.equal(true);
      const d = new Binomial(ns, ps);
      expectNoTensorLeak(() => {
        const y = d.sample(PRNGKey(4), [3]);
        tf.dispose([y, d.logProb(y), d.mean, d.variance]);
      });
    });
  });

  describe('enumerateSupport', () => {
    it('stacks 0..n on a new leading dim ([n+1, ...batch], or batch dims 1 unexpanded)', () => {
      const d = new Binomial(3, [0.2, 0.7]);
      expect(d.hasEnumerateSupport).to.equal(true);
      const v = d.enumerateSupport();
      expect(v.shape).to.deep.equal([4, 2]);
      expectClose(v, [0, 0, 1, 1, 2, 2, 3, 3]);
      const u = d.enumerateSupport(false);
      expect(u.shape).to.deep.equal([4, 1]);
      expectClose(tf.sum(tf.exp(d.logProb(u)), 0), [1, 1], { atol: 1e-6 });
    });
    it('needs the same totalCount across the batch', () => {
      expectVinferError(() => new Binomial([2, 3], 0.5).enumerateSupport(), ValueError, 'Binomial.enumerateSupport', 'totalCount');
    });
  });
});
