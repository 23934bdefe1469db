import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { Poisson } from '../../src/distributions/poisson.js';
import { ValueError } from '../../src/kernel/errors.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';
import { K, column, expectMatchesPmf, expectMoments, logFactorialRef } from './discrete-helpers.js';

const SEED = 7701;
const logPmf = (rate: number, k: number) => (k === 0 ? 0 : k * Math.log(rate)) - rate - logFactorialRef(k);

describe('Poisson', () => {
  // Rates on both sides of the Knuth / PTRS switch at 10.
  const rates = [0.7, 4, 25, 300];

  it('logProb equals k log λ - λ - log k! (double-precision reference)', () => {
    const ks = [0, 6, 19, 320];
    const lp = new Poisson(rates).logProb(ks);
    // At k = 320 the three terms are ~1.8e3, where float32 spacing is 1.2e-4: allow a few of those.
    expectClose(lp, rates.map((r, j) => logPmf(r, ks[j]!)), { atol: 6e-4, rtol: 1e-6 });
    expectClose(new Poisson(0).logProb([0, 1]), [0, -Infinity]);
    expectClose(new Poisson([2, 3]).logProb([1, 2]), [logPmf(2, 1), logPmf(3, 2)], { rtol: 1e-6 });
    expect(new Poisson(rates).logProb([[1], [2]]).shape).to.deep.equal([2, 4]);
  });

  it('logProb is differentiable in the rate: d/dλ = k/λ - 1', () => {
    const g = tf.grad((r: tf.Tensor) => tf.sum(new Poisson(r).logProb([0, 6, 19, 320])))(tf.tensor1d(rates));
    expectClose(g, rates.map((r, j) => [0, 6, 19, 320][j]! / r - 1), { rtol: 1e-5, atol: 1e-6 });
  });

  it('rejects negative or fractional values, or gives -Infinity without validation', () => {
    expectVinferError(() => new Poisson(2).logProb(-1), ValueError, 'Poisson.logProb', 'nonnegativeInteger');
    expectVinferError(() => new Poisson(2).logProb(0.5), ValueError, 'Poisson.logProb');
    expectClose(new Poisson(2, { validateArgs: false }).logProb([-1, 0.5, 1]), [-Infinity, -Infinity, Math.log(2) - 2], { rtol: 1e-6 });
  });

  it('rejects a negative rate, naming the family and argument', () => {
    expectVinferError(() => new Poisson([1, -0.5]), ValueError, 'Poisson', "'rate'", '>= 0');
    expectVinferError(() => new Poisson(NaN), ValueError, 'Poisson', "'rate'");
  });

  it('mean and variance equal the rate', () => {
    const d = new Poisson(rates);
    expectClose(d.mean, rates);
    expectClose(d.variance, rates);
  });

  const N = 20_000;
  it(`sample mean and variance match the rate within ${K} standard errors (N=${N}, k=${K})`, () => {
    const x = new Poisson(rates).sample(PRNGKey(SEED), [N]);
    expect(x.shape).to.deep.equal([N, 4]);
    const data = x.dataSync();
    rates.forEach((r, j) => expectMoments(column(data, 4, j), r, r, `rate=${r}`));
  });

  it(`frequencies match the pmf (chi-square at 1e-4, N=${N})`, () => {
    const data = new Poisson(rates).sample(PRNGKey(SEED + 1), [N]).dataSync();
    rates.forEach((r, j) => expectMatchesPmf(column(data, 4, j), (k) => Math.exp(logPmf(r, k)), Math.ceil(r + 8 * Math.sqrt(r) + 10), `rate=${r}`));
  });

  it('gives 0 for rate 0, is reproducible from the key, and leaks no tensors', () => {
    expect(Array.from(new Poisson(0).sample(PRNGKey(1), [10]).dataSync()).every((v) => v === 0)).to.equal(true);
    const d = new Poisson(rates);
    expect(Array.from(d.sample(PRNGKey(2), [3]).dataSync())).to.deep.equal(Array.from(d.sample(PRNGKey(2), [3]).dataSync()));
    expectNoTensorLeak(() => {
      const x = d.sample(PRNGKey(3), [5]);
      tf.dispose([x, d.logProb(x), d.mean, d.variance]);
    });
  });
});
