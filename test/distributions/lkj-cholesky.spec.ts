import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { corrCholesky } from '../../src/distributions/constraints.js';
import { LKJCholesky } from '../../src/distributions/lkj-cholesky.js';
import { ValueError } from '../../src/kernel/errors.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';
import { expectMeanGradient, pathwiseGrads } from '../helpers/reparam.js';
import { lgamma64 } from '../helpers/special-ref.js';
import { meanVar } from '../helpers/stats.js';

const K = 4; // standard errors: two-sided false-failure rate ~6e-5 per check
const N = 20_000;
const lbeta64 = (a: number, b: number): number => lgamma64(a) + lgamma64(b) - lgamma64(a + b);

/**
 * log density of a Cholesky factor L under LKJ(eta), from Lewandowski, Kurowicka and Joe (2009):
 * the correlation matrix R = L L^T has density det(R)^(eta-1) / c_d with
 * c_d = 2^{sum_k (2 eta - 2 + d - k)(d - k)} prod_k B(eta + (d-k-1)/2, eta + (d-k-1)/2)^(d-k), k = 1..d-1,
 * and the map from L to R has Jacobian prod_i L_ii^(d - i) (i = 1..d).
 */
function lkjCholLogPdf64(l: number[][], eta: number): number {
  const d = l.length;
  let logC = 0;
  for (let k = 1; k <= d - 1; k++) {
    const b = eta + (d - k - 1) / 2;
    logC += (2 * eta - 2 + d - k) * (d - k) * Math.LN2 + (d - k) * lbeta64(b, b);
  }
  let s = 0;
  for (let i = 0; i < d; i++) s += (2 * (eta - 1) + (d - 1 - i)) * Math.log(l[i]![i]!);
  return s - logC;
}

describe('LKJCholesky', () => {
  for (const [d, eta] of [
    [2, 1],
    [2, 3.5],
    [3, 0.6],
    [4, 2],
    [6, 1.3],
  ] as const) {
    it(`logProb matches the normalised LKJ density of Lewandowski et al. (d=${d}, eta=${eta})`, () => {
      tf.tidy(() => {
        const lkj = new LKJCholesky(d, eta);
        const l = lkj.sample(PRNGKey(1900 + d), [3]);
        expect(l.shape).to.deep.equal([3, d, d]);
        const ls = l.arraySync() as number[][][];
        expectClose(lkj.logProb(l), ls.map((m) => lkjCholLogPdf64(m, eta)), { atol: 2e-5, rtol: 2e-5 });
      });
    });
  }

  it('for d = 2 is the density (1 - r^2)^(eta - 1) / B(1/2, eta) of the correlation r', () => {
    tf.tidy(() => {
      const eta = 2.5;
      const rs = [-0.9, 0, 0.3];
      const ls = rs.map((r) => [
        [1, 0],
        [r, Math.sqrt(1 - r * r)],
      ]);
      expectClose(new LKJCholesky(2, eta).logProb(ls), rs.map((r) => (eta - 1) * Math.log1p(-r * r) - lbeta64(0.5, eta)), { atol: 1e-6, rtol: 1e-5 });
    });
  });

  it(`draws Cholesky factors of correlation matrices whose correlations have the Beta marginal moments within ${K} SE (d=4, eta=1.5, N=${N})`, () => {
    const [d, eta] = [4, 1.5];
    const { r10, r32, ok } = tf.tidy(() => {
      const l = new LKJCholesky(d, eta).sample(PRNGKey(1910), [N]);
      const r = tf.matMul(l, l, false, true);
      return {
        r10: tf.slice(r, [0, 1, 0], [N, 1, 1]).dataSync(),
        r32: tf.slice(r, [0, 3, 2], [N, 1, 1]).dataSync(),
        ok: tf.min(corrCholesky.check(l)).dataSync()[0]!,
      };
    });
    expect(ok, 'draws lie in corrCholesky').to.equal(1);
    // Each correlation is 2B - 1 with B ~ Beta(a, a), a = eta - 1 + d/2: variance 1/(2a+1),
    // fourth moment 3/((2a+1)(2a+3)).
    const a = eta - 1 + d / 2;
    const v = 1 / (2 * a + 1);
    const m4 = 3 / ((2 * a + 1) * (2 * a + 3));
    for (const [name, r] of [
      ['r10', r10],
      ['r32', r32],
    ] as const) {
      const { mean, variance } = meanVar(r);
      expect(mean, `${name} mean`).to.be.closeTo(0, K * Math.sqrt(v / N));
      expect(variance, `${name} variance`).to.be.closeTo(v, K * Math.sqrt((m4 - v * v) / N));
    }
  });

  it(`has pathwise gradients with mean dE[L_11^2]/d eta = 1/(2 (eta + (d-1)/2)^2) within ${K} SE (d=3, eta=0.8, N=${N})`, () => {
    // L_11^2 = 1 - y with y ~ Beta(1/2, eta + (d-2)/2), so E[L_11^2] = 1 - 1/(2 eta + d - 1).
    const [d, eta] = [3, 0.8];
    const g = pathwiseGrads((t) => new LKJCholesky(d, t), eta, N, 1911, (l) => tf.reshape(tf.square(tf.slice(l, [0, 1, 1], [-1, 1, 1])), [-1]));
    expectMeanGradient(g, 0.5 / (eta + (d - 1) / 2) ** 2, 'd/d eta');
  });

  it('batches over the concentration', () => {
    tf.tidy(() => {
      const lkj = new LKJCholesky(3, [0.5, 2]);
      expect(lkj.batchShape).to.deep.equal([2]);
      expect(lkj.eventShape).to.deep.equal([3, 3]);
      const l = lkj.sample(PRNGKey(1912), [5]);
      expect(l.shape).to.deep.equal([5, 2, 3, 3]);
      expect(lkj.logProb(l).shape).to.deep.equal([5, 2]);
    });
  });

  it('rejects a bad dimension, concentration or sample method, and values outside corrCholesky', () => {
    expectVinferError(() => new LKJCholesky(1), ValueError, 'LKJCholesky', "'dimension'", '>= 2');
    expectVinferError(() => new LKJCholesky(2.5), ValueError, "'dimension'");
    expectVinferError(() => new LKJCholesky(3, 0), ValueError, 'LKJCholesky', "'concentration'", '> 0');
    expectVinferError(() => new LKJCholesky(3, 1, { sampleMethod: 'cvine' as 'onion' }), ValueError, "'sampleMethod'");
    tf.tidy(() => {
      const bad = [
        [1, 0],
        [0.5, 0.5],
      ];
      expectVinferError(() => new LKJCholesky(2).logProb(bad), ValueError, 'LKJCholesky.logProb', 'corrCholesky');
    });
  });

  it('leaks no tensors in sample, logProb and gradients', () => {
    const c = tf.scalar(1.5);
    expectNoTensorLeak(() => {
      tf.tidy(() => {
        const lkj = new LKJCholesky(3, c);
        const l = lkj.sample(PRNGKey(1), [2]);
        lkj.logProb(l);
        tf.grad((t: tf.Tensor) => tf.sum(new LKJCholesky(3, t).rsample(PRNGKey(2), [2])))(c);
        tf.grad((t: tf.Tensor) => tf.sum(new LKJCholesky(3, t).logProb(l)))(c);
      });
    });
    c.dispose();
  });
});
