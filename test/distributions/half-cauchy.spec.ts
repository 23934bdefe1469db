import * as tf from '@tensorflow/tfjs';

import { HalfCauchy } from '../../src/distributions/half-cauchy.js';
import { expectClose } from '../helpers/assert.js';
import { describeFamily } from '../helpers/family-checks.js';

const xs = [0.01, 0.5, 1, 2.5, 60];
const scales = [0.5, 1, 2, 0.3, 1.5];

describeFamily({
  family: 'HalfCauchy',
  seed: 401,
  scalar: () => new HalfCauchy(1.5),
  batched: () => new HalfCauchy([[0.5, 1, 2], [3, 4, 5]]),
  logProb: {
    dist: () => new HalfCauchy(scales),
    values: xs,
    expected: xs.map((x, i) => Math.log(2 / (Math.PI * scales[i]!)) - Math.log1p((x / scales[i]!) ** 2)),
  },
  quantiles: true,
  entropy: true,
  rsample: { make: ([s]) => new HalfCauchy(s!), params: [0.8] },
  invalid: [{ make: () => new HalfCauchy(-1), fragments: ['HalfCauchy', "'scale'", '> 0'] }],
  outside: { value: -0.1, support: 'positive' },
  methods: ['mean', 'variance', 'entropy', 'cdf', 'icdf'],
});

describe('HalfCauchy', () => {
  it('has infinite mean and variance, entropy log(2πσ), median σ', () => {
    tf.tidy(() => {
      const d = new HalfCauchy(2);
      expectClose(d.mean, Infinity);
      expectClose(d.variance, Infinity);
      expectClose(d.entropy(), Math.log(4 * Math.PI));
      expectClose(d.icdf(tf.scalar(0.5)), 2, { rtol: 2e-6 });
    });
  });
  it('icdf near 1 keeps the tail: q = 1 - 2^-24 → 2/(π·2^-24)', () => {
    tf.tidy(() => {
      expectClose(new HalfCauchy(1).icdf(tf.scalar(1 - 2 ** -24)), 2 ** 25 / Math.PI, { rtol: 1e-4 });
    });
  });
});
