import * as tf from '@tensorflow/tfjs';

import { Gumbel } from '../../src/distributions/gumbel.js';
import { expectClose } from '../helpers/assert.js';
import { describeFamily } from '../helpers/family-checks.js';

const xs = [-2, -1, 0, 0.5, 8];
const locs = [0, -1, 0.5, 1, 2];
const scales = [0.5, 1, 2, 0.3, 1.5];
const EULER = 0.5772156649015329;

describeFamily({
  family: 'Gumbel',
  seed: 701,
  scalar: () => new Gumbel(0.5, 1.5),
  batched: () => new Gumbel([[0, 1, 2], [-1, 0, 1]], 0.7),
  logProb: {
    dist: () => new Gumbel(locs, scales),
    values: xs,
    expected: xs.map((x, i) => {
      const z = (x - locs[i]!) / scales[i]!;
      return -(z + Math.exp(-z)) - Math.log(scales[i]!);
    }),
  },
  moments: { excessKurtosis: 2.4 },
  quantiles: true,
  entropy: true,
  rsample: { make: ([l, s]) => new Gumbel(l!, s!), params: [-0.3, 0.9] },
  invalid: [{ make: () => new Gumbel(0, 0), fragments: ['Gumbel', "'scale'", '> 0'] }],
  methods: ['mean', 'variance', 'entropy', 'cdf', 'icdf'],
});

describe('Gumbel', () => {
  it('mean μ + γσ, variance π²σ²/6, entropy log σ + γ + 1, cdf(μ) = 1/e', () => {
    tf.tidy(() => {
      const d = new Gumbel(1, 2);
      expectClose(d.mean, 1 + 2 * EULER);
      expectClose(d.variance, (Math.PI ** 2 * 4) / 6, { rtol: 2e-6 });
      expectClose(d.entropy(), Math.log(2) + EULER + 1);
      expectClose(d.cdf(tf.scalar(1)), Math.exp(-1));
    });
  });
});
