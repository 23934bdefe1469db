import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { Geometric } from '../../src/distributions/geometric.js';
import { ValueError } from '../../src/kernel/errors.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';
import { K, column, expectMatchesPmf, expectMoments } from './discrete-helpers.js';

const SEED = 7301;
// P(k) = (1 - p)^k p: failures before the first success (NumPyro's convention).
const pmf = (p: number) => (k: number) => (1 - p) ** k * p;

describe('Geometric', () => {
  const ps = [0.15, 0.5, 0.9];

  describe('logProb', () => {
    it('equals k log(1 - p) + log p for probs and for logits', () => {
      const ks = [0, 3, 7];
      const want = ps.map((p, j) => ks[j]! * Math.log(1 - p) + Math.log(p));
      expectClose(new Geometric(ps).logProb(ks), want, { rtol: 1e-5 });
      const logits = ps.map((p) => Math.log(p / (1 - p)));
      expectClose(new Geometric({ logits }).logProb(ks), want, { rtol: 1e-5, atol: 1e-6 });
    });
    it('gives log P(0) = 0 at p = 1 and broadcasts values against the batch', () => {
      expectClose(new Geometric(1).logProb([0]), [0]);
      expect(new Geometric(ps).logProb([[0], [1]]).shape).to.deep.equal([2, 3]);
    });
    it('is differentiable in probs: d/dp [k log(1-p) + log p] = -k/(1-p) + 1/p', () => {
      const g = tf.grad((p: tf.Tensor) => tf.sum(new Geometric(p).logProb([2, 0, 5])))(tf.tensor1d(ps));
      expectClose(g, ps.map((p, j) => -[2, 0, 5][j]! / (1 - p) + 1 / p), { rtol: 1e-5 });
    });
    it('rejects negative or fractional values, or gives -Infinity without validation', () => {
      expectVinferError(() => new Geometric(0.3).logProb(-1), ValueError, 'Geometric.logProb', 'nonnegativeInteger');
      expectVinferError(() => new Geometric(0.3).logProb(1.5), ValueError, 'Geometric.logProb');
      const lp = new Geometric(0.3, { validateArgs: false }).logProb([-1, 1.5, 2]);
      expectClose(lp, [-Infinity, -Infinity, 2 * Math.log(0.7) + Math.log(0.3)], { rtol: 1e-5 });
    });
  });

  describe('parameters', () => {
    it('rejects probs outside (0, 1], naming the family and argument', () => {
      expectVinferError(() => new Geometric(0), ValueError, 'Geometric', "'probs'", '(0, 1]');
      expectVinferError(() => new Geometric([0.5, 1.2]), ValueError, 'Geometric', "'probs'");
    });
  });

  describe('moments and entropy', () => {
    it('mean (1-p)/p, variance (1-p)/p², entropy = -Σ pmf log pmf', () => {
      const ent = (p: number) => {
        let h = 0;
        for (let k = 0; k < 2000; k++) {
          const q = pmf(p)(k);
          if (q > 0) h -= q * Math.log(q);
        }
        return h;
      };
      for (const d of [new Geometric(ps), new Geometric({ logits: ps.map((p) => Math.log(p / (1 - p))) })]) {
        expectClose(d.mean, ps.map((p) => (1 - p) / p), { rtol: 1e-5 });
        expectClose(d.variance, ps.map((p) => (1 - p) / p ** 2), { rtol: 1e-5 });
        expectClose(d.entropy(), ps.map(ent), { rtol: 1e-5 });
      }
    });
  });

  describe('sample', () => {
    const N = 20_000;
    it(`matches the mean and variance within ${K} standard errors (N=${N}, k=${K})`, () => {
      const x = new Geometric(ps).sample(PRNGKey(SEED), [N]).dataSync();
      ps.forEach((p, j) => expectMoments(column(x, 3, j), (1 - p) / p, (1 - p) / p ** 2, `p=${p}`));
    });
    it(`frequencies match the pmf (chi-square at 1e-4, N=${N})`, () => {
      const x = new Geometric(ps).sample(PRNGKey(SEED + 1), [N]).dataSync();
      ps.forEach((p, j) => expectMatchesPmf(column(x, 3, j), pmf(p), 60, `p=${p}`));
      const xl = new Geometric({ logits: [-1.5] }).sample(PRNGKey(SEED + 2), [N]).dataSync();
      expectMatchesPmf(xl, pmf(1 / (1 + Math.exp(1.5))), 60, 'logits=-1.5');
    });
    it('gives 0 for p = 1 and leaks no tensors', () => {
      expect(Array.from(new Geometric(1).sample(PRNGKey(1), [20]).dataSync()).every((v) => v === 0)).to.equal(true);
      const d = new Geometric(ps);
      expectNoTensorLeak(() => {
        const x = d.sample(PRNGKey(2), [4]);
        tf.dispose([x, d.logProb(x), d.mean, d.variance, d.entropy()]);
      });
    });
  });
});
