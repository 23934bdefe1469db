import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { Categorical } from '../../src/distributions/categorical.js';
import { ValueError } from '../../src/kernel/errors.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';
import { column, expectMatchesPmf } from './discrete-helpers.js';

const SEED = 7201;

function softmax(xs: number[]): number[] {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

describe('Categorical', () => {
  const P = [
    [0.1, 0.2, 0.3, 0.4],
    [0.25, 0.25, 0.5, 0],
  ];
  const L = [
    [0.3, -1, 2, 0],
    [5, -3, 0.5, 1],
  ];

  describe('shapes', () => {
    it('batch shape is probs.shape[:-1], event shape []', () => {
      const d = new Categorical(tf.fill([2, 3, 5], 0.2));
      expect(d.batchShape).to.deep.equal([2, 3]);
      expect(d.eventShape).to.deep.equal([]);
      expect(d.numCategories).to.equal(5);
      expect(d.sample(PRNGKey(1), [4]).shape).to.deep.equal([4, 2, 3]);
    });
  });

  describe('logProb', () => {
    it('equals log probs[k] (probs), -Infinity for a zero-probability category', () => {
      const d = new Categorical(P);
      expectClose(d.logProb([3, 2]), [Math.log(0.4), Math.log(0.5)], { rtol: 1e-6 });
      expectClose(d.logProb([0, 3]), [Math.log(0.1), -Infinity], { rtol: 1e-6 });
      // [3, 1] values against batch [2]: broadcasting keeps the leading dim.
      expect(d.logProb([[0], [1], [2]]).shape).to.deep.equal([3, 2]);
    });
    it('equals the log-softmax of the logits', () => {
      const d = new Categorical({ logits: L });
      const want = [Math.log(softmax(L[0]!)[2]!), Math.log(softmax(L[1]!)[1]!)];
      expectClose(d.logProb([2, 1]), want, { rtol: 1e-5 });
    });
    it('is differentiable: d/dlogits log p(k) = onehot(k) - softmax(logits)', () => {
      const g = tf.grad((l: tf.Tensor) => tf.sum(new Categorical({ logits: l }).logProb(2)))(tf.tensor1d(L[0]!));
      const s = softmax(L[0]!);
      expectClose(g, s.map((p, j) => (j === 2 ? 1 : 0) - p), { atol: 1e-6 });
      const gp = tf.grad((p: tf.Tensor) => tf.sum(new Categorical(p).logProb(1)))(tf.tensor1d(P[0]!));
      expectClose(gp, [0, 1 / 0.2, 0, 0], { rtol: 1e-5 });
    });
    it('rejects values that are not indices 0..K-1, or gives -Infinity without validation', () => {
      const d = new Categorical([0.5, 0.5]);
      expectVinferError(() => d.logProb(2), ValueError, 'Categorical.logProb', 'integerInterval(0, 1)');
      expectVinferError(() => d.logProb(0.5), ValueError, 'Categorical.logProb');
      expectVinferError(() => d.logProb(-1), ValueError, 'Categorical.logProb');
      const lp = new Categorical([0.5, 0.5], { validateArgs: false }).logProb([-1, 0.5, 2, 1]);
      expectClose(lp, [-Infinity, -Infinity, -Infinity, Math.log(0.5)], { rtol: 1e-6 });
      const ll = new Categorical({ logits: [0, 0] }, { validateArgs: false }).logProb([7, 0]);
      expectClose(ll, [-Infinity, Math.log(0.5)], { rtol: 1e-6 });
    });
  });

  describe('parameters', () => {
    it('rejects probs off the simplex (with float32 tolerance), naming the family and argument', () => {
      expectVinferError(() => new Categorical([0.2, 0.2, 0.2]), ValueError, 'Categorical', "'probs'", 'simplex');
      expectVinferError(() => new Categorical([1.2, -0.2]), ValueError, 'Categorical', "'probs'");
      expect(() => new Categorical([1 / 3, 1 / 3, 1 / 3])).not.to.throw();
      expect(() => new Categorical([0.1, 0.2, 0.7])).not.to.throw();
    });
    it('rejects a parameter without a category dim, and needs exactly one of probs / logits', () => {
      expectVinferError(() => new Categorical(0.5), ValueError, 'Categorical', "'probs'", 'last dim', '[]');
      expectVinferError(() => new Categorical({ probs: [1], logits: [0] }), ValueError, 'not both');
      expectVinferError(() => new Categorical({ logits: [0, NaN] }), ValueError, "'logits'");
    });
    it('converts between probs and logits', () => {
      expectClose(new Categorical({ logits: L[0]! }).probs, softmax(L[0]!), { atol: 1e-6 });
      expectClose(new Categorical(P[0]!).logits, P[0]!.map(Math.log), { rtol: 1e-6 });
    });
  });

  describe('moments and entropy', () => {
    it('mean and variance are NaN (as NumPyro); entropy is -Σ p log p with 0 log 0 = 0', () => {
      const d = new Categorical(P);
      expectClose(d.mean, [NaN, NaN]);
      expectClose(d.variance, [NaN, NaN]);
      const h = (ps: number[]) => -ps.reduce((a, p) => a + (p > 0 ? p * Math.log(p) : 0), 0);
      expectClose(d.entropy(), P.map(h), { atol: 1e-6 });
      expectClose(new Categorical({ logits: L }).entropy(), L.map((l) => h(softmax(l))), { atol: 1e-6 });
    });
  });

  describe('sample', () => {
    const N = 20_000;
    it(`frequencies match probs (chi-square at 1e-4, N=${N}); zero-probability categories never drawn`, () => {
      const x = new Categorical(P).sample(PRNGKey(SEED), [N]).dataSync();
      for (let r = 0; r < 2; r++) expectMatchesPmf(column(x, 2, r), (k) => P[r]![k] ?? 0, 3, `row ${r}`);
      expect(column(x, 2, 1).every((k) => k !== 3)).to.equal(true);
    });
    it(`logits draws match softmax(logits) (chi-square at 1e-4, N=${N})`, () => {
      const x = new Categorical({ logits: L }).sample(PRNGKey(SEED + 1), [N]).dataSync();
      for (let r = 0; r < 2; r++) expectMatchesPmf(column(x, 2, r), (k) => softmax(L[r]!)[k] ?? 0, 3, `row ${r}`);
    });
    it('draws float32 integer indices and leaks no tensors', () => {
      const d = new Categorical({ logits: L });
      const x = d.sample(PRNGKey(2), [3]);
      expect(x.dtype).to.equal('float32');
      const dp = new Categorical(P);
      expectNoTensorLeak(() => {
        const y = d.sample(PRNGKey(3), [7]);
        tf.dispose([y, d.logProb(y), d.entropy(), d.enumerateSupport(), d.probs]);
        const z = dp.sample(PRNGKey(3), [7]);
        tf.dispose([z, dp.logProb(z), dp.entropy()]);
      });
    });
  });

  describe('enumerateSupport', () => {
    it('stacks 0..K-1 on a new leading dim: [K, ...batch], or [K, 1, ...] unexpanded', () => {
      const d = new Categorical(P);
      expect(d.hasEnumerateSupport).to.equal(true);
      const v = d.enumerateSupport();
      expect(v.shape).to.deep.equal([4, 2]);
      expectClose(v, [0, 0, 1, 1, 2, 2, 3, 3]);
      const u = d.enumerateSupport(false);
      expect(u.shape).to.deep.equal([4, 1]);
      // Exponentiated log-probabilities over the support sum to one per batch element.
      expectClose(tf.sum(tf.exp(d.logProb(u)), 0), [1, 1], { atol: 1e-6 });
    });
  });
});
