import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { Bernoulli } from '../../src/distributions/bernoulli.js';
import { ValueError } from '../../src/kernel/errors.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';
import { K, column } from './discrete-helpers.js';

const SEED = 7101;

describe('Bernoulli', () => {
  const ps = [0.1, 0.5, 0.85];

  describe('logProb', () => {
    it('equals log p for 1 and log(1 - p) for 0 (probs)', () => {
      const d = new Bernoulli(ps);
      const v = [
        [1, 0, 1],
        [0, 1, 0],
      ];
      const want = v.flatMap((row) => row.map((x, j) => (x === 1 ? Math.log(ps[j]!) : Math.log(1 - ps[j]!))));
      expectClose(d.logProb(v), want, { atol: 1e-6, rtol: 1e-6 });
      expect(d.logProb(v).shape).to.deep.equal([2, 3]);
    });
    it('equals log σ(l) / log σ(-l) for logits, finite for large |l|', () => {
      const ls = [-3, 0.4, 60];
      const d = new Bernoulli({ logits: ls });
      const sig = (x: number) => 1 / (1 + Math.exp(-x));
      expectClose(d.logProb([1, 1, 1]), ls.map((l) => Math.log(sig(l))), { atol: 1e-6, rtol: 1e-5 });
      // log σ(-60) = -60 - log(1 + e^-60) ≈ -60 (float32 probs would give -Infinity).
      expectClose(d.logProb([0, 0, 0]), [Math.log(sig(3)), Math.log(sig(-0.4)), -60], { atol: 1e-5, rtol: 1e-5 });
    });
    it('is differentiable: d/dl log p(v) = v - σ(l), d/dp log p(1) = 1/p', () => {
      const l = tf.tensor1d([-1, 0.5, 2]);
      const g = tf.grad((x: tf.Tensor) => tf.sum(new Bernoulli({ logits: x }).logProb([1, 0, 1])))(l);
      const sig = (x: number) => 1 / (1 + Math.exp(-x));
      expectClose(g, [1 - sig(-1), -sig(0.5), 1 - sig(2)], { atol: 1e-6 });
      const gp = tf.grad((x: tf.Tensor) => tf.sum(new Bernoulli(x).logProb([1, 0, 1])))(tf.tensor1d(ps));
      expectClose(gp, [1 / 0.1, -1 / 0.5, 1 / 0.85], { rtol: 1e-5 });
    });
    it('rejects values outside {0, 1} with a ValueError, or gives -Infinity without validation', () => {
      expectVinferError(() => new Bernoulli(0.3).logProb(0.5), ValueError, 'Bernoulli.logProb', 'boolean');
      const d = new Bernoulli(0.3, { validateArgs: false });
      expectClose(d.logProb([0.5, 2, -1, 1]), [-Infinity, -Infinity, -Infinity, Math.log(0.3)], { rtol: 1e-6 });
    });
  });

  describe('parameters', () => {
    it('rejects probs outside [0, 1], naming the family and argument', () => {
      expectVinferError(() => new Bernoulli([0.2, 1.3]), ValueError, 'Bernoulli', "'probs'", '[0, 1]');
      expectVinferError(() => new Bernoulli(-0.1), ValueError, 'Bernoulli', "'probs'");
      expectVinferError(() => new Bernoulli(NaN), ValueError, 'Bernoulli', "'probs'");
      expectVinferError(() => new Bernoulli({ logits: NaN }), ValueError, 'Bernoulli', "'logits'");
    });
    it('needs exactly one of probs and logits', () => {
      expectVinferError(() => new Bernoulli({}), ValueError, 'Bernoulli', 'one of');
      expectVinferError(() => new Bernoulli({ probs: 0.2, logits: 0 }), ValueError, 'not both');
      expectVinferError(() => new Bernoulli(0.2, { logits: 0 }), ValueError, 'not both');
    });
    it('accepts probs in the options object and converts between probs and logits', () => {
      const d = new Bernoulli({ probs: 0.2 });
      expectClose(d.logits, Math.log(0.2 / 0.8), { rtol: 1e-5 });
      expectClose(new Bernoulli({ logits: 0 }).probs, 0.5);
      expect(new Bernoulli([[0.1], [0.2]]).batchShape).to.deep.equal([2, 1]);
    });
  });

  describe('moments and entropy', () => {
    it('mean p, variance p(1 - p), entropy -p log p - (1-p) log(1-p) (probs and logits agree)', () => {
      const h = ps.map((p) => -p * Math.log(p) - (1 - p) * Math.log(1 - p));
      const d = new Bernoulli(ps);
      expectClose(d.mean, ps);
      expectClose(d.variance, ps.map((p) => p * (1 - p)), { atol: 1e-7 });
      expectClose(d.entropy(), h, { atol: 1e-6 });
      const dl = new Bernoulli({ logits: ps.map((p) => Math.log(p / (1 - p))) });
      expectClose(dl.entropy(), h, { atol: 1e-6 });
      expectClose(dl.mean, ps, { atol: 1e-6 });
      expectClose(dl.variance, ps.map((p) => p * (1 - p)), { atol: 1e-6 });
      expectClose(new Bernoulli([0, 1]).entropy(), [0, 0]);
    });
  });

  describe('sample', () => {
    const N = 20_000;
    // The variance of a 0/1 sample is a function of its mean, so only the mean is tested here.
    it(`has mean p within ${K} standard errors (N=${N}, k=${K})`, () => {
      const d = new Bernoulli(ps);
      const x = d.sample(PRNGKey(SEED), [N]);
      expect(x.shape).to.deep.equal([N, 3]);
      expect(x.dtype).to.equal('float32');
      const data = x.dataSync();
      for (let j = 0; j < ps.length; j++) {
        const col = column(data, 3, j);
        expect(col.every((v) => v === 0 || v === 1)).to.equal(true);
        const m = col.reduce((a, b) => a + b, 0) / N;
        expect(m, `p=${ps[j]}`).to.be.closeTo(ps[j]!, K * Math.sqrt((ps[j]! * (1 - ps[j]!)) / N));
      }
    });
    it(`logits draws have mean σ(l) within ${K} standard errors (N=${N}, k=${K})`, () => {
      const x = new Bernoulli({ logits: [-2, 1] }).sample(PRNGKey(SEED + 1), [N]).dataSync();
      [-2, 1].forEach((l, j) => {
        const p = 1 / (1 + Math.exp(-l));
        const m = column(x, 2, j).reduce((a, b) => a + b, 0) / N;
        expect(m, `l=${l}`).to.be.closeTo(p, K * Math.sqrt((p * (1 - p)) / N));
      });
    });
    it('is reproducible from the key and gives 0 for p = 0, 1 for p = 1', () => {
      const d = new Bernoulli([0, 1, 0.5]);
      expect(Array.from(d.sample(PRNGKey(3), [50]).dataSync())).to.deep.equal(Array.from(d.sample(PRNGKey(3), [50]).dataSync()));
      const x = d.sample(PRNGKey(4), [100]).dataSync();
      expect(column(x, 3, 0).every((v) => v === 0)).to.equal(true);
      expect(column(x, 3, 1).every((v) => v === 1)).to.equal(true);
    });
    it('sample and logProb leak no tensors', () => {
      const d = new Bernoulli(ps);
      const dl = new Bernoulli({ logits: [0.1, 0.2, 0.3] });
      expectNoTensorLeak(() => {
        for (const dd of [d, dl]) {
          const x = dd.sample(PRNGKey(1), [5]);
          tf.dispose([x, dd.logProb(x), dd.entropy(), dd.variance, dd.enumerateSupport()]);
        }
      });
    });
  });

  describe('enumerateSupport', () => {
    it('stacks 0 and 1 on a new leading dim, batch dims 1 when expand is false', () => {
      const d = new Bernoulli([[0.1, 0.2, 0.3]]);
      expect(d.hasEnumerateSupport).to.equal(true);
      const full = d.enumerateSupport();
      expect(full.shape).to.deep.equal([2, 1, 3]);
      expectClose(full, [0, 0, 0, 1, 1, 1]);
      const flat = d.enumerateSupport(false);
      expect(flat.shape).to.deep.equal([2, 1, 1]);
      expect(d.logProb(flat).shape).to.deep.equal([2, 1, 3]);
    });
  });
});
