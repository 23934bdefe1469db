import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { Normal } from '../../src/distributions/normal.js';
import { ValueError } from '../../src/kernel/errors.js';
import { PRNGKey, normals } from '../../src/kernel/rng.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';
import { describeFamily } from '../helpers/family-checks.js';

const xs = [-3.2, -0.5, 0, 1.7, 12];
const locs = [0, 1, -2, 1.5, 3];
const scales = [1, 0.5, 2, 0.1, 4];

/** log N(x; μ, σ) = −log σ − ½ log 2π − (x − μ)²/(2σ²), in double precision. */
const logPdf = (x: number, mu: number, sd: number): number => -Math.log(sd) - 0.5 * Math.log(2 * Math.PI) - (x - mu) ** 2 / (2 * sd * sd);

describeFamily({
  family: 'Normal',
  seed: 1701,
  scalar: () => new Normal(1.5, 2),
  batched: () => new Normal([[0, 1, 2], [3, 4, 5]], [[0.5, 1, 2], [1, 1, 1]]),
  logProb: { dist: () => new Normal(locs, scales), values: xs, expected: xs.map((x, i) => logPdf(x, locs[i]!, scales[i]!)) },
  moments: { excessKurtosis: 0 },
  quantiles: true,
  entropy: true,
  rsample: { make: ([m, s]) => new Normal(m!, s!), params: [0.3, 1.4] },
  invalid: [
    { make: () => new Normal(0, 0), fragments: ['Normal', "'scale'", '> 0'] },
    { make: () => new Normal([0, 1], [1, -0.3]), fragments: ['Normal', "'scale'", '> 0'] },
    { make: () => new Normal(0, Number.NaN), fragments: ['Normal', "'scale'"] },
    { make: () => new Normal([0, 1], [1, 1, 1]), fragments: ['Normal', 'loc [2]', 'scale [3]'] },
  ],
  methods: ['mean', 'variance', 'entropy', 'cdf', 'icdf'],
});

describe('Normal', () => {
  it('mean μ, variance σ², entropy ½ log(2πeσ²), broadcast to the batch shape [2, 3]', () => {
    tf.tidy(() => {
      const d = new Normal([1, 2, 3], [[2], [0.5]]);
      expect(d.batchShape).to.deep.equal([2, 3]);
      expectClose(d.mean, tf.tensor2d([[1, 2, 3], [1, 2, 3]]));
      expectClose(d.variance, tf.tensor2d([[4, 4, 4], [0.25, 0.25, 0.25]]));
      const h = (s: number): number => 0.5 * Math.log(2 * Math.PI * Math.E * s * s);
      expectClose(d.entropy(), [h(2), h(2), h(2), h(0.5), h(0.5), h(0.5)], { atol: 1e-6, rtol: 1e-6 });
    });
  });

  it('rsample is loc + scale · ε with ε the key\'s normals: the same key gives the same draws', () => {
    tf.tidy(() => {
      const key = PRNGKey(3);
      const eps = Array.from(normals(key, 5));
      const draws = new Normal(2, 0.5).rsample(key, [5]);
      expectClose(draws, eps.map((e) => 2 + 0.5 * e), { atol: 1e-6, rtol: 1e-6 });
      expectClose(new Normal(2, 0.5).sample(key, [5]), draws, { atol: 0, rtol: 0 });
    });
  });

  it('logProb has gradients d/dμ = (x − μ)/σ², d/dσ = ((x − μ)² − σ²)/σ³, d/dx = −(x − μ)/σ²', () => {
    tf.tidy(() => {
      const [x0, mu0, sd0] = [0.7, -0.4, 1.3];
      const [gx, gm, gs] = tf.grads((x: tf.Tensor, m: tf.Tensor, s: tf.Tensor) => new Normal(m, s).logProb(x))([
        tf.scalar(x0),
        tf.scalar(mu0),
        tf.scalar(sd0),
      ]);
      const r = x0 - mu0;
      expectClose(gx!, -r / sd0 ** 2, { atol: 1e-6, rtol: 1e-5 });
      expectClose(gm!, r / sd0 ** 2, { atol: 1e-6, rtol: 1e-5 });
      expectClose(gs!, (r * r - sd0 * sd0) / sd0 ** 3, { atol: 1e-6, rtol: 1e-5 });
    });
  });

  it('logProb broadcasts sample dims of the value against the batch: value [4, 3] under batch [3]', () => {
    tf.tidy(() => {
      const d = new Normal([0, 1, 2], [1, 2, 3]);
      const v = [
        [0.1, 0.2, 0.3],
        [1, 1, 1],
        [-1, 0, 5],
        [2, -2, 0],
      ];
      const lp = d.logProb(tf.tensor2d(v));
      expect(lp.shape).to.deep.equal([4, 3]);
      expectClose(lp, v.flatMap((row) => row.map((x, j) => logPdf(x, j, j + 1))), { atol: 2e-6, rtol: 2e-6 });
    });
  });

  it('rejects a value that does not broadcast with the batch shape, naming the family', () => {
    tf.tidy(() => {
      expectVinferError(() => new Normal([0, 1, 2], 1).logProb(tf.tensor1d([1, 2])), ValueError, 'Normal', '[2]', '[3]');
    });
  });

  it('skips parameter validation with validateArgs: false', () => {
    tf.tidy(() => {
      const d = new Normal(0, -1, { validateArgs: false });
      // log N(0; 0, -1) is NaN (log of a negative scale); the point is that nothing threw.
      expect(Number.isNaN(d.logProb(0).dataSync()[0]!)).to.equal(true);
    });
  });

  it('parameter tensors given by the caller are not disposed by the distribution; construction leaks nothing', () => {
    const loc = tf.tensor1d([0, 1]);
    const scale = tf.tensor1d([1, 2]);
    expectNoTensorLeak(() => {
      tf.tidy(() => {
        const d = new Normal(loc, scale);
        d.logProb(tf.tensor1d([0.5, 0.5]));
      });
    });
    expect(loc.isDisposed || scale.isDisposed).to.equal(false);
    tf.dispose([loc, scale]);
  });
});
