import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { StudentT } from '../../src/distributions/student-t.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { expectClose, expectNoTensorLeak } from '../helpers/assert.js';
import { describeFamily } from '../helpers/family-checks.js';
import { expectMeanGradient, pathwiseGrads } from '../helpers/reparam.js';
import { digamma64, lgamma64 } from '../helpers/special-ref.js';

const dfs = [1, 3, 10, 0.5, 100];
const locs = [0, 1, -2, 0, 3];
const scales = [1, 2, 0.5, 1, 3];
const xs = [0.3, -4, -2, 50, 3.5];
// log p = lgamma((v+1)/2) - lgamma(v/2) - log(sqrt(v pi) s) - (v+1)/2 log(1 + ((x - m)/s)^2 / v)
const logPdf = (v: number, m: number, s: number, x: number): number =>
  lgamma64((v + 1) / 2) - lgamma64(v / 2) - 0.5 * Math.log(v * Math.PI) - Math.log(s) - ((v + 1) / 2) * Math.log1p(((x - m) / s) ** 2 / v);
const lbeta64 = (a: number, b: number): number => lgamma64(a) + lgamma64(b) - lgamma64(a + b);
const entropy64 = (v: number, s: number): number =>
  ((v + 1) / 2) * (digamma64((v + 1) / 2) - digamma64(v / 2)) + 0.5 * Math.log(v) + lbeta64(v / 2, 0.5) + Math.log(s);
const N = 20_000;

describeFamily({
  family: 'StudentT',
  seed: 1501,
  // df = 12: the fourth moment (and the SE of the sample variance) is finite for df > 4.
  scalar: () => new StudentT(12, 1, 2),
  batched: () => new StudentT([[3, 4, 5], [6, 7, 8]], 0, [1, 2, 3]),
  logProb: {
    dist: () => new StudentT(dfs, locs, scales),
    values: xs,
    expected: dfs.map((v, i) => logPdf(v, locs[i]!, scales[i]!, xs[i]!)),
  },
  moments: { excessKurtosis: 6 / (12 - 4) },
  entropy: true,
  rsample: { make: ([m, s]) => new StudentT(5, m!, s!), params: [0.5, 1.5] },
  invalid: [
    { make: () => new StudentT(0), fragments: ['StudentT', "'df'", '> 0'] },
    { make: () => new StudentT(3, 0, -1), fragments: ['StudentT', "'scale'", '> 0'] },
  ],
  methods: ['mean', 'variance', 'entropy'],
});

describe('StudentT', () => {
  it('mean loc (NaN for df <= 1), variance s^2 df/(df-2) (inf for 1 < df <= 2, NaN for df <= 1), closed-form entropy', () => {
    tf.tidy(() => {
      const d = new StudentT([0.5, 1.5, 5], 1, 2);
      expectClose(d.mean, [NaN, 1, 1]);
      expectClose(d.variance, [NaN, Infinity, (4 * 5) / 3], { rtol: 1e-6 });
      expectClose(d.entropy(), [entropy64(0.5, 2), entropy64(1.5, 2), entropy64(5, 2)], { atol: 1e-6, rtol: 1e-6 });
    });
  });

  it(`has pathwise gradients in df with mean dE[x^2]/d df = -2 s^2/(df-2)^2 within 4 SE (df=9, s=1.5, N=${N})`, () => {
    // E[x^2] = s^2 df / (df - 2) for loc 0; the per-draw gradient of x^2 has finite variance for df > 4.
    const [v, s] = [9, 1.5];
    const g = pathwiseGrads((t) => new StudentT(t, 0, s), v, N, 1502, (x) => tf.square(x));
    expectMeanGradient(g, (-2 * s * s) / (v - 2) ** 2, 'd/d df');
  });

  it('draws with small df stay finite (df = 0.05, N=2000)', () => {
    tf.tidy(() => {
      const x = new StudentT(0.05).sample(PRNGKey(1503), [2000]).dataSync();
      expect(x.every((t) => !Number.isNaN(t))).to.equal(true);
    });
  });

  it('leaks no tensors in gradients of rsample and logProb', () => {
    const a = tf.tensor1d([3, 7]);
    expectNoTensorLeak(() => {
      tf.tidy(() => {
        tf.grads((v: tf.Tensor, s: tf.Tensor) => tf.sum(new StudentT(v, 0, s).rsample(PRNGKey(1), [3])))([a, a]);
        tf.grads((v: tf.Tensor, s: tf.Tensor) => tf.sum(new StudentT(v, 0, s).logProb(tf.scalar(0.5))))([a, a]);
      });
    });
    a.dispose();
  });
});
