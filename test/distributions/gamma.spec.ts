import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { Gamma } from '../../src/distributions/gamma.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { expectClose, expectNoTensorLeak } from '../helpers/assert.js';
import { describeFamily } from '../helpers/family-checks.js';
import { expectMeanGradient, pathwiseGrads } from '../helpers/reparam.js';
import { digamma64, gammaDLogQuantile64, lgamma64, trigamma64 } from '../helpers/special-ref.js';

const as = [0.5, 1, 2.5, 7, 0.05];
const bs = [1, 2, 0.5, 3, 1];
const xs = [0.3, 0.7, 4, 2.2, 1e-3];
// log p = a log b - lgamma(a) + (a - 1) log x - b x, with (a - 1) log x = 0 for a = 1 at x = 0.
const logPdf = (a: number, b: number, x: number): number =>
  a * Math.log(b) - lgamma64(a) + (a === 1 ? 0 : (a - 1) * Math.log(x)) - b * x;

const N = 20_000;

describeFamily({
  family: 'Gamma',
  seed: 1101,
  scalar: () => new Gamma(2.5, 1.5),
  batched: () => new Gamma([[0.5, 1, 2], [3, 4, 5]], 2),
  logProb: { dist: () => new Gamma(as, bs), values: xs, expected: as.map((a, i) => logPdf(a, bs[i]!, xs[i]!)) },
  moments: { excessKurtosis: 6 / 2.5 },
  entropy: true,
  // Only the rate: with a fixed key the sampler's map in the concentration is not the inverse-CDF
  // map that the implicit gradient differentiates (checked separately below).
  rsample: { make: ([r]) => new Gamma(2.5, r!), params: [1.5] },
  invalid: [
    { make: () => new Gamma(-1, 1), fragments: ['Gamma', "'concentration'", '> 0'] },
    { make: () => new Gamma(1, 0), fragments: ['Gamma', "'rate'", '> 0'] },
  ],
  outside: { value: -1, support: 'positive' },
  methods: ['mean', 'variance', 'entropy'],
});

describe('Gamma', () => {
  it('mean a/b, variance a/b^2, entropy a - log b + lgamma(a) + (1 - a) digamma(a)', () => {
    tf.tidy(() => {
      const d = new Gamma([0.5, 4], [2, 3]);
      expectClose(d.mean, [0.25, 4 / 3], { rtol: 1e-6 });
      expectClose(d.variance, [0.125, 4 / 9], { rtol: 1e-6 });
      const h = (a: number, b: number): number => a - Math.log(b) + lgamma64(a) + (1 - a) * digamma64(a);
      expectClose(d.entropy(), [h(0.5, 2), h(4, 3)], { atol: 1e-6, rtol: 1e-6 });
    });
  });

  for (const [a, b] of [
    [0.3, 2],
    [4, 0.5],
  ] as [number, number][]) {
    it(`has pathwise gradients with mean dE[x]/da = 1/b and dE[x]/db = -a/b^2 within 4 SE (a=${a}, b=${b}, N=${N})`, () => {
      expectMeanGradient(pathwiseGrads((t) => new Gamma(t, b), a, N, 1102), 1 / b, 'd/da');
      expectMeanGradient(pathwiseGrads((t) => new Gamma(a, t), b, N, 1103), -a / (b * b), 'd/db');
    });
  }

  it('differentiates a fixed draw like the inverse-CDF map: dx/da = x d(log G)/da (finite differences, 8 draws)', () => {
    for (const [a, b] of [
      [0.2, 1],
      [3, 2.5],
    ] as [number, number][]) {
      tf.tidy(() => {
        const conc = tf.scalar(a);
        const f = (t: tf.Tensor): tf.Tensor => new Gamma(t, b).rsample(PRNGKey(1104), [4]);
        const x = f(conc).dataSync();
        for (let i = 0; i < 4; i++) {
          const dy = tf.oneHot(tf.tensor1d([i], 'int32'), 4);
          const g = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(f(t), tf.reshape(dy, [4]))))([conc])[0]!.dataSync()[0]!;
          // x = G / b with G ~ Gamma(a, 1): dx/da = x d(log G)/da at fixed CDF level of G = b x.
          const fd = x[i]! * gammaDLogQuantile64(a, b * x[i]!);
          expect(g, `a=${a}, draw ${i}`).to.be.closeTo(fd, 1e-5 * Math.abs(fd) + 1e-30);
        }
      });
    }
  });

  it('logProb is finite next to x = 0 for concentration 1, -Infinity at 0 without validation, and broadcasts value against the batch', () => {
    tf.tidy(() => {
      // The support is open: just above 0 the density of Gamma(1, 2) is 2; at 0 (outside the
      // support) it is -Infinity with validation off, as every family gives outside its support.
      expectClose(new Gamma(1, 2).logProb(1e-30), Math.log(2), { rtol: 1e-6 });
      expect(new Gamma(1, 2, { validateArgs: false }).logProb(0).dataSync()[0]).to.equal(-Infinity);
      const lp = new Gamma([1, 2, 3], 1).logProb(tf.tensor2d([[0.5], [1.5]]));
      expect(lp.shape).to.deep.equal([2, 3]);
    });
  });

  it('logProb can be differentiated twice: d2/dx2 = -(a-1)/x^2 and d2/da2 = -trigamma(a)', () => {
    tf.tidy(() => {
      const [a, b, x] = [2.5, 1.5, 0.7];
      const hx = tf.grad((v: tf.Tensor) => tf.grad((u: tf.Tensor) => new Gamma(a, b).logProb(u))(v))(tf.scalar(x));
      const ha = tf.grad((c: tf.Tensor) => tf.grad((u: tf.Tensor) => new Gamma(u, b).logProb(x))(c))(tf.scalar(a));
      expectClose(hx, -(a - 1) / x ** 2, { rtol: 1e-6 });
      expectClose(ha, -trigamma64(a), { rtol: 1e-6 });
    });
  });

  it('leaks no tensors in gradients of rsample and logProb', () => {
    const a = tf.tensor1d([0.7, 3]);
    expectNoTensorLeak(() => {
      tf.tidy(() => {
        tf.grads((c: tf.Tensor, r: tf.Tensor) => tf.sum(new Gamma(c, r).rsample(PRNGKey(1), [3])))([a, a]);
        tf.grads((c: tf.Tensor, r: tf.Tensor) => tf.sum(new Gamma(c, r).logProb(tf.scalar(0.5))))([a, a]);
      });
    });
    a.dispose();
  });
});
