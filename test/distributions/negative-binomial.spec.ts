import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { NegativeBinomial } from '../../src/distributions/negative-binomial.js';
import { ValueError } from '../../src/kernel/errors.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';
import { K, column, expectMatchesPmf, expectMoments } from './discrete-helpers.js';

const SEED = 7901;

/** log P(k) = log Γ(k + r) - log Γ(r) - log k! + r log(1 - p) + k log p, with Γ ratios as products (r may be fractional). */
function logPmf(r: number, p: number, k: number): number {
  // log Γ(k + r) - log Γ(r) - log k! = Σ_{i<k} log((r + i)/(i + 1))
  let s = 0;
  for (let i = 0; i < k; i++) s += Math.log((r + i) / (i + 1));
  return s + r * Math.log1p(-p) + (k === 0 ? 0 : k * Math.log(p));
}

describe('NegativeBinomial', () => {
  const rs = [3, 0.7, 12.5];
  const ps = [0.4, 0.8, 0.25];
  const mean = (r: number, p: number) => (r * p) / (1 - p);
  const variance = (r: number, p: number) => (r * p) / (1 - p) ** 2;

  it('logProb counts successes before the r-th failure: Γ(k+r)/(Γ(r)k!) (1-p)^r p^k, probs and logits', () => {
    const ks = [0, 5, 9];
    const want = rs.map((r, j) => logPmf(r, ps[j]!, ks[j]!));
    expectClose(new NegativeBinomial(rs, ps).logProb(ks), want, { atol: 1e-5, rtol: 1e-5 });
    const logits = ps.map((p) => Math.log(p / (1 - p)));
    expectClose(new NegativeBinomial(rs, { logits }).logProb(ks), want, { atol: 1e-5, rtol: 1e-5 });
    expectClose(new NegativeBinomial(2, 0).logProb([0, 1]), [0, -Infinity]);
  });

  it('logProb is differentiable in totalCount and probs', () => {
    // d/dp = r·(-1/(1-p)) + k/p
    const g = tf.grad((p: tf.Tensor) => tf.sum(new NegativeBinomial(3, p).logProb([4, 0])))(tf.tensor1d([0.4, 0.6]));
    expectClose(g, [-3 / 0.6 + 4 / 0.4, -3 / 0.4], { rtol: 1e-5 });
    // d/dr = ψ(k + r) - ψ(r) + log(1 - p); at k = 1: 1/r + log(1 - p)
    const gr = tf.grad((r: tf.Tensor) => tf.sum(new NegativeBinomial(r, 0.3).logProb(1)))(tf.scalar(2.5));
    expectClose(gr, 1 / 2.5 + Math.log(0.7), { rtol: 1e-4 });
  });

  it('rejects invalid values and parameters with ValueErrors naming the argument', () => {
    expectVinferError(() => new NegativeBinomial(2, 0.5).logProb(-1), ValueError, 'NegativeBinomial.logProb', 'nonnegativeInteger');
    expectVinferError(() => new NegativeBinomial(2, 0.5).logProb(1.5), ValueError, 'NegativeBinomial.logProb');
    expectClose(new NegativeBinomial(2, 0.5, { validateArgs: false }).logProb([-1, 1.5]), [-Infinity, -Infinity]);
    expectVinferError(() => new NegativeBinomial(0, 0.5), ValueError, 'NegativeBinomial', "'totalCount'", '> 0');
    expectVinferError(() => new NegativeBinomial(2, 1), ValueError, 'NegativeBinomial', "'probs'", '[0, 1)');
    expectVinferError(() => new NegativeBinomial(2, -0.1), ValueError, 'NegativeBinomial', "'probs'");
  });

  it('mean r p/(1-p) and variance r p/(1-p)², for probs and logits', () => {
    for (const d of [new NegativeBinomial(rs, ps), new NegativeBinomial(rs, { logits: ps.map((p) => Math.log(p / (1 - p))) })]) {
      expectClose(d.mean, rs.map((r, j) => mean(r, ps[j]!)), { rtol: 1e-5 });
      expectClose(d.variance, rs.map((r, j) => variance(r, ps[j]!)), { rtol: 1e-5 });
    }
  });

  const N = 20_000;
  it(`sample mean and variance within ${K} standard errors (N=${N}, k=${K})`, () => {
    const x = new NegativeBinomial(rs, ps).sample(PRNGKey(SEED), [N]);
    expect(x.shape).to.deep.equal([N, 3]);
    const data = x.dataSync();
    rs.forEach((r, j) => expectMoments(column(data, 3, j), mean(r, ps[j]!), variance(r, ps[j]!), `r=${r} p=${ps[j]}`));
  });

  it(`frequencies match the pmf (chi-square at 1e-4, N=${N}), probs and logits`, () => {
    const data = new NegativeBinomial(rs, ps).sample(PRNGKey(SEED + 1), [N]).dataSync();
    rs.forEach((r, j) => expectMatchesPmf(column(data, 3, j), (k) => Math.exp(logPmf(r, ps[j]!, k)), 200, `r=${r}`));
    const dl = new NegativeBinomial(4, { logits: 0.5 }).sample(PRNGKey(SEED + 2), [N]).dataSync();
    expectMatchesPmf(dl, (k) => Math.exp(logPmf(4, 1 / (1 + Math.exp(-0.5)), k)), 200, 'logits');
  });

  it('gives 0 at p = 0 and leaks no tensors', () => {
    expect(Array.from(new NegativeBinomial(3, 0).sample(PRNGKey(1), [10]).dataSync()).every((v) => v === 0)).to.equal(true);
    const d = new NegativeBinomial(rs, ps);
    expectNoTensorLeak(() => {
      const x = d.sample(PRNGKey(2), [4]);
      tf.dispose([x, d.logProb(x), d.mean, d.variance]);
    });
  });
});
