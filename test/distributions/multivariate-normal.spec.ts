import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { MultivariateNormal } from '../../src/distributions/multivariate-normal.js';
import { NumericalError, ValueError } from '../../src/kernel/errors.js';
import { PRNGKey, normals } from '../../src/kernel/rng.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';
import { expectMeanGradient, pathwiseGrads } from '../helpers/reparam.js';
import { meanVar } from '../helpers/stats.js';

const K = 4; // standard errors: two-sided false-failure rate ~6e-5 per check
const N = 20_000;

/** Double-precision Cholesky of a row-major n x n matrix. */
function chol64(a: number[][]): number[][] {
  const n = a.length;
  const l = a.map(() => new Array<number>(n).fill(0));
  for (let j = 0; j < n; j++) {
    let d = a[j]![j]!;
    for (let k = 0; k < j; k++) d -= l[j]![k]! ** 2;
    l[j]![j] = Math.sqrt(d);
    for (let i = j + 1; i < n; i++) {
      let s = a[i]![j]!;
      for (let k = 0; k < j; k++) s -= l[i]![k]! * l[j]![k]!;
      l[i]![j] = s / l[j]![j]!;
    }
  }
  return l;
}

/** log N(x; mu, S) in double precision: forward substitution with chol(S). */
function mvnLogPdf64(x: number[], mu: number[], s: number[][]): number {
  const l = chol64(s);
  const n = x.length;
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

function inv64(s: number[][]): number[][] {
  // Gauss–Jordan on [S | I]
  const n = s.length;
  const m = s.map((r, i) => [...r, ...r.map((_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    const p = m[c]![c]!;
    for (let j = 0; j < 2 * n; j++) m[c]![j]! /= p;
    for (let i = 0; i < n; i++) {
      if (i === c) continue;
      const f = m[i]![c]!;
      for (let j = 0; j < 2 * n; j++) m[i]![j]! -= f * m[c]![j]!;
    }
  }
  return m.map((r) => r.slice(n));
}

const cov = [
  [2, 0.6, -0.3],
  [0.6, 1, 0.2],
  [-0.3, 0.2, 0.5],
];
const loc = [1, -0.5, 0.25];

describe('MultivariateNormal', () => {
  it('logProb matches the double-precision density for all three parameterisations', () => {
    tf.tidy(() => {
      const xs = [
        [0.3, 0.2, 0.1],
        [-1, 2, 0.5],
      ];
      const want = xs.map((x) => mvnLogPdf64(x, loc, cov));
      const byCov = new MultivariateNormal(loc, { covarianceMatrix: cov });
      const byPrec = new MultivariateNormal(loc, { precisionMatrix: inv64(cov) });
      const byTril = new MultivariateNormal(loc, { scaleTril: chol64(cov) });
      for (const d of [byCov, byPrec, byTril]) {
        expect(d.batchShape).to.deep.equal([]);
        expect(d.eventShape).to.deep.equal([3]);
        expectClose(d.logProb(xs), want, { atol: 1e-5, rtol: 1e-5 });
        expectClose(d.scaleTril, chol64(cov).flat(), { atol: 1e-6, rtol: 1e-5 });
        expectClose(d.covarianceMatrix, cov.flat(), { atol: 1e-6, rtol: 1e-5 });
        expectClose(d.precisionMatrix, inv64(cov).flat(), { atol: 1e-5, rtol: 1e-5 });
      }
    });
  });

  it('broadcasts batch dims of loc and the matrix with sample dims of the value', () => {
    tf.tidy(() => {
      const locs = [loc, [0, 0, 0]]; // batch [2]
      const d = new MultivariateNormal(locs, { scaleTril: chol64(cov) });
      expect(d.batchShape).to.deep.equal([2]);
      const x = d.sample(PRNGKey(1701), [4]);
      expect(x.shape).to.deep.equal([4, 2, 3]);
      const lp = d.logProb(x);
      expect(lp.shape).to.deep.equal([4, 2]);
      const xv = x.arraySync() as number[][][];
      expectClose(lp, xv.flatMap((row) => row.map((v, b) => mvnLogPdf64(v, locs[b]!, cov))), { atol: 1e-5, rtol: 1e-5 });
      const batchedMatrix = new MultivariateNormal(0, { covarianceMatrix: [cov, [[1, 0, 0], [0, 1, 0], [0, 0, 1]]] });
      expect(batchedMatrix.batchShape).to.deep.equal([2]);
      expect(batchedMatrix.logProb([0, 0, 0]).shape).to.deep.equal([2]);
      expect(d.expand([5, 2]).sample(PRNGKey(1), [3]).shape).to.deep.equal([3, 5, 2, 3]);
    });
  });

  it('mean, variance (diagonal of the covariance) and entropy from the closed forms', () => {
    tf.tidy(() => {
      const d = new MultivariateNormal(loc, { covarianceMatrix: cov });
      expectClose(d.mean, loc);
      expectClose(d.variance, [2, 1, 0.5], { rtol: 1e-6 });
      const logDet = 2 * chol64(cov).reduce((s, r, i) => s + Math.log(r[i]!), 0);
      expectClose(d.entropy(), 0.5 * (3 * (1 + Math.log(2 * Math.PI)) + logDet), { rtol: 1e-6 });
    });
  });

  it(`has sample means and covariances within ${K} standard errors (N=${N})`, () => {
    const x = tf.tidy(() => new MultivariateNormal(loc, { covarianceMatrix: cov }).sample(PRNGKey(1702), [N]).arraySync() as number[][]);
    for (let i = 0; i < 3; i++) {
      const { mean } = meanVar(x.map((r) => r[i]!));
      expect(mean, `mean ${i}`).to.be.closeTo(loc[i]!, K * Math.sqrt(cov[i]![i]! / N));
      for (let j = 0; j <= i; j++) {
        let c = 0;
        for (const r of x) c += (r[i]! - loc[i]!) * (r[j]! - loc[j]!);
        c /= N;
        // Var of a Gaussian cross-moment: (S_ii S_jj + S_ij^2) / N
        const se = Math.sqrt((cov[i]![i]! * cov[j]![j]! + cov[i]![j]! ** 2) / N);
        expect(c, `cov ${i},${j}`).to.be.closeTo(cov[i]![j]!, K * se);
      }
    }
  });

  it(`has pathwise gradients with mean dE[x_0^2 + x_1^2 + x_2^2]/dL = 2L within ${K} SE (N=${N})`, () => {
    // E|x|^2 = |loc|^2 + tr(L L^T), so d/dL_ij = 2 L_ij on the lower triangle.
    const l = chol64(cov);
    const g = pathwiseGrads((t) => new MultivariateNormal(loc, { scaleTril: t, validateArgs: false }), l, N, 1703, (x) => tf.sum(tf.square(x), -1));
    for (const [i, j] of [
      [0, 0],
      [1, 0],
      [2, 1],
      [2, 2],
    ] as const) {
      const gij = Float32Array.from({ length: N }, (_, n) => g[n * 9 + i * 3 + j]!);
      expectMeanGradient(gij, 2 * l[i]![j]!, `dL_${i}${j}`);
    }
  });

  it('logProb has gradients S^-1 r in loc, (S^-1 r r^T S^-1 - S^-1)/2 in the covariance, (S - r r^T)/2 in the precision', () => {
    tf.tidy(() => {
      const x = [0.5, 0.1, -0.4];
      const [gl, gc] = tf.grads((m: tf.Tensor, c: tf.Tensor) => new MultivariateNormal(m, { covarianceMatrix: c }).logProb(x))([
        tf.tensor1d(loc),
        tf.tensor2d(cov),
      ]);
      const p = inv64(cov);
      const r = x.map((v, i) => v - loc[i]!);
      const pr = p.map((row) => row.reduce((s, v, k) => s + v * r[k]!, 0));
      expectClose(gl!, pr, { atol: 1e-5, rtol: 1e-4 });
      const want = p.map((row, i) => row.map((v, j) => 0.5 * (pr[i]! * pr[j]! - v)));
      expectClose(gc!, want.flat(), { atol: 1e-5, rtol: 1e-4 });
      // With the precision P: log N = log det(P)/2 - r^T P r / 2 + c, so d/dP = (S - r r^T)/2.
      const gp = tf.grad((q: tf.Tensor) => new MultivariateNormal(loc, { precisionMatrix: q }).logProb(x))(tf.tensor2d(p));
      expectClose(gp, cov.flatMap((row, i) => row.map((v, j) => 0.5 * (v - r[i]! * r[j]!))), { atol: 1e-5, rtol: 1e-4 });
    });
  });

  it('keeps float32 accuracy at d = 50: logProb within 1e-5 relative of double precision', () => {
    tf.tidy(() => {
      const n = 50;
      const m = normals(PRNGKey(1704), n * n);
      const s = Array.from({ length: n }, (_, i) =>
        Array.from({ length: n }, (_, j) => {
          let t = 0;
          for (let k = 0; k < n; k++) t += m[i * n + k]! * m[j * n + k]!;
          return Math.fround(t / n + (i === j ? 0.5 : 0));
        }),
      );
      const mu = new Array<number>(n).fill(0);
      const x = Array.from(normals(PRNGKey(1705), n)).map(Math.fround);
      const d = new MultivariateNormal(mu, { covarianceMatrix: s });
      const want = mvnLogPdf64(x, mu, s);
      expectClose(d.logProb(x), want, { rtol: 1e-5 });
    });
  });

  it('rejects missing, repeated or ill-shaped matrices and invalid values with ValueErrors naming the argument', () => {
    expectVinferError(() => new MultivariateNormal([0, 0]), ValueError, 'MultivariateNormal', 'exactly one');
    expectVinferError(
      () => new MultivariateNormal([0, 0], { covarianceMatrix: [[1, 0], [0, 1]], scaleTril: [[1, 0], [0, 1]] }),
      ValueError,
      'covarianceMatrix, scaleTril',
    );
    expectVinferError(() => new MultivariateNormal([0, 0], { covarianceMatrix: [[1, 0, 0], [0, 1, 0]] }), ValueError, "'covarianceMatrix'", '[2, 3]');
    expectVinferError(() => new MultivariateNormal([0, 0, 0], { covarianceMatrix: [[1, 0], [0, 1]] }), ValueError, "'loc'");
    expectVinferError(() => new MultivariateNormal([0, 0], { covarianceMatrix: [[1, 2], [2, 1]] }), ValueError, 'MultivariateNormal', "'covarianceMatrix'", 'positive definite');
    expectVinferError(() => new MultivariateNormal([0, 0], { scaleTril: [[1, 0], [0.5, -1]] }), ValueError, "'scaleTril'");
    expectVinferError(
      () => new MultivariateNormal([0, 0], { covarianceMatrix: [[1, 2], [2, 1]], validateArgs: false }),
      NumericalError,
      'cholesky',
      'jitter',
    );
  });

  it('leaks no tensors in sample, logProb, getters and gradients', () => {
    const c = tf.tensor2d(cov);
    const m = tf.tensor1d(loc);
    const v = tf.tensor1d([0, 1, 2]);
    expectNoTensorLeak(() => {
      tf.tidy(() => {
        const d = new MultivariateNormal(m, { covarianceMatrix: c });
        tf.dispose([d.sample(PRNGKey(1), [3]), d.logProb(v), d.mean, d.variance, d.entropy(), d.precisionMatrix, d.covarianceMatrix]);
        tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(new MultivariateNormal(a, { covarianceMatrix: b }).rsample(PRNGKey(2), [3])))([m, c]);
        tf.grads((a: tf.Tensor, b: tf.Tensor) => new MultivariateNormal(a, { precisionMatrix: b }).logProb(v))([m, c]);
      });
    });
    tf.dispose([c, m, v]);
  });
});
