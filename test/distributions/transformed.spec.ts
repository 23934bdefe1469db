import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { PRNGKey } from '../../src/kernel/rng.js';
import { unitInterval } from '../../src/distributions/constraints.js';
import { Normal } from '../../src/distributions/normal.js';
import { TransformedDistribution } from '../../src/distributions/transformed.js';
import { Affine, Compose, Exp, Sigmoid, StickBreaking } from '../../src/distributions/transforms.js';
import { expectClose, expectNoTensorLeak } from '../helpers/assert.js';
import { checkRsampleGrad } from '../helpers/family-checks.js';

const normalLogPdf = (x: number, m = 0, s = 1): number => -0.5 * ((x - m) / s) ** 2 - Math.log(s) - 0.5 * Math.log(2 * Math.PI);
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

describe('TransformedDistribution', () => {
  it('Normal(0,1) through Affine(1, 2) has the Normal(1, 2) density', () => {
    tf.tidy(() => {
      const d = new TransformedDistribution(new Normal(0, 1), [new Affine(1, 2)]);
      const ys = [-3, 0, 1, 2.5];
      expectClose(d.logProb(tf.tensor1d(ys)), ys.map((y) => normalLogPdf(y, 1, 2)), { atol: 1e-5 });
      expect(d.familyName).to.equal('TransformedDistribution(Normal)');
      expect(d.hasRsample).to.equal(true);
    });
  });
  it('Normal through Sigmoid then Affine(2, 3) matches the change of variables computed in double precision', () => {
    tf.tidy(() => {
      // The Affine is told its domain, so the support is derived as interval(2, 5) (NumPyro's convention).
      const d = new TransformedDistribution(new Normal(0.5, 1.5), [new Sigmoid(), new Affine(2, 3, { domain: unitInterval })]);
      const ys = [2.1, 3, 4.5, 4.99];
      const ref = ys.map((y) => {
        const p = (y - 2) / 3;
        const x = Math.log(p / (1 - p));
        // dy/dx = 3 σ(x)(1 - σ(x))
        return normalLogPdf(x, 0.5, 1.5) - Math.log(3 * sigmoid(x) * (1 - sigmoid(x)));
      });
      expectClose(d.logProb(tf.tensor1d(ys)), ref, { atol: 1e-4, rtol: 1e-4 });
      expect(d.support.name).to.equal('interval(2, 5)');
      expectClose(d.support.check(d.sample(PRNGKey(1), [100])), 1);
    });
  });
  it('a batch-[3] Normal through StickBreaking becomes one simplex event of size 4', () => {
    tf.tidy(() => {
      const base = new Normal(tf.tensor1d([0.1, -0.2, 0.3]), 1);
      const d = new TransformedDistribution(base, [new StickBreaking()]);
      expect(d.batchShape).to.deep.equal([]);
      expect(d.eventShape).to.deep.equal([4]);
      const y = d.sample(PRNGKey(2), [6]);
      expect(y.shape).to.deep.equal([6, 4]);
      expectClose(d.support.check(y), 1);
      const t = new StickBreaking();
      const x = t.inverse(y);
      const expected = tf.sub(tf.sum(base.logProb(x), -1), t.logAbsDetJacobian(x, y));
      expectClose(d.logProb(y), expected, { atol: 1e-4, rtol: 1e-4 });
    });
  });
  it('an Affine with a [3] loc expands a scalar base to batch [3]', () => {
    tf.tidy(() => {
      const d = new TransformedDistribution(new Normal(0, 1), [new Affine(tf.tensor1d([0, 10, 20]), 1)]);
      expect(d.batchShape).to.deep.equal([3]);
      const x = d.sample(PRNGKey(3), [2000]);
      expect(x.shape).to.deep.equal([2000, 3]);
      // Means 0, 10, 20; SE 1/√2000 = 0.022, 4 SE = 0.09.
      expectClose(tf.mean(x, 0), [0, 10, 20], { atol: 0.09 });
    });
  });
  it('rsample gradients through Compose([Exp, Affine(1, 2)]) of Normal(0.2, 0.7) match finite differences', () => {
    checkRsampleGrad(([m, s]) => new TransformedDistribution(new Normal(m!, s!), [new Compose([new Exp(), new Affine(1, 2)])]), [0.2, 0.7], 11);
  });
  it('is reparameterised only when the base is, and leaks no tensors', () => {
    const d = new TransformedDistribution(new Normal(0, 1), [new Exp()]);
    const v = tf.tensor1d([0.5, 2]);
    expectNoTensorLeak(() => {
      tf.dispose([d.sample(PRNGKey(0), [3]), d.rsample(PRNGKey(1), [3]), d.logProb(v)]);
    });
    v.dispose();
  });
  it('an empty transform list behaves as the base', () => {
    tf.tidy(() => {
      const d = new TransformedDistribution(new Normal(1, 2), []);
      expectClose(d.logProb(tf.scalar(0.3)), normalLogPdf(0.3, 1, 2), { atol: 1e-6 });
    });
  });
});
