import * as tf from '@tensorflow/tfjs';

import { Laplace } from '../../src/distributions/laplace.js';
import { expectClose } from '../helpers/assert.js';
import { describeFamily } from '../helpers/family-checks.js';

const xs = [-3, -1, 0, 0.5, 4];
const locs = [0, -1, 0.5, 1, 2];
const scales = [0.5, 1, 2, 0.3, 1.5];

describeFamily({
  family: 'Laplace',
  seed: 501,
  scalar: () => new Laplace(0.5, 1.5),
  batched: () => new Laplace([[0, 1, 2], [-1, 0, 1]], 0.7),
  logProb: {
    dist: () => new Laplace(locs, scales),
    values: xs,
    expected: xs.map((x, i) => -Math.log(2 * scales[i]!) - Math.abs(x - locs[i]!) / scales[i]!),
  },
  moments: { excessKurtosis: 3 },
  quantiles: true,
  entropy: true,
  rsample: { make: ([l, s]) => new Laplace(l!, s!), params: [-0.3, 0.9] },
  invalid: [{ make: () => new Laplace(0, 0), fragments: ['Laplace', "'scale'", '> 0'] }],
  methods: ['mean', 'variance', 'entropy', 'cdf', 'icdf'],
});

describe('Laplace', () => {
  it('variance 2σ², entropy 1 + log 2σ, cdf(loc) = 1/2', () => {
    tf.tidy(() => {
      const d = new Laplace(1, 3);
      expectClose(d.variance, 18);
      expectClose(d.entropy(), 1 + Math.log(6));
      expectClose(d.cdf(tf.scalar(1)), 0.5);
      expectClose(d.cdf(tf.scalar(-2)), 0.5 * Math.exp(-1), { rtol: 2e-6 });
    });
  });
  it('icdf keeps both far tails finite and exact: q = 1e-30 and 1 - 2^-24 (the sampler uses the same map)', () => {
    tf.tidy(() => {
      const q = [1e-30, 1 - 2 ** -24];
      expectClose(new Laplace(0, 1).icdf(tf.tensor1d(q)), [Math.log(2e-30), -Math.log(2 * 2 ** -24)], { rtol: 1e-5 });
    });
  });
});
