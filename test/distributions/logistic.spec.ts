import * as tf from '@tensorflow/tfjs';

import { Logistic } from '../../src/distributions/logistic.js';
import { expectClose } from '../helpers/assert.js';
import { describeFamily } from '../helpers/family-checks.js';

const xs = [-30, -1, 0, 0.5, 40];
const locs = [0, -1, 0.5, 1, 2];
const scales = [0.5, 1, 2, 0.3, 1.5];
const log1pexp = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

describeFamily({
  family: 'Logistic',
  seed: 601,
  scalar: () => new Logistic(0.5, 1.5),
  batched: () => new Logistic([[0, 1, 2], [-1, 0, 1]], 0.7),
  logProb: {
    dist: () => new Logistic(locs, scales),
    values: xs,
    expected: xs.map((x, i) => {
      const z = (x - locs[i]!) / scales[i]!;
      return -z - Math.log(scales[i]!) - 2 * log1pexp(-z);
    }),
  },
  moments: { excessKurtosis: 1.2 },
  quantiles: true,
  entropy: true,
  rsample: { make: ([l, s]) => new Logistic(l!, s!), params: [-0.3, 0.9] },
  invalid: [{ make: () => new Logistic(0, -3), fragments: ['Logistic', "'scale'", '> 0'] }],
  methods: ['mean', 'variance', 'entropy', 'cdf', 'icdf'],
});

describe('Logistic', () => {
  it('variance π²σ²/3, entropy log σ + 2, cdf sigmoid', () => {
    tf.tidy(() => {
      const d = new Logistic(1, 2);
      expectClose(d.variance, (Math.PI ** 2 * 4) / 3, { rtol: 2e-6 });
      expectClose(d.entropy(), Math.log(2) + 2);
      expectClose(d.cdf(tf.scalar(3)), 1 / (1 + Math.exp(-1)));
    });
  });
});
