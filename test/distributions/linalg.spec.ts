import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { NumericalError, ValueError } from '../../src/kernel/errors.js';
import { PRNGKey, normals } from '../../src/kernel/rng.js';
import {
  cholesky,
  choleskyInverse,
  choleskySolve,
  diagEmbed,
  diagPart,
  logDetFromCholesky,
  matrixTranspose,
  triangularInverse,
  triangularSolve,
  tril,
} from '../../src/distributions/linalg.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';

const SEED = 20240611;

/** A well-conditioned SPD matrix M M^T / n + I from seeded normals, as a flat row-major array. */
function spd(n: number, seed: number): number[] {
  const m = normals(PRNGKey(seed), n * n);
  const a: number[] = new Array(n * n).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += m[i * n + k]! * m[j * n + k]!;
      a[i * n + j] = Math.fround(s / n + (i === j ? 1 : 0));
    }
  }
  return a;
}

/** Double-precision Cholesky written in the column (Cholesky–Crout) order, as a reference. */
function chol64(a: number[], n: number): number[] {
  const l = new Array<number>(n * n).fill(0);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d -= l[j * n + k]! ** 2;
    l[j * n + j] = Math.sqrt(d);
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = s / l[j * n + j]!;
    }
  }
  return l;
}

/** Double-precision lower-triangular solve L X = B (B: n x k). */
function solveLower64(l: number[], b: number[], n: number, k: number): number[] {
  const x = [...b];
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      let s = x[i * k + c]!;
      for (let j = 0; j < i; j++) s -= l[i * n + j]! * x[j * k + c]!;
      x[i * k + c] = s / l[i * n + i]!;
    }
  }
  return x;
}

function matmulT(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.matMul(a, b, false, true);
}

describe('linalg', () => {
  describe('cholesky', () => {
    it('reconstructs L L^T = A, is lower triangular, and matches a float64 factor (batched [2, 3, 4, 4])', () => {
      const mats = Array.from({ length: 6 }, (_, i) => spd(4, SEED + i));
      const a = tf.tensor(mats.flat(), [2, 3, 4, 4]);
      const l = cholesky(a);
      expect(l.shape).to.deep.equal([2, 3, 4, 4]);
      expectClose(matmulT(l, l), a, { atol: 1e-6, rtol: 1e-6 });
      expectClose(tf.sub(l, tril(l)), 0);
      expectClose(l, mats.flatMap((m) => chol64(m, 4)), { atol: 1e-6, rtol: 1e-6 });
    });

    it('keeps float32 accuracy at d = 200: max |L L^T - A| below 2e-6 max |A|', () => {
      const n = 200;
      const a = tf.tensor2d(spd(n, SEED), [n, n]);
      const l = cholesky(a);
      const err = tf.max(tf.abs(tf.sub(matmulT(l, l), a))).dataSync()[0]!;
      const scale = tf.max(tf.abs(a)).dataSync()[0]!;
      // float32 rounding of L (relative 6e-8) accumulated over sums of n = 200 products.
      expect(err / scale).to.be.below(2e-6);
      const b = tf.tensor2d(Float32Array.from(normals(PRNGKey(SEED + 1), n * 3)), [n, 3]);
      const x = choleskySolve(l, b);
      const resid = tf.max(tf.abs(tf.sub(tf.matMul(a, x), b))).dataSync()[0]!;
      expect(resid).to.be.below(1e-4);
    });

    it('throws NumericalError naming cholesky and suggesting jitter for a matrix that is not positive definite', () => {
      expectVinferError(() => cholesky(tf.tensor2d([1, 2, 2, 1], [2, 2])), NumericalError, 'cholesky', 'not positive definite', 'jitter');
      expectVinferError(() => cholesky(tf.tensor2d([1, 0, 0, NaN], [2, 2])), NumericalError, 'cholesky');
      expectVinferError(() => cholesky(tf.zeros([2, 3])), ValueError, 'cholesky', '[2, 3]');
    });

    it('has the symmetric gradient of Murray (2016), matching float64 finite differences', () => {
      const n = 4;
      const am = spd(n, SEED + 7);
      const w = Array.from(normals(PRNGKey(SEED + 8), n * n));
      // f(A) = sum(W .* chol(A)); FD in double along symmetric perturbations E_ij + E_ji.
      const f64 = (m: number[]): number => chol64(m, n).reduce((s, v, i) => s + v * w[i]!, 0);
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(cholesky(a), tf.tensor2d(w, [n, n]))))(tf.tensor2d(am, [n, n]));
      const gv = g.dataSync();
      const h = 1e-6;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j <= i; j++) {
          const up = [...am];
          const dn = [...am];
          up[i * n + j]! += h;
          dn[i * n + j]! -= h;
          if (i !== j) {
            up[j * n + i]! += h;
            dn[j * n + i]! -= h;
          }
          const fd = (f64(up) - f64(dn)) / (2 * h);
          const an = i === j ? gv[i * n + i]! : gv[i * n + j]! + gv[j * n + i]!;
          expect(an, `entry (${i}, ${j})`).to.be.closeTo(fd, 1e-4 * (1 + Math.abs(fd)));
        }
      }
      expectClose(g, matrixTranspose(g), { atol: 1e-7 }); // symmetric
    });
  });

  describe('triangularSolve', () => {
    const n = 5;
    const k = 3;
    const lmat = chol64(spd(n, SEED + 2), n);
    const bmat = Array.from(normals(PRNGKey(SEED + 3), n * k));

    for (const lower of [true, false]) {
      for (const transpose of [false, true]) {
        it(`solves op(A) X = B (lower=${lower}, transpose=${transpose})`, () => {
          const l = tf.tensor2d(lmat, [n, n]);
          const a = lower ? l : matrixTranspose(l);
          // Fill the unused triangle with junk: it must never be read.
          const junk = tf.add(a, tf.mul(tril(tf.ones([n, n]), !lower), 100));
          const withJunk = tf.sub(junk, tf.mul(tf.eye(n), 100));
          const x = triangularSolve(withJunk, tf.tensor2d(bmat, [n, k]), { lower, transpose });
          const opA = transpose ? matrixTranspose(a) : a;
          expectClose(tf.matMul(opA, x), bmat, { atol: 2e-6, rtol: 1e-5 });
        });
      }
    }

    it('broadcasts batch dims: [3, n, n] against [n, k], and [n, n] against [4, 2, n, k] (folded into columns)', () => {
      const ls = tf.stack([0, 1, 2].map((i) => tf.tensor2d(chol64(spd(n, SEED + 10 + i), n), [n, n])));
      const b = tf.tensor2d(bmat, [n, k]);
      const x = triangularSolve(ls, b);
      expect(x.shape).to.deep.equal([3, n, k]);
      expectClose(tf.matMul(ls, x), tf.broadcastTo(b, [3, n, k]), { atol: 2e-6, rtol: 1e-5 });
      const bs = tf.tensor(Float32Array.from(normals(PRNGKey(SEED + 4), 8 * n * k)), [4, 2, n, k]);
      const l = tf.tensor2d(lmat, [n, n]);
      const xs = triangularSolve(l, bs, { transpose: true });
      expect(xs.shape).to.deep.equal([4, 2, n, k]);
      expectClose(tf.matMul(tf.broadcastTo(matrixTranspose(l), [4, 2, n, n]), xs), bs, { atol: 2e-6, rtol: 1e-5 });
    });

    it('has gradients in A (its triangle) and B matching float64 finite differences, also when broadcast', () => {
      const w = Array.from(normals(PRNGKey(SEED + 5), 2 * n * k));
      const bb = Array.from(normals(PRNGKey(SEED + 6), 2 * n * k));
      // f(L, B) = sum over a batch of two right-hand sides of W .* (L^-1 B_t)
      const f64 = (l: number[], b: number[]): number => {
        let s = 0;
        for (let t = 0; t < 2; t++) {
          const x = solveLower64(l, b.slice(t * n * k, (t + 1) * n * k), n, k);
          s += x.reduce((acc, v, i) => acc + v * w[t * n * k + i]!, 0);
        }
        return s;
      };
      const [ga, gb] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(triangularSolve(a, b), tf.tensor(w, [2, n, k]))))([
        tf.tensor2d(lmat, [n, n]),
        tf.tensor(bb, [2, n, k]),
      ]);
      expect(ga!.shape).to.deep.equal([n, n]);
      const gav = ga!.dataSync();
      const gbv = gb!.dataSync();
      const h = 1e-6;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const up = [...lmat];
          const dn = [...lmat];
          up[i * n + j]! += h;
          dn[i * n + j]! -= h;
          const fd = j <= i ? (f64(up, bb) - f64(dn, bb)) / (2 * h) : 0;
          expect(gav[i * n + j]!, `dA (${i}, ${j})`).to.be.closeTo(fd, 1e-4 * (1 + Math.abs(fd)));
        }
      }
      for (let i = 0; i < 2 * n * k; i += 7) {
        const up = [...bb];
        const dn = [...bb];
        up[i]! += h;
        dn[i]! -= h;
        const fd = (f64(lmat, up) - f64(lmat, dn)) / (2 * h);
        expect(gbv[i]!, `dB ${i}`).to.be.closeTo(fd, 1e-4 * (1 + Math.abs(fd)));
      }
    });

    it('can be differentiated twice: d^2/db^2 of |L^-1 b|^2 is 2 (L L^T)^-1', () => {
      const l = tf.tensor2d(lmat, [n, n]);
      const f = (b: tf.Tensor): tf.Tensor => tf.sum(tf.square(triangularSolve(l, b)));
      const g = tf.grad(f);
      const e0 = tf.tensor2d([1, 0, 0, 0, 0], [n, 1]);
      const h0 = tf.grad((b: tf.Tensor) => tf.sum(tf.mul(g(b), e0)))(tf.tensor2d(bmat.slice(0, n), [n, 1]));
      const inv = choleskyInverse(l);
      expectClose(h0, tf.mul(2, tf.slice(inv, [0, 0], [n, 1])), { atol: 1e-5, rtol: 1e-5 });
    });
  });

  describe('helpers built on the factor', () => {
    it('logDetFromCholesky, choleskyInverse, triangularInverse, diagPart and diagEmbed agree with their definitions', () => {
      const n = 4;
      const am = spd(n, SEED + 20);
      const a = tf.tensor2d(am, [n, n]);
      const l = cholesky(a);
      const l64 = chol64(am, n);
      let logDet = 0;
      for (let i = 0; i < n; i++) logDet += 2 * Math.log(l64[i * n + i]!);
      expectClose(logDetFromCholesky(l), logDet, { rtol: 1e-6 });
      expectClose(tf.matMul(choleskyInverse(l), a), tf.eye(n), { atol: 1e-5 });
      expectClose(tf.matMul(triangularInverse(l), l), tf.eye(n), { atol: 1e-6 });
      const upper = matrixTranspose(l);
      expectClose(tf.matMul(upper, triangularInverse(upper, { lower: false })), tf.eye(n), { atol: 1e-6 });
      expectClose(diagPart(diagEmbed(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]))), [1, 2, 3, 4, 5, 6]);
    });
  });

  it('leaks no tensors in forward passes and gradients', () => {
    const a = tf.tensor2d(spd(3, SEED + 30), [3, 3]);
    const b = tf.ones([2, 3, 2]);
    expectNoTensorLeak(() => {
      tf.tidy(() => cholesky(a)).dispose();
      tf.tidy(() => triangularSolve(cholesky(a), b)).dispose();
      tf.tidy(() => choleskySolve(cholesky(a), b)).dispose();
      tf.tidy(() => {
        tf.grads((m: tf.Tensor, r: tf.Tensor) => tf.sum(choleskySolve(cholesky(m), r)))([a, b]);
        tf.grad((m: tf.Tensor) => logDetFromCholesky(cholesky(m)))(a);
      });
    });
    a.dispose();
    b.dispose();
  });
});
