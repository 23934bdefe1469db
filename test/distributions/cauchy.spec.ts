import * as tf from '@tensorflow/tfjs';

import { Cauchy } from '../../src/distributions/cauchy.js';
import { expectClose } from '../helpers/assert.js';
import { describeFamily } from '../helpers/family-checks.js';

const xs = [-30, -1, 0, 0.5, 4];
const locs = [0, -1, 0.5, 1, 2];
const scales = [0.5, 1, 2, 0.3, 1.5];

describeFamily({
  family: 'Cauchy',
  seed: 301,
  scalar: () => new Cauchy(-0.5, 2),
  batched: () => new Cauchy([[0, 1, 2], [-1, 0, 1]], 0.7),
  logProb: {
    dist: () => new Cauchy(locs, scales),
    values: xs,
    expected: xs.map((x, i) => {
      const z = (x - locs[i]!) / scales[i]!;
      return -Math.log(Math.PI * scales[i]!) - Math.log1p(z * z);
    }),
  },
  // No finite moments: quantiles and entropy carry the Monte Carlo checks.
  quantiles: true,
  entropy: true,
  rsample: { make: ([l, s]) => new Cauchy(l!, s!), params: [0.4, 1.3] },
  invalid: [{ make: () => new Cauchy(0, 0), fragments: ['Cauchy', "'scale'", '> 0'] }],
  methods: ['mean', 'variance', 'entropy', 'cdf', 'icdf'],
});

describe('Cauchy', () => {
  it('has NaN mean and variance (as NumPyro), entropy log(4πσ), cdf 3/4 at loc + scale', () => {
    tf.tidy(() => {
      const d = new Cauchy(1, 2);
      expectClose(d.mean, NaN);
      expectClose(d.variance, NaN);
      expectClose(d.entropy(), Math.log(8 * Math.PI));
      expectClose(d.cdf(tf.scalar(3)), 0.75);
      expectClose(d.icdf(tf.scalar(0.75)), 3, { rtol: 2e-6 });
    });
  });
  it('icdf keeps both far tails: q = 1e-30 → -1/(π·1e-30), q = 1 - 2^-24 → 1/(π·2^-24)', () => {
    tf.tidy(() => {
      expectClose(new Cauchy(0, 1).icdf(tf.tensor1d([1e-30, 1 - 2 ** -24])), [-1 / (Math.PI * 1e-30), 2 ** 24 / Math.PI], { rtol: 1e-4 });
    });
  });
});
