import * as tf from '@tensorflow/tfjs';

import { InverseGamma } from '../../src/distributions/inverse-gamma.js';
import { expectClose } from '../helpers/assert.js';
import { describeFamily } from '../helpers/family-checks.js';
import { expectMeanGradient, pathwiseGrads } from '../helpers/reparam.js';
import { digamma64, lgamma64 } from '../helpers/special-ref.js';

const as = [0.5, 2, 6, 3];
const bs = [1, 0.5, 2, 4];
const xs = [0.2, 1, 0.4, 7];
// log p = a log b - lgamma(a) - (a + 1) log x - b / x
const logPdf = (a: number, b: number, x: number): number => a * Math.log(b) - lgamma64(a) - (a + 1) * Math.log(x) - b / x;
// excess kurtosis 6 (5a - 11) / ((a - 3)(a - 4)), finite for a > 4
const A = 9;
const B = 2;

describeFamily({
  family: 'InverseGamma',
  seed: 1301,
  scalar: () => new InverseGamma(A, B),
  batched: () => new InverseGamma([[5, 6, 7], [8, 9, 10]], 2),
  logProb: { dist: () => new InverseGamma(as, bs), values: xs, expected: as.map((a, i) => logPdf(a, bs[i]!, xs[i]!)) },
  moments: { excessKurtosis: (6 * (5 * A - 11)) / ((A - 3) * (A - 4)) },
  entropy: true,
  rsample: { make: ([r]) => new InverseGamma(A, r!), params: [B] },
  invalid: [
    { make: () => new InverseGamma(0, 1), fragments: ['InverseGamma', "'concentration'", '> 0'] },
    { make: () => new InverseGamma(1, -2), fragments: ['InverseGamma', "'rate'", '> 0'] },
  ],
  outside: { value: 0, support: 'positive' },
  methods: ['mean', 'variance', 'entropy'],
});

describe('InverseGamma', () => {
  it('mean b/(a-1) (infinite for a <= 1), variance b^2/((a-1)^2 (a-2)) (infinite for a <= 2), closed-form entropy', () => {
    tf.tidy(() => {
      const d = new InverseGamma([0.5, 1.5, 4], 2);
      expectClose(d.mean, [Infinity, 4, 2 / 3], { rtol: 1e-6 });
      expectClose(d.variance, [Infinity, Infinity, 4 / (9 * 2)], { rtol: 1e-6 });
      const h = (a: number, b: number): number => a + Math.log(b) + lgamma64(a) - (1 + a) * digamma64(a);
      expectClose(d.entropy(), [h(0.5, 2), h(1.5, 2), h(4, 2)], { atol: 1e-6, rtol: 1e-6 });
    });
  });
  it('has pathwise gradients with mean dE[x]/da = -b/(a-1)^2 and dE[x]/db = 1/(a-1) within 4 SE (a=4, b=2, N=20000)', () => {
    expectMeanGradient(pathwiseGrads((t) => new InverseGamma(t, 2), 4, 20_000, 1302), -2 / 9, 'd/da');
    expectMeanGradient(pathwiseGrads((t) => new InverseGamma(4, t), 2, 20_000, 1303), 1 / 3, 'd/db');
  });
});
