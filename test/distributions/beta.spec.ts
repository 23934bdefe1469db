import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { Beta } from '../../src/distributions/beta.js';
import { logStandardGammaRsample } from '../../src/distributions/gamma-sampler.js';
import { PRNGKey, split } from '../../src/kernel/rng.js';
import { expectClose, expectNoTensorLeak } from '../helpers/assert.js';
import { describeFamily } from '../helpers/family-checks.js';
import { expectMeanGradient, pathwiseGrads } from '../helpers/reparam.js';
import { digamma64, gammaDLogQuantile64, lgamma64 } from '../helpers/special-ref.js';

const lbeta64 = (a: number, b: number): number => lgamma64(a) + lgamma64(b) - lgamma64(a + b);
const as = [0.5, 2, 1, 7, 0.1];
const bs = [0.5, 3, 4, 1.5, 0.2];
const xs = [0.1, 0.4, 0.9, 0.999, 1e-4];
// log p = (a - 1) log x + (b - 1) log(1 - x) - log B(a, b)
const logPdf = (a: number, b: number, x: number): number => (a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - lbeta64(a, b);
const A = 2.5;
const B = 4;
// excess kurtosis 6 [(a - b)^2 (a + b + 1) - a b (a + b + 2)] / (a b (a + b + 2)(a + b + 3))
const kurt = (6 * ((A - B) ** 2 * (A + B + 1) - A * B * (A + B + 2))) / (A * B * (A + B + 2) * (A + B + 3));
const N = 20_000;

describeFamily({
  family: 'Beta',
  seed: 1401,
  scalar: () => new Beta(A, B),
  batched: () => new Beta([[0.5, 1, 2], [3, 4, 5]], 2),
  logProb: { dist: () => new Beta(as, bs), values: xs, expected: as.map((a, i) => logPdf(a, bs[i]!, xs[i]!)) },
  moments: { excessKurtosis: kurt },
  entropy: true,
  invalid: [
    { make: () => new Beta(0, 1), fragments: ['Beta', "'concentration1'", '> 0'] },
    { make: () => new Beta(1, -1), fragments: ['Beta', "'concentration0'", '> 0'] },
  ],
  outside: { value: 1.5, support: 'unitInterval' },
  methods: ['mean', 'variance', 'entropy'],
});

describe('Beta', () => {
  it('mean a/(a+b), variance ab/((a+b)^2 (a+b+1)), entropy from the closed form', () => {
    tf.tidy(() => {
      const d = new Beta([0.5, 3], [2, 3]);
      expectClose(d.mean, [0.2, 0.5], { rtol: 1e-6 });
      expectClose(d.variance, [(0.5 * 2) / (2.5 ** 2 * 3.5), 1 / 28], { rtol: 1e-6 });
      const h = (a: number, b: number): number =>
        lbeta64(a, b) - (a - 1) * digamma64(a) - (b - 1) * digamma64(b) + (a + b - 2) * digamma64(a + b);
      expectClose(d.entropy(), [h(0.5, 2), h(3, 3)], { atol: 1e-6, rtol: 1e-6 });
    });
  });

  for (const [a, b] of [
    [0.4, 0.7],
    [3, 1.5],
  ] as [number, number][]) {
    it(`has pathwise gradients with mean dE[x]/da = b/(a+b)^2, dE[x]/db = -a/(a+b)^2 within 4 SE (a=${a}, b=${b}, N=${N})`, () => {
      expectMeanGradient(pathwiseGrads((t) => new Beta(t, b), a, N, 1402), b / (a + b) ** 2, 'd/da');
      expectMeanGradient(pathwiseGrads((t) => new Beta(a, t), b, N, 1403), -a / (a + b) ** 2, 'd/db');
    });
  }

  it('differentiates a fixed draw x = X/(X+Y) like the inverse-CDF maps of X and Y (finite differences)', () => {
    tf.tidy(() => {
      const [a, b] = [0.6, 2.2];
      const key = PRNGKey(1404);
      // The Beta draw is sigmoid(log X - log Y) with the gamma draws the sampler makes from split(key).
      const [k1, k0] = split(key, 2);
      const logX = logStandardGammaRsample(k1!, tf.scalar(a), [3]).dataSync();
      const logY = logStandardGammaRsample(k0!, tf.scalar(b), [3]).dataSync();
      const x = new Beta(a, b).rsample(key, [3]).dataSync();
      const [ga, gb] = tf.grads((s: tf.Tensor, t: tf.Tensor) => tf.sum(new Beta(s, t).rsample(key, [3])))([tf.scalar(a), tf.scalar(b)]);
      let wantA = 0;
      let wantB = 0;
      for (let i = 0; i < 3; i++) {
        expect(x[i]!).to.be.closeTo(1 / (1 + Math.exp(logY[i]! - logX[i]!)), 1e-6);
        // dx = x (1 - x) (d log X - d log Y), each held at its own CDF level.
        wantA += x[i]! * (1 - x[i]!) * gammaDLogQuantile64(a, Math.exp(logX[i]!));
        wantB -= x[i]! * (1 - x[i]!) * gammaDLogQuantile64(b, Math.exp(logY[i]!));
      }
      expectClose(ga!, wantA, { rtol: 1e-5 });
      expectClose(gb!, wantB, { rtol: 1e-5 });
    });
  });

  it('keeps draws inside (0, 1) with finite logProb for tiny concentrations (a = b = 0.01, N=2000)', () => {
    tf.tidy(() => {
      const d = new Beta(0.01, 0.01);
      const x = d.sample(PRNGKey(1405), [2000]);
      const v = x.dataSync();
      expect(v.every((t) => t > 0 && t < 1)).to.equal(true);
      expect(d.logProb(x).dataSync().every((t) => Number.isFinite(t))).to.equal(true);
    });
  });

  it('logProb at the ends is finite where the density is (a = 1 at x = 0)', () => {
    tf.tidy(() => expectClose(new Beta(1, 3).logProb(0), Math.log(3), { rtol: 1e-6 }));
  });

  it('leaks no tensors in gradients of rsample and logProb', () => {
    const a = tf.tensor1d([0.7, 3]);
    expectNoTensorLeak(() => {
      tf.tidy(() => {
        tf.grads((c: tf.Tensor, r: tf.Tensor) => tf.sum(new Beta(c, r).rsample(PRNGKey(1), [3])))([a, a]);
        tf.grads((c: tf.Tensor, r: tf.Tensor) => tf.sum(new Beta(c, r).logProb(tf.scalar(0.5))))([a, a]);
      });
    });
    a.dispose();
  });
});

describe('Beta.logProb gradients', () => {
  it('match d/dx = (a-1)/x - (b-1)/(1-x), d/da = log x - ψ(a) + ψ(a+b), d/db = log(1-x) - ψ(b) + ψ(a+b)', () => {
    const [a, b, x] = [2.5, 0.7, 0.3];
    const [gx, ga, gb] = tf.tidy(() =>
      tf.grads((xv: tf.Tensor, av: tf.Tensor, bv: tf.Tensor) => new Beta(av, bv).logProb(xv))([tf.scalar(x), tf.scalar(a), tf.scalar(b)]).map((g) => g.dataSync()[0]!),
    );
    // float32 digamma differences: absolute error ~1e-6.
    expectClose(gx!, (a - 1) / x - (b - 1) / (1 - x), { atol: 1e-5, rtol: 1e-5 });
    expectClose(ga!, Math.log(x) - digamma64(a) + digamma64(a + b), { atol: 1e-5, rtol: 1e-5 });
    expectClose(gb!, Math.log1p(-x) - digamma64(b) + digamma64(a + b), { atol: 1e-5, rtol: 1e-5 });
  });
});
