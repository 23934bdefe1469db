import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { ValueError } from '../../src/kernel/errors.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { Uniform } from '../../src/distributions/uniform.js';
import { expectClose, expectVinferError } from '../helpers/assert.js';
import { describeFamily } from '../helpers/family-checks.js';

const xs = [-0.5, 0.5, 1.5, 2.5, 9];
const lows = [-1, 0, 1, 2, 3];
const highs = [0, 1, 4, 3, 10];

describeFamily({
  family: 'Uniform',
  seed: 901,
  scalar: () => new Uniform(-2, 3),
  batched: () => new Uniform([[0, 1, 2], [-1, 0, 1]], 5),
  logProb: { dist: () => new Uniform(lows, highs), values: xs, expected: xs.map((_, i) => -Math.log(highs[i]! - lows[i]!)) },
  // Excess kurtosis of a uniform: -6/5.
  moments: { excessKurtosis: -1.2 },
  quantiles: true,
  entropy: true,
  rsample: { make: ([l, h]) => new Uniform(l!, h!), params: [-0.7, 2.2] },
  invalid: [
    { make: () => new Uniform(1, 1), fragments: ['Uniform', "'high'", "> 'low'"] },
    { make: () => new Uniform([0, 2], [1, 1]), fragments: ['Uniform', "'high'"] },
  ],
  outside: { value: 3.5, support: 'interval(-2, 3)' },
  methods: ['mean', 'variance', 'entropy', 'cdf', 'icdf'],
});

describe('Uniform', () => {
  it('with per-element tensor bounds: draws lie inside each interval and the support checks per element', () => {
    tf.tidy(() => {
      const d = new Uniform(tf.tensor1d([0, 10, -5]), tf.tensor1d([1, 20, -4]));
      const x = d.sample(PRNGKey(3), [1000]);
      expectClose(d.support.check(x), 1);
      expectClose(tf.min(x, 0), [0, 10, -5], { atol: 0.01 });
      expectClose(tf.max(x, 0), [1, 20, -4], { atol: 0.1 });
      expectVinferError(() => d.logProb(tf.tensor1d([0.5, 5, -4.5])), ValueError, 'Uniform.logProb', 'interval(tensor[3], tensor[3])');
      const e = d.expand([4, 3]);
      expect(e.sample(PRNGKey(4), [2]).shape).to.deep.equal([2, 4, 3]);
    });
  });
  it('with validation off gives -Infinity outside [low, high], and logProb gradients reach low and high', () => {
    tf.tidy(() => {
      const lp = new Uniform(0, 2, { validateArgs: false }).logProb(tf.tensor1d([-1, 0, 1, 2, 3]));
      expectClose(lp, [-Infinity, -Math.log(2), -Math.log(2), -Math.log(2), -Infinity]);
      const [gl, gh] = tf.grads((l: tf.Tensor, h: tf.Tensor) => new Uniform(l, h).logProb(tf.scalar(0.5)))([tf.scalar(0), tf.scalar(2)]);
      // d/dlow -log(high - low) = 1/(high - low); d/dhigh = -1/(high - low).
      expectClose(gl!, 0.5);
      expectClose(gh!, -0.5);
    });
  });
  it('mean (l+h)/2, variance (h-l)²/12, entropy log(h-l), cdf clipped to [0, 1]', () => {
    tf.tidy(() => {
      const d = new Uniform(1, 5);
      expectClose(d.mean, 3);
      expectClose(d.variance, 16 / 12);
      expectClose(d.entropy(), Math.log(4));
      expectClose(d.cdf(tf.tensor1d([0, 2, 6])), [0, 0.25, 1]);
    });
  });
});
