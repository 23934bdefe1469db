import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { OneHotCategorical, oneHot } from '../../src/distributions/one-hot-categorical.js';
import { ValueError } from '../../src/kernel/errors.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';
import { expectMatchesPmf } from './discrete-helpers.js';

const SEED = 7401;

describe('OneHotCategorical', () => {
  const P = [
    [0.1, 0.6, 0.3],
    [0.5, 0, 0.5],
  ];

  it('has event shape [K] and batch shape probs.shape[:-1]; draws are one-hot float32 vectors', () => {
    const d = new OneHotCategorical(P);
    expect(d.batchShape).to.deep.equal([2]);
    expect(d.eventShape).to.deep.equal([3]);
    expect(d.isDiscrete).to.equal(true);
    const x = d.sample(PRNGKey(1), [5]);
    expect(x.shape).to.deep.equal([5, 2, 3]);
    expect(x.dtype).to.equal('float32');
    expectClose(tf.sum(x, -1), 1);
    expectClose(oneHot.check(x), 1);
  });

  it('logProb equals log probs at the hot index (probs and logits)', () => {
    const v = [
      [0, 1, 0],
      [0, 0, 1],
    ];
    expectClose(new OneHotCategorical(P).logProb(v), [Math.log(0.6), Math.log(0.5)], { rtol: 1e-6 });
    const logits = [
      [1, 2, 0.5],
      [0, -1, 3],
    ];
    const lse = (xs: number[]) => Math.log(xs.reduce((a, x) => a + Math.exp(x), 0));
    expectClose(new OneHotCategorical({ logits }).logProb(v), [2 - lse(logits[0]!), 3 - lse(logits[1]!)], { rtol: 1e-5 });
    expectClose(new OneHotCategorical(P).logProb([0, 1, 0]), [Math.log(0.6), -Infinity], { rtol: 1e-6 });
  });

  it('rejects values that are not one-hot, or gives -Infinity without validation', () => {
    const d = new OneHotCategorical([0.2, 0.8]);
    expectVinferError(() => d.logProb([0.5, 0.5]), ValueError, 'OneHotCategorical.logProb', 'oneHot');
    expectVinferError(() => d.logProb([1, 1]), ValueError, 'OneHotCategorical.logProb');
    expectVinferError(() => d.logProb([1, 0, 0]), ValueError, 'OneHotCategorical.logProb', 'event shape [2]');
    const lp = new OneHotCategorical([0.2, 0.8], { validateArgs: false }).logProb([
      [0.5, 0.5],
      [1, 1],
      [0, 1],
    ]);
    expectClose(lp, [-Infinity, -Infinity, Math.log(0.8)], { rtol: 1e-6 });
  });

  it('rejects probs off the simplex, naming the family and argument', () => {
    expectVinferError(() => new OneHotCategorical([0.3, 0.3]), ValueError, 'OneHotCategorical', "'probs'", 'simplex');
  });

  it('mean is probs, variance p(1 - p), entropy -Σ p log p', () => {
    const d = new OneHotCategorical(P);
    expectClose(d.mean, P.flat());
    expectClose(d.variance, P.flat().map((p) => p * (1 - p)), { atol: 1e-7 });
    const h = (ps: number[]) => -ps.reduce((a, p) => a + (p > 0 ? p * Math.log(p) : 0), 0);
    expectClose(d.entropy(), P.map(h), { atol: 1e-6 });
  });

  const N = 20_000;
  it(`the hot index follows probs (chi-square at 1e-4, N=${N})`, () => {
    const x = new OneHotCategorical(P).sample(PRNGKey(SEED), [N]);
    const idx = tf.argMax(x, -1).dataSync();
    for (let r = 0; r < 2; r++) {
      const col = Float64Array.from({ length: N }, (_, i) => idx[i * 2 + r]!);
      expectMatchesPmf(col, (k) => P[r]![k] ?? 0, 2, `row ${r}`);
    }
  });

  it('enumerateSupport gives the K unit vectors: [K, ...batch, K], or [K, 1, ..., K] unexpanded', () => {
    const d = new OneHotCategorical(P);
    const v = d.enumerateSupport();
    expect(v.shape).to.deep.equal([3, 2, 3]);
    expectClose(v, [1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1]);
    const u = d.enumerateSupport(false);
    expect(u.shape).to.deep.equal([3, 1, 3]);
    expectClose(tf.sum(tf.exp(d.logProb(u)), 0), [1, 1], { atol: 1e-6 });
  });

  it('sample and logProb leak no tensors', () => {
    const d = new OneHotCategorical({ logits: [0, 1, 2] });
    expectNoTensorLeak(() => {
      const x = d.sample(PRNGKey(4), [6]);
      tf.dispose([x, d.logProb(x), d.mean, d.variance, d.entropy(), d.enumerateSupport(false)]);
    });
  });
});
