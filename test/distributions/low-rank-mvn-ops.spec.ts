import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { lowRankLogProb } from '../../src/distributions/low-rank-mvn-ops.js';
import { NumericalError } from '../../src/kernel/errors.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';
import { jacobianFD } from '../helpers/numdiff.js';

const d = 5;
const r = 2;
const LOC = [0.3, -0.7, 1.1, 0, 0.5];
const W = [0.9, 0.1, -0.4, 0.6, 0.2, -0.8, 0.05, 0.3, -0.6, -0.2];
const DG = [0.7, 1.3, 0.4, 2.1, 0.9];
const X = [
  [0.1, -0.2, 1.4, 0.8, -0.3],
  [1.2, 0.4, -0.5, 0.2, 0.9],
  [-0.6, -1.1, 0.7, -0.4, 0.0],
];

/** log N(x; loc, W Wᵀ + diag(D)) through a dense Cholesky factorisation, in double precision. */
function logPdf64(x: readonly number[], loc: readonly number[], w: readonly number[], dg: readonly number[]): number {
  const n = loc.length;
  const k = w.length / n;
  const s = (i: number, j: number) => {
    let t = i === j ? dg[i]! : 0;
    for (let p = 0; p < k; p++) t += w[i * k + p]! * w[j * k + p]!;
    return t;
  };
  const l = new Float64Array(n * n);
  let logDet = 0;
  for (let j = 0; j < n; j++) {
    let t = s(j, j);
    for (let p = 0; p < j; p++) t -= l[j * n + p]! ** 2;
    l[j * n + j] = Math.sqrt(t);
    logDet += 2 * Math.log(l[j * n + j]!);
    for (let i = j + 1; i < n; i++) {
      let u = s(i, j);
      for (let p = 0; p < j; p++) u -= l[i * n + p]! * l[j * n + p]!;
      l[i * n + j] = u / l[j * n + j]!;
    }
  }
  let maha = 0;
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let t = x[i]! - loc[i]!;
    for (let p = 0; p < i; p++) t -= l[i * n + p]! * z[p]!;
    z[i] = t / l[i * n + i]!;
    maha += z[i]! ** 2;
  }
  return -0.5 * (maha + logDet + n * Math.log(2 * Math.PI));
}

/** Splits a flat vector [x (3×5), loc, W, D] back into its parts. */
function parts(v: readonly number[]): [number[][], number[], number[], number[]] {
  const xs = [0, 1, 2].map((s) => v.slice(s * d, (s + 1) * d));
  const o = 3 * d;
  return [xs, v.slice(o, o + d), v.slice(o + d, o + d + d * r), v.slice(o + d + d * r)];
}

// dy weights of the three rows, so that the backward pass sees a non-uniform upstream gradient.
const DY = [0.7, -1.2, 0.4];

describe('lowRankLogProb (fused Woodbury log-density)', () => {
  it('matches the dense double-precision density for values of shape [3, 5] and [5] (r = 2)', () => {
    tf.tidy(() => {
      const lp = lowRankLogProb(tf.tensor2d(X), tf.tensor1d(LOC), tf.tensor2d(W, [d, r]), tf.tensor1d(DG));
      expect(lp.shape).to.deep.equal([3]);
      // float32 inputs, double-precision arithmetic: only the inputs' rounding (~1e-7 relative) differs.
      expectClose(lp, X.map((x) => logPdf64(x, LOC, W, DG)), { atol: 1e-5, rtol: 1e-6 });
      const one = lowRankLogProb(tf.tensor1d(X[0]!), tf.tensor1d(LOC), tf.tensor2d(W, [d, r]), tf.tensor1d(DG));
      expect(one.shape).to.deep.equal([]);
      expectClose(one, logPdf64(X[0]!, LOC, W, DG), { atol: 1e-5, rtol: 1e-6 });
    });
  });

  it('has gradients in x, loc, W and D that match central differences of the double-precision density', () => {
    const flat = [...X.flat(), ...LOC, ...W, ...DG];
    const f = (v: number[]) => {
      const [xs, loc, w, dg] = parts(v);
      return [xs.reduce((s, x, i) => s + DY[i]! * logPdf64(x, loc, w, dg), 0)];
    };
    const fd = jacobianFD(f, flat, 1e-6)[0]!;
    const grads = tf.tidy(() =>
      tf
        .grads((x: tf.Tensor, l: tf.Tensor, w: tf.Tensor, dg: tf.Tensor) => tf.sum(tf.mul(lowRankLogProb(x, l, w, dg), tf.tensor1d(DY))))([
          tf.tensor2d(X),
          tf.tensor1d(LOC),
          tf.tensor2d(W, [d, r]),
          tf.tensor1d(DG),
        ])
        .map((g) => Array.from(g.dataSync())),
    );
    // Double-precision differences with h = 1e-6 are accurate to ~1e-8; the op's float32 outputs to ~1e-6 relative.
    expectClose(grads.flat(), fd, { atol: 2e-5, rtol: 2e-5 });
  });

  it('has second derivatives (a recorded backward pass) that match differences of its first derivatives', () => {
    // h(W, D) = Σ u ⊙ ∂ log p / ∂W for a fixed u; ∇h is a Hessian-vector product.
    const u = tf.tensor2d([0.3, -0.5, 0.8, 0.1, -0.2, 0.4, 0.6, -0.7, 0.2, 0.5], [d, r]);
    const x = tf.tensor1d(X[1]!);
    const loc = tf.tensor1d(LOC);
    const gradW = (w: tf.Tensor, dg: tf.Tensor) => tf.grad((t: tf.Tensor) => lowRankLogProb(x, loc, t, dg))(w);
    const h = (w: tf.Tensor, dg: tf.Tensor) => tf.sum(tf.mul(u, gradW(w, dg)));
    const [hw, hd] = tf.tidy(() => tf.grads(h)([tf.tensor2d(W, [d, r]), tf.tensor1d(DG)]).map((g) => Array.from(g.dataSync())));
    const at = (v: number[]) =>
      tf.tidy(() => h(tf.tensor2d(v.slice(0, d * r), [d, r]), tf.tensor1d(v.slice(d * r))).dataSync()[0]!);
    // float32 central differences of the first derivative, step 1e-2: truncation ~1e-4·|h'''|,
    // rounding ~2e-7·|h|/2e-2 ~ 1e-5; the tolerance leaves a margin of about 10.
    const fd = jacobianFD((v) => [at(v)], [...W, ...DG], 1e-2)[0]!;
    expectClose([...hw!, ...hd!], fd, { atol: 2e-3, rtol: 2e-3 });
    tf.dispose([u, x, loc]);
  });

  it('throws a NumericalError naming the family when the capacitance is not positive definite', () => {
    tf.tidy(() => {
      const bad = tf.tensor1d([-0.01, 1, 1, 1, 1]);
      expectVinferError(() => lowRankLogProb(tf.tensor1d(LOC), tf.tensor1d(LOC), tf.tensor2d(W, [d, r]), bad), NumericalError, 'LowRankMultivariateNormal', 'positive definite');
    });
  });

  it('leaks no tensors in its forward pass, gradients and second derivatives', () => {
    const args = [tf.tensor2d(X), tf.tensor1d(LOC), tf.tensor2d(W, [d, r]), tf.tensor1d(DG)];
    expectNoTensorLeak(() => {
      tf.dispose(lowRankLogProb(args[0]!, args[1]!, args[2]!, args[3]!));
      tf.dispose(tf.grads((x: tf.Tensor, l: tf.Tensor, w: tf.Tensor, dg: tf.Tensor) => tf.sum(lowRankLogProb(x, l, w, dg)))(args));
      tf.dispose(tf.grad((w: tf.Tensor) => tf.sum(tf.grad((t: tf.Tensor) => tf.sum(lowRankLogProb(args[0]!, args[1]!, t, args[3]!)))(w)))(args[2]!));
    });
    tf.dispose(args);
  });
});
