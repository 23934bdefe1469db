import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { Chi2 } from '../../src/distributions/chi2.js';
import { Gamma } from '../../src/distributions/gamma.js';
import { expectClose } from '../helpers/assert.js';
import { describeFamily } from '../helpers/family-checks.js';
import { expectMeanGradient, pathwiseGrads } from '../helpers/reparam.js';
import { lgamma64 } from '../helpers/special-ref.js';

const dfs = [1, 2, 5, 30];
const xs = [0.5, 3, 4, 25];
// log p = -(k/2) log 2 - lgamma(k/2) + (k/2 - 1) log x - x/2
const logPdf = (k: number, x: number): number => -(k / 2) * Math.LN2 - lgamma64(k / 2) + (k / 2 - 1) * Math.log(x) - x / 2;

describeFamily({
  family: 'Chi2',
  seed: 1201,
  scalar: () => new Chi2(5),
  batched: () => new Chi2([[1, 2, 3], [4, 5, 6]]),
  logProb: { dist: () => new Chi2(dfs), values: xs, expected: dfs.map((k, i) => logPdf(k, xs[i]!)) },
  moments: { excessKurtosis: 12 / 5 },
  entropy: true,
  invalid: [{ make: () => new Chi2(0), fragments: ['Chi2', "'df'", '> 0'] }],
  outside: { value: -2, support: 'positive' },
  methods: ['mean', 'variance', 'entropy'],
});

describe('Chi2', () => {
  it('is Gamma(df/2, 1/2): mean df, variance 2 df, and keeps df', () => {
    tf.tidy(() => {
      const d = new Chi2([3, 8]);
      expect(d).to.be.instanceOf(Gamma);
      expectClose(d.df, [3, 8]);
      expectClose(d.mean, [3, 8], { rtol: 1e-6 });
      expectClose(d.variance, [6, 16], { rtol: 1e-6 });
    });
  });
  it('has pathwise gradients with mean dE[x]/d df = 1 within 4 SE (df=3, N=20000)', () => {
    expectMeanGradient(pathwiseGrads((t) => new Chi2(t), 3, 20_000, 1202), 1, 'd/d df');
  });
});
