import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { LowRankMultivariateNormal } from '../../src/distributions/low-rank-multivariate-normal.js';
import { MultivariateNormal } from '../../src/distributions/multivariate-normal.js';
import { ValueError } from '../../src/kernel/errors.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';
import { expectMeanGradient, pathwiseGrads } from '../helpers/reparam.js';

const K = 4; // standard errors: two-sided false-failure rate ~6e-5 per check
const N = 20_000;

const loc = [0.5, -1, 2, 0];
const w = [
  [1, 0.2],
  [0.5, -0.3],
  [-0.4, 0.8],
  [0.1, 0.1],
];
const dg = [0.5, 1, 0.3, 2];
/** W W^T + diag(D) in double precision. */
const cov = loc.map((_, i) => loc.map((__, j) => w[i]!.reduce((s, v, k) => s + v * w[j]![k]!, 0) + (i === j ? dg[i]! : 0)));

function mvnLogPdf64(x: number[], mu: number[], s: number[][]): number {
  const n = x.length;
  const l = s.map(() => new Array<number>(n).fill(0));
  for (let j = 0; j < n; j++) {
    let d = s[j]![j]!;
    for (let k = 0; k < j; k++) d -= l[j]![k]! ** 2;
    l[j]![j] = Math.sqrt(d);
    for (let i = j + 1; i < n; i++) {
      let t = s[i]![j]!;
      for (let k = 0; k < j; k++) t -= l[i]![k]! * l[j]![k]!;
      l[i]![j] = t / l[j]![j]!;
    }
  }
  const z: number[] = [];
  let logDet = 0;
  for (let i = 0; i < n; i++) {
    let r = x[i]! - mu[i]!;
    for (let j = 0; j < i; j++) r -= l[i]![j]! * z[j]!;
    z.push(r / l[i]![i]!);
    logDet += 2 * Math.log(l[i]![i]!);
  }
  return -0.5 * (z.reduce((t, v) => t + v * v, 0) + logDet + n * Math.log(2 * Math.PI));
}

describe('LowRankMultivariateNormal', () => {
  it('logProb (Woodbury and determinant lemma) matches the dense double-precision density, with sample dims', () => {
    tf.tidy(() => {
      const d = new LowRankMultivariateNormal(loc, w, dg);
      expect(d.batchShape).to.deep.equal([]);
      expect(d.eventShape).to.deep.equal([4]);
      const x = d.sample(PRNGKey(1801), [5]);
      expect(x.shape).to.deep.equal([5, 4]);
      const xv = x.arraySync() as number[][];
      expectClose(d.logProb(x), xv.map((v) => mvnLogPdf64(v, loc, cov)), { atol: 1e-5, rtol: 1e-5 });
    });
  });

  it('covariance, precision and scaleTril getters agree with the dense MultivariateNormal', () => {
    tf.tidy(() => {
      const d = new LowRankMultivariateNormal(loc, w, dg);
      const dense = new MultivariateNormal(loc, { covarianceMatrix: cov });
      expectClose(d.covarianceMatrix, cov.flat(), { atol: 1e-6, rtol: 1e-6 });
      expectClose(d.precisionMatrix, dense.precisionMatrix, { atol: 1e-5, rtol: 1e-5 });
      expectClose(d.scaleTril, dense.scaleTril, { atol: 1e-6, rtol: 1e-5 });
      expectClose(d.mean, loc);
      expectClose(d.variance, cov.map((r, i) => r[i]!), { rtol: 1e-6 });
      expectClose(d.entropy(), dense.entropy(), { rtol: 1e-6 });
    });
  });

  it('broadcasts batch dims of loc, covFactor and covDiag', () => {
    tf.tidy(() => {
      const d = new LowRankMultivariateNormal(loc, [w, w, w], dg);
      expect(d.batchShape).to.deep.equal([3]);
      const x = d.sample(PRNGKey(1802), [2]);
      expect(x.shape).to.deep.equal([2, 3, 4]);
      expect(d.logProb(x).shape).to.deep.equal([2, 3]);
      expect(d.logProb(loc).shape).to.deep.equal([3]);
      expect(d.entropy().shape).to.deep.equal([3]);
    });
  });

  it(`has sample means and covariances within ${K} standard errors (N=${N})`, () => {
    const x = tf.tidy(() => new LowRankMultivariateNormal(loc, w, dg).sample(PRNGKey(1803), [N]).arraySync() as number[][]);
    for (let i = 0; i < 4; i++) {
      let m = 0;
      for (const r of x) m += r[i]!;
      expect(m / N, `mean ${i}`).to.be.closeTo(loc[i]!, K * Math.sqrt(cov[i]![i]! / N));
      for (let j = 0; j <= i; j++) {
        let c = 0;
        for (const r of x) c += (r[i]! - loc[i]!) * (r[j]! - loc[j]!);
        // Var of a Gaussian cross-moment: (S_ii S_jj + S_ij^2) / N
        expect(c / N, `cov ${i},${j}`).to.be.closeTo(cov[i]![j]!, K * Math.sqrt((cov[i]![i]! * cov[j]![j]! + cov[i]![j]! ** 2) / N));
      }
    }
  });

  it(`has pathwise gradients with mean dE|x|^2/dW = 2W and dE|x|^2/dD = 1 within ${K} SE (N=${N})`, () => {
    const sq = (x: tf.Tensor): tf.Tensor => tf.sum(tf.square(x), -1);
    const gw = pathwiseGrads((t) => new LowRankMultivariateNormal(loc, t, dg, { validateArgs: false }), w, N, 1804, sq);
    for (const [i, k] of [
      [0, 0],
      [2, 1],
    ] as const) {
      expectMeanGradient(Float32Array.from({ length: N }, (_, n) => gw[n * 8 + i * 2 + k]!), 2 * w[i]![k]!, `dW_${i}${k}`);
    }
    const gd = pathwiseGrads((t) => new LowRankMultivariateNormal(loc, w, t, { validateArgs: false }), dg, N, 1805, sq);
    expectMeanGradient(Float32Array.from({ length: N }, (_, n) => gd[n * 4 + 1]!), 1, 'dD_1');
  });

  it('logProb gradients match those of the dense MultivariateNormal built from W W^T + D', () => {
    tf.tidy(() => {
      const x = tf.tensor1d([0.3, -0.2, 1.5, 0.4]);
      const lowRank = (m: tf.Tensor, f: tf.Tensor, d: tf.Tensor): tf.Tensor => new LowRankMultivariateNormal(m, f, d).logProb(x);
      const dense = (m: tf.Tensor, f: tf.Tensor, d: tf.Tensor): tf.Tensor =>
        new MultivariateNormal(m, { covarianceMatrix: tf.add(tf.matMul(f, f, false, true), tf.mul(tf.eye(4), d)) }).logProb(x);
      const args = [tf.tensor1d(loc), tf.tensor2d(w), tf.tensor1d(dg)];
      const g1 = tf.grads(lowRank)(args);
      const g2 = tf.grads(dense)(args);
      g1.forEach((g, i) => expectClose(g, g2[i]!, { atol: 1e-5, rtol: 1e-4 }));
    });
  });

  it('rejects mismatched shapes and a non-positive covDiag with ValueErrors naming the family', () => {
    expectVinferError(() => new LowRankMultivariateNormal([0, 0, 0], w, dg), ValueError, 'LowRankMultivariateNormal', 'd = 4');
    expectVinferError(() => new LowRankMultivariateNormal(loc, [1, 2, 3, 4], dg), ValueError, "'covFactor'");
    expectVinferError(() => new LowRankMultivariateNormal(loc, w, [1, 0, 1, 1]), ValueError, 'LowRankMultivariateNormal', "'covDiag'", '> 0');
  });

  it('leaks no tensors in sample, logProb, getters and gradients', () => {
    const [m, f, d] = [tf.tensor1d(loc), tf.tensor2d(w), tf.tensor1d(dg)];
    expectNoTensorLeak(() => {
      tf.tidy(() => {
        const p = new LowRankMultivariateNormal(m, f, d);
        tf.dispose([p.sample(PRNGKey(1), [3]), p.logProb(m), p.mean, p.variance, p.entropy(), p.precisionMatrix, p.covarianceMatrix, p.scaleTril]);
        tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(new LowRankMultivariateNormal(a, b, c).rsample(PRNGKey(2), [3])))([m, f, d]);
        tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => new LowRankMultivariateNormal(a, b, c).logProb(m))([m, f, d]);
      });
    });
    tf.dispose([m, f, d]);
  });
});
