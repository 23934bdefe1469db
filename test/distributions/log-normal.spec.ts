import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { LogNormal } from '../../src/distributions/log-normal.js';
import { TransformedDistribution } from '../../src/distributions/transformed.js';
import { expectClose } from '../helpers/assert.js';
import { describeFamily } from '../helpers/family-checks.js';

const xs = [0.05, 0.5, 1, 2.5, 9];
const locs = [0, -1, 0.5, 1, 2];
const scales = [0.5, 1, 2, 0.3, 1.5];
const S = 0.5;

describeFamily({
  family: 'LogNormal',
  seed: 201,
  scalar: () => new LogNormal(0.3, S),
  batched: () => new LogNormal([[0, 1, 2], [-1, 0, 1]], 0.7),
  logProb: {
    dist: () => new LogNormal(locs, scales),
    values: xs,
    expected: xs.map((x, i) => {
      const z = (Math.log(x) - locs[i]!) / scales[i]!;
      return -Math.log(x) - Math.log(scales[i]! * Math.sqrt(2 * Math.PI)) - 0.5 * z * z;
    }),
  },
  // Excess kurtosis e^{4σ²} + 2e^{3σ²} + 3e^{2σ²} - 6 (≈ 5.9 at σ = 0.5).
  moments: { excessKurtosis: Math.exp(4 * S * S) + 2 * Math.exp(3 * S * S) + 3 * Math.exp(2 * S * S) - 6 },
  quantiles: true,
  entropy: true,
  rsample: { make: ([l, s]) => new LogNormal(l!, s!), params: [0.2, 0.6] },
  invalid: [{ make: () => new LogNormal(0, -1), fragments: ['LogNormal', "'scale'", '> 0'] }],
  outside: { value: -1, support: 'positive' },
  methods: ['mean', 'variance', 'entropy', 'cdf', 'icdf'],
});

describe('LogNormal', () => {
  it('is a TransformedDistribution of Normal through Exp, with closed-form mean exp(μ + σ²/2)', () => {
    tf.tidy(() => {
      const d = new LogNormal(1, 0.5);
      expect(d).to.be.instanceOf(TransformedDistribution);
      expect(d.familyName).to.equal('LogNormal');
      expectClose(d.mean, Math.exp(1 + 0.125));
      expectClose(d.variance, Math.expm1(0.25) * Math.exp(2 + 0.25), { rtol: 2e-6 });
      expectClose(d.icdf(tf.scalar(0.5)), Math.E, { rtol: 2e-6 });
    });
  });
});
