import * as tf from '@tensorflow/tfjs';

import { HalfNormal } from '../../src/distributions/half-normal.js';
import { expectClose } from '../helpers/assert.js';
import { describeFamily } from '../helpers/family-checks.js';

const xs = [0.01, 0.5, 1, 2.5, 6];
const scales = [0.5, 1, 2, 1.5, 3];

describeFamily({
  family: 'HalfNormal',
  seed: 101,
  scalar: () => new HalfNormal(1.7),
  batched: () => new HalfNormal([[0.5, 1, 2], [3, 4, 5]]),
  logProb: {
    dist: () => new HalfNormal(scales),
    values: xs,
    // log 2 - log(σ√(2π)) - x²/(2σ²)
    expected: xs.map((x, i) => Math.log(2) - Math.log(scales[i]! * Math.sqrt(2 * Math.PI)) - x ** 2 / (2 * scales[i]! ** 2)),
  },
  // Excess kurtosis of the half-normal: 8(π - 3) / (π - 2)².
  moments: { excessKurtosis: (8 * (Math.PI - 3)) / (Math.PI - 2) ** 2 },
  quantiles: true,
  entropy: true,
  rsample: { make: ([s]) => new HalfNormal(s!), params: [1.3] },
  invalid: [
    { make: () => new HalfNormal(0), fragments: ['HalfNormal', "'scale'", '> 0'] },
    { make: () => new HalfNormal([1, -2]), fragments: ['HalfNormal', "'scale'"] },
  ],
  outside: { value: -0.5, support: 'positive' },
  methods: ['mean', 'variance', 'entropy', 'cdf', 'icdf'],
});

describe('HalfNormal', () => {
  it('mean σ√(2/π), variance σ²(1 - 2/π), entropy ½ log(πeσ²/2) for σ = 2', () => {
    tf.tidy(() => {
      const d = new HalfNormal(2);
      expectClose(d.mean, 2 * Math.sqrt(2 / Math.PI));
      expectClose(d.variance, 4 * (1 - 2 / Math.PI));
      expectClose(d.entropy(), 0.5 * Math.log((Math.PI * Math.E * 4) / 2));
      expectClose(d.cdf(tf.scalar(2)), 0.6826894921370859, { atol: 1e-6, rtol: 1e-6 }); // erf(1/√2)
    });
  });
});
