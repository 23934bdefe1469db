import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { PRNGKey } from '../../src/kernel/rng.js';
import { Exponential } from '../../src/distributions/exponential.js';
import { expectClose } from '../helpers/assert.js';
import { describeFamily } from '../helpers/family-checks.js';

const xs = [0.001, 0.5, 1, 2.5, 30];
const rates = [0.5, 1, 2, 0.3, 1.5];

describeFamily({
  family: 'Exponential',
  seed: 801,
  scalar: () => new Exponential(2.5),
  batched: () => new Exponential([[0.5, 1, 2], [3, 4, 5]]),
  logProb: {
    dist: () => new Exponential(rates),
    values: xs,
    expected: xs.map((x, i) => Math.log(rates[i]!) - rates[i]! * x),
  },
  moments: { excessKurtosis: 6 },
  quantiles: true,
  entropy: true,
  rsample: { make: ([r]) => new Exponential(r!), params: [1.7] },
  invalid: [{ make: () => new Exponential(0), fragments: ['Exponential', "'rate'", '> 0'] }],
  outside: { value: -1, support: 'positive' },
  methods: ['mean', 'variance', 'entropy', 'cdf', 'icdf'],
});

describe('Exponential', () => {
  it('mean 1/λ, variance 1/λ², entropy 1 - log λ, cdf 1 - e^{-λx}', () => {
    tf.tidy(() => {
      const d = new Exponential(4);
      expectClose(d.mean, 0.25);
      expectClose(d.variance, 1 / 16);
      expectClose(d.entropy(), 1 - Math.log(4));
      expectClose(d.cdf(tf.scalar(0.5)), 1 - Math.exp(-2));
    });
  });
  it('draws are strictly positive (N=100000)', () => {
    const xs = tf.tidy(() => new Exponential(1e3).sample(PRNGKey(9), [100_000]).dataSync());
    expect(Math.min(...xs)).to.be.greaterThan(0);
  });
});
