import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { type LowRankNoise, scaledLowRankDraw, scaledLowRankDrawLogDensity } from '../../src/distributions/low-rank-draw.js';
import { LowRankMultivariateNormal } from '../../src/distributions/low-rank-multivariate-normal.js';
import { expectClose, expectNoTensorLeak } from '../helpers/assert.js';
import { jacobianFD } from '../helpers/numdiff.js';

const d = 4;
const r = 2;
const LOC = [0.5, -1, 2, 0];
const W = [1, 0.2, 0.5, -0.3, -0.4, 0.8, 0.1, 0.1];
const S = [0.7, 1.1, 0.5, 1.4];
// Two draws' noise (fixed numbers, so the test does not depend on the generator).
const NOISE: LowRankNoise = {
  eps1: Float32Array.from([0.3, -1.2, 0.8, 0.4]),
  eps2: Float32Array.from([1.1, -0.2, 0.5, -0.9, 0.2, 0.7, -1.3, 0.6]),
  n: 2,
};

/** y = W ε₁ + ε₂ of draw k, in double precision. */
function noiseImage(w: readonly number[], k: number): number[] {
  return Array.from({ length: d }, (_, i) => {
    let t = NOISE.eps2[k * d + i]!;
    for (let p = 0; p < r; p++) t += w[i * r + p]! * NOISE.eps1[k * r + p]!;
    return t;
  });
}

/** log N(x; loc, diag(s)(W Wᵀ + I)diag(s)) by a dense Cholesky factorisation in double precision. */
function logPdf64(x: readonly number[], loc: readonly number[], w: readonly number[], s: readonly number[]): number {
  const cov = (i: number, j: number) => {
    let t = i === j ? 1 : 0;
    for (let p = 0; p < r; p++) t += w[i * r + p]! * w[j * r + p]!;
    return s[i]! * s[j]! * t;
  };
  const l = new Float64Array(d * d);
  let logDet = 0;
  for (let j = 0; j < d; j++) {
    let t = cov(j, j);
    for (let p = 0; p < j; p++) t -= l[j * d + p]! ** 2;
    l[j * d + j] = Math.sqrt(t);
    logDet += 2 * Math.log(l[j * d + j]!);
    for (let i = j + 1; i < d; i++) {
      let u = cov(i, j);
      for (let p = 0; p < j; p++) u -= l[i * d + p]! * l[j * d + p]!;
      l[i * d + j] = u / l[j * d + j]!;
    }
  }
  let maha = 0;
  const z = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let t = x[i]! - loc[i]!;
    for (let p = 0; p < i; p++) t -= l[i * d + p]! * z[p]!;
    z[i] = t / l[i * d + i]!;
    maha += z[i]! ** 2;
  }
  return -0.5 * (maha + logDet + d * Math.log(2 * Math.PI));
}

/** Σ_k dy_k log q(x_k(θ); θ) with x_k = loc + s ⊙ y_k(W): the function whose total derivatives the density op has. */
function drawDensity64(loc: number[], w: number[], s: number[], dy: readonly number[]): number {
  return dy.reduce((acc, c, k) => acc + c * logPdf64(noiseImage(w, k).map((y, i) => loc[i]! + s[i]! * y), loc, w, s), 0);
}

const DY = [0.8, -0.5];
const params = () => [tf.tensor1d(LOC), tf.tensor2d(W, [d, r]), tf.tensor1d(S)] as const;

describe('scaledLowRankDraw and scaledLowRankDrawLogDensity (AutoLowRankMultivariateNormal parameterisation)', () => {
  it('draws loc + s ⊙ (W ε₁ + ε₂) for two draws, shape [2, 4]', () => {
    tf.tidy(() => {
      const [loc, w, s] = params();
      const x = scaledLowRankDraw(loc, w, s, NOISE, [2, d]);
      expect(x.shape).to.deep.equal([2, d]);
      expectClose(x, [0, 1].flatMap((k) => noiseImage(W, k).map((y, i) => LOC[i]! + S[i]! * y)), { atol: 1e-6, rtol: 1e-6 });
    });
  });

  it('scores its draws as LowRankMultivariateNormal(loc, W ⊙ s, s²) does, to float32 rounding', () => {
    tf.tidy(() => {
      const [loc, w, s] = params();
      const x = scaledLowRankDraw(loc, w, s, NOISE, [2, d]);
      const lq = scaledLowRankDrawLogDensity(w, s, NOISE, [2]);
      const general = new LowRankMultivariateNormal(loc, tf.mul(w, tf.expandDims(s, -1)), tf.square(s)).logProb(x);
      expectClose(lq, general, { atol: 1e-5, rtol: 1e-6 });
      expectClose(lq, [0, 1].map((k) => logPdf64(noiseImage(W, k).map((y, i) => LOC[i]! + S[i]! * y), LOC, W, S)), { atol: 1e-5, rtol: 1e-6 });
    });
  });

  it('has the total derivatives of log q(x(θ); θ) in (loc, W, s): zero in loc, and central differences in W and s', () => {
    const [gl, gw, gs] = tf.tidy(() => {
      const f = (loc: tf.Tensor, w: tf.Tensor, s: tf.Tensor) => {
        scaledLowRankDraw(loc, w, s, NOISE, [2, d]);
        return tf.sum(tf.mul(scaledLowRankDrawLogDensity(w, s, NOISE, [2]), tf.tensor1d(DY)));
      };
      // loc does not reach the density op, so tf.grads would reject it: differentiate W and s only.
      const [w, s] = [tf.tensor2d(W, [d, r]), tf.tensor1d(S)];
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => f(tf.tensor1d(LOC), a, b))([w, s]);
      return [new Array<number>(d).fill(0), Array.from(g[0]!.dataSync()), Array.from(g[1]!.dataSync())];
    });
    const flat = [...LOC, ...W, ...S];
    const fd = jacobianFD((v) => [drawDensity64(v.slice(0, d), v.slice(d, d + d * r), v.slice(d + d * r), DY)], flat, 1e-6)[0]!;
    // Double-precision differences are accurate to ~1e-8; the op's outputs are float32.
    expectClose([...gl!, ...gw!, ...gs!], fd, { atol: 2e-5, rtol: 2e-5 });
  });

  it('agrees with autodiff through the general log-density of the draw (float32 both ways)', () => {
    const [fused, general] = tf.tidy(() => {
      const [loc, w, s] = params();
      const viaOps = tf.grads((l: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => {
        const x = scaledLowRankDraw(l, a, b, NOISE, [2, d]);
        return tf.sum(tf.mul(new LowRankMultivariateNormal(l, tf.mul(a, tf.expandDims(b, -1)), tf.square(b)).logProb(x), tf.tensor1d(DY)));
      })([loc, w, s]);
      const viaDensity = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(scaledLowRankDrawLogDensity(a, b, NOISE, [2]), tf.tensor1d(DY))))([w, s]);
      return [viaDensity.flatMap((g) => Array.from(g.dataSync())), viaOps.flatMap((g) => Array.from(g.dataSync()))];
    });
    expectClose(general!.slice(0, d), new Array<number>(d).fill(0), { atol: 1e-5 });
    expectClose(fused!, general!.slice(d), { atol: 1e-4, rtol: 1e-4 });
  });

  it("draw's backward pass: ∂loc = Σ c, ∂W = Σ (c ⊙ s) ε₁ᵀ, ∂s = Σ c ⊙ y for upstream gradients c", () => {
    const c = [0.3, -0.6, 1.2, 0.5, -0.4, 0.9, 0.1, -1.1];
    const [gl, gw, gs] = tf.tidy(() =>
      tf
        .grads((l: tf.Tensor, w: tf.Tensor, s: tf.Tensor) => tf.sum(tf.mul(scaledLowRankDraw(l, w, s, NOISE, [2, d]), tf.tensor2d(c, [2, d]))))([...params()])
        .map((g) => Array.from(g.dataSync())),
    );
    const row = (k: number, i: number) => c[k * d + i]!;
    expectClose(gl!, LOC.map((_, i) => row(0, i) + row(1, i)), { atol: 1e-6 });
    const ys = [noiseImage(W, 0), noiseImage(W, 1)];
    expectClose(gs!, S.map((_, i) => row(0, i) * ys[0]![i]! + row(1, i) * ys[1]![i]!), { atol: 1e-5, rtol: 1e-6 });
    const expectedW: number[] = [];
    for (let i = 0; i < d; i++) for (let p = 0; p < r; p++) expectedW.push(S[i]! * (row(0, i) * NOISE.eps1[p]! + row(1, i) * NOISE.eps1[r + p]!));
    expectClose(gw!, expectedW, { atol: 1e-5, rtol: 1e-6 });
  });

  it('has second derivatives (recorded backward passes) that match differences of the first derivatives', () => {
    // h(W, s) = Σ u ⊙ ∂/∂W [Σ draws + log q at the draws], differentiated once more in (W, s).
    const u = tf.tensor2d([0.4, -0.3, 0.2, 0.7, -0.5, 0.1, 0.6, -0.2], [d, r]);
    const loc = tf.tensor1d(LOC);
    const g = (w: tf.Tensor, s: tf.Tensor) =>
      tf.grad((t: tf.Tensor) =>
        tf.add(tf.sum(tf.square(scaledLowRankDraw(loc, t, s, NOISE, [2, d]))), tf.sum(scaledLowRankDrawLogDensity(t, s, NOISE, [2]))),
      )(w);
    const h = (w: tf.Tensor, s: tf.Tensor) => tf.sum(tf.mul(u, g(w, s)));
    const nested = tf.tidy(() => tf.grads(h)([tf.tensor2d(W, [d, r]), tf.tensor1d(S)]).flatMap((t) => Array.from(t.dataSync())));
    const at = (v: number[]) => tf.tidy(() => h(tf.tensor2d(v.slice(0, d * r), [d, r]), tf.tensor1d(v.slice(d * r))).dataSync()[0]!);
    // float32 central differences of first derivatives, step 1e-2: truncation ~1e-4·|h'''| and
    // rounding ~1e-5·|h|; the tolerance leaves a margin of about 10.
    const fd = jacobianFD((v) => [at(v)], [...W, ...S], 1e-2)[0]!;
    expectClose(nested, fd, { atol: 3e-3, rtol: 3e-3 });
    tf.dispose([u, loc]);
  });

  it('leaks no tensors in forward passes, gradients and second derivatives', () => {
    const [loc, w, s] = params();
    expectNoTensorLeak(() => {
      tf.dispose(tf.grads((l: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => tf.sum(scaledLowRankDraw(l, a, b, NOISE, [2, d])))([loc, w, s]));
      tf.dispose(tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(scaledLowRankDrawLogDensity(a, b, NOISE, [2])))([w, s]));
      tf.dispose(tf.grad((a: tf.Tensor) => tf.sum(tf.grad((t: tf.Tensor) => tf.sum(scaledLowRankDrawLogDensity(t, s, NOISE, [2])))(a)))(w));
    });
    tf.dispose([loc, w, s]);
  });
});
