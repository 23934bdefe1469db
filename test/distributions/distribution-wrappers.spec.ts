import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { ValueError } from '../../src/kernel/errors.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { Independent } from '../../src/distributions/distribution.js';
import { HalfNormal } from '../../src/distributions/half-normal.js';
import { Normal } from '../../src/distributions/normal.js';
import { Uniform } from '../../src/distributions/uniform.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';
import { meanVar } from '../helpers/stats.js';

const K = 4; // standard errors per statistical assertion (false-failure rate ~6e-5)

describe('ExpandedDistribution', () => {
  const N = 2000;
  it(`HalfNormal([1, 2, 3]).expand([4, 3]) draws independent columns with the right means (N=${N}×4 per column, k=${K})`, () => {
    tf.tidy(() => {
      const d = new HalfNormal([1, 2, 3]).expand([4, 3]);
      expect(d.batchShape).to.deep.equal([4, 3]);
      const x = d.sample(PRNGKey(21), [N]);
      expect(x.shape).to.deep.equal([N, 4, 3]);
      const cols = tf.transpose(tf.reshape(x, [N * 4, 3])).arraySync() as number[][];
      const sd = [1, 2, 3];
      cols.forEach((c, j) => {
        const { mean } = meanVar(c);
        const s = sd[j]!;
        // HalfNormal(σ): mean σ√(2/π), variance σ²(1 - 2/π).
        expect(mean).to.be.closeTo(s * Math.sqrt(2 / Math.PI), K * Math.sqrt((s * s * (1 - 2 / Math.PI)) / (N * 4)));
      });
      // The new leading dim holds independent draws, not copies.
      const rows = tf.slice(x, [0, 0, 0], [1, 2, 3]).dataSync();
      expect(rows[0]).to.not.equal(rows[3]);
    });
  });
  it('a size-1 base dim grows with independent draws: Normal(loc [2, 1]).expand([2, 3])', () => {
    tf.tidy(() => {
      const d = new Normal(tf.tensor2d([[0], [100]]), 1).expand([2, 3]);
      const x = d.sample(PRNGKey(22)).arraySync() as number[][];
      expect(new Set(x[0]).size).to.equal(3);
      for (const v of x[1]!) expect(v).to.be.greaterThan(90);
    });
  });
  it('broadcasts logProb, mean, variance and entropy to the expanded batch shape', () => {
    tf.tidy(() => {
      const base = new HalfNormal([1, 2, 3]);
      const d = base.expand([4, 3]);
      expect(d.logProb(tf.tensor1d([0.5, 1, 1.5])).shape).to.deep.equal([4, 3]);
      expectClose(d.logProb(tf.tensor1d([0.5, 1, 1.5])), tf.broadcastTo(base.logProb(tf.tensor1d([0.5, 1, 1.5])), [4, 3]));
      expect(d.mean.shape).to.deep.equal([4, 3]);
      expect(d.variance.shape).to.deep.equal([4, 3]);
      expect(d.entropy().shape).to.deep.equal([4, 3]);
      expect(base.expand([3])).to.equal(base);
    });
  });
  it('rejects a value that broadcasts with the base but not with the expanded batch shape, with or without validation', () => {
    tf.tidy(() => {
      for (const validateArgs of [true, false]) {
        const d = new Normal(0, 1, { validateArgs }).expand([3]);
        expectVinferError(() => d.logProb(tf.tensor1d([1, 2])), ValueError, 'Normal.logProb: value shape [2] does not broadcast with batch shape [3]');
      }
    });
  });

  it('rejects an incompatible shape with a ValueError naming the family', () => {
    expectVinferError(() => new HalfNormal([1, 2, 3]).expand([2]), ValueError, 'HalfNormal.expand', '[3]', '[2]');
  });
});

describe('Independent', () => {
  it('toEvent() moves all batch dims to the event, summing logProb and entropy', () => {
    tf.tidy(() => {
      const base = new HalfNormal([[1, 2, 3], [4, 5, 6]]);
      const d = base.toEvent();
      expect(d.batchShape).to.deep.equal([]);
      expect(d.eventShape).to.deep.equal([2, 3]);
      expect(d.support.name).to.equal('independent(positive, 2)');
      const v = tf.ones([5, 2, 3]);
      expectClose(d.logProb(v), tf.sum(base.logProb(v), [1, 2]), { atol: 1e-5 });
      expectClose(d.entropy(), tf.sum(base.entropy()), { atol: 1e-5 });
      expect(d.sample(PRNGKey(3), [5]).shape).to.deep.equal([5, 2, 3]);
      expect(d.familyName).to.equal('Independent(HalfNormal)');
      expect(base.toEvent(0)).to.equal(base);
    });
  });
  it('validates values through the base: an event with one bad entry is rejected', () => {
    tf.tidy(() => {
      const d = new HalfNormal([1, 2]).toEvent(1);
      expectVinferError(() => d.logProb(tf.tensor1d([1, -1])), ValueError, 'HalfNormal.logProb', 'positive');
    });
  });
  it('rejects reinterpretedBatchNdims beyond the batch rank', () => {
    expectVinferError(() => new Independent(new HalfNormal([1, 2]), 2), ValueError, 'Independent', '[0, 1]');
  });
});

describe('MaskedDistribution', () => {
  it('mask(false) gives logProb 0; mask(true) is the distribution itself', () => {
    tf.tidy(() => {
      const d = new HalfNormal([1, 2]);
      expectClose(d.mask(false).logProb(tf.tensor1d([1, 1])), [0, 0]);
      expect(d.mask(true)).to.equal(d);
    });
  });
  it('a masked -Infinity becomes 0, not NaN', () => {
    tf.tidy(() => {
      const d = new Uniform(0, 1, { validateArgs: false }).expand([2]).mask(tf.tensor1d([0, 1]));
      expectClose(d.logProb(tf.tensor1d([5, 0.5])), [0, 0]);
    });
  });
  it('a [2, 1] mask broadcasts a batch-[3] distribution to batch [2, 3]', () => {
    tf.tidy(() => {
      const d = new HalfNormal([1, 2, 3]).mask(tf.tensor2d([[1], [0]]));
      expect(d.batchShape).to.deep.equal([2, 3]);
      expect(d.sample(PRNGKey(4), [5]).shape).to.deep.equal([5, 2, 3]);
      const lp = d.logProb(tf.ones([3])).arraySync() as number[][];
      expect(lp[1]).to.deep.equal([0, 0, 0]);
      expect(lp[0]!.every((v) => v < 0)).to.equal(true);
    });
  });
  it('rejects a mask that does not broadcast, naming the family', () => {
    expectVinferError(() => new HalfNormal([1, 2, 3]).mask(tf.ones([2])), ValueError, 'HalfNormal.mask');
  });
});

describe('wrappers', () => {
  it('leak no tensors in sample and logProb', () => {
    const d = new HalfNormal([1, 2, 3]);
    const wrapped = [d.expand([2, 3]), d.toEvent(1), d.mask(tf.tensor1d([1, 0, 1]))];
    const v = tf.ones([3]);
    expectNoTensorLeak(() => {
      for (const w of wrapped) tf.dispose([tf.tidy(() => w.sample(PRNGKey(0), [2])), tf.tidy(() => w.logProb(v))]);
    });
    v.dispose();
  });

  it('release their intermediates without an enclosing tf.tidy: sample, rsample, logProb, mean, variance, entropy', () => {
    const d = new HalfNormal([1, 2, 3]);
    const m = tf.tensor1d([1, 0, 1]);
    const wrapped = { expand: d.expand([2, 3]), toEvent: d.toEvent(1), mask: d.mask(m) };
    const v = tf.ones([3]);
    for (const [name, w] of Object.entries(wrapped)) {
      const calls: Record<string, () => tf.Tensor> = {
        sample: () => w.sample(PRNGKey(0), [2]),
        rsample: () => w.rsample(PRNGKey(1), [2]),
        logProb: () => w.logProb(v),
        mean: () => w.mean,
        variance: () => w.variance,
      };
      if (name !== 'mask') calls.entropy = () => w.entropy();
      for (const [method, call] of Object.entries(calls)) {
        const before = tf.memory().numTensors;
        call().dispose();
        expect(tf.memory().numTensors, `${name}().${method}`).to.equal(before);
      }
    }
    tf.dispose([m, v]);
  });
});
