import * as tf from '@tensorflow/tfjs';

import { Normal } from '../../src/distributions/normal.js';
import { expectClose } from '../helpers/assert.js';

/** Central finite difference of sum(f(a, b)) with respect to each element of `which`, in float32. */
function fdGrad(f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, a: number[][], b: number[], which: 'a' | 'b', h = 1e-2): number[] {
  const base = which === 'a' ? a.flat() : b;
  return base.map((_, i) => {
    const eval_ = (d: number) =>
      tf.tidy(() => {
        const aa = which === 'a' ? a.flat().map((v, j) => (j === i ? v + d : v)) : a.flat();
        const bb = which === 'b' ? b.map((v, j) => (j === i ? v + d : v)) : b;
        return tf.sum(f(tf.tensor2d(aa, [a.length, a[0]!.length]), tf.tensor1d(bb))).dataSync()[0]!;
      });
    return (eval_(h) - eval_(-h)) / (2 * h);
  });
}

describe('lean gradients', () => {
  const A = [
    [0.5, 1.5, 2.0],
    [1.2, 0.7, 0.9],
  ];
  const B = [0.8, 1.3, 2.2];
  // f32 central differences with h = 1e-2 on smooth functions of O(1) values: error ~1e-3.
  const tol = { atol: 2e-3, rtol: 2e-3 };
  const cases: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ['Multiply (broadcast)', (a, b) => tf.mul(a, b)],
    ['RealDiv (broadcast)', (a, b) => tf.div(a, b)],
    ['Square', (a, b) => tf.add(tf.square(a), tf.square(b))],
    ['Log', (a, b) => tf.mul(tf.log(a), tf.log(b))],
    ['Sqrt', (a, b) => tf.div(tf.sqrt(a), tf.sqrt(b))],
    ['Sum over all axes (dy passed as a scalar)', (a, b) => tf.mul(tf.sum(tf.square(a)), b)],
    ['Sum over one axis, kept and dropped', (a, b) => tf.add(tf.mul(tf.sum(tf.square(a), 1, true), b), tf.sum(tf.mul(a, b), 0))],
  ];
  for (const [name, f] of cases) {
    it(`${name}: gradients match central finite differences for both operands`, () => {
      const [ga, gb] = tf.tidy(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(f(a, b)))([tf.tensor2d(A), tf.tensor1d(B)]).map((g) => g.dataSync()));
      expectClose(ga!, fdGrad(f, A, B, 'a'), tol);
      expectClose(gb!, fdGrad(f, A, B, 'b'), tol);
    });
  }

  it('second derivatives: d²/dx² of x·log(x)/sqrt(x) matches the closed form', () => {
    // g(x) = sqrt(x)·log(x); g'' = -log(x)/(4 x^1.5)
    const x = 2.5;
    const d2 = tf.tidy(() => tf.grad((t: tf.Tensor) => tf.grad((u: tf.Tensor) => tf.div(tf.mul(u, tf.log(u)), tf.sqrt(u)))(t))(tf.scalar(x)).dataSync()[0]!);
    expectClose(d2, -Math.log(x) / (4 * x ** 1.5), { atol: 1e-5, rtol: 1e-4 });
  });
});

describe('Normal log-density (fused)', () => {
  it('matches the closed form, its gradients and second derivatives, with broadcasting', () => {
    const v = [0.3, -1.2, 2.5];
    const [loc, scale] = [0.4, 1.7];
    const lp = tf.tidy(() => new Normal(tf.scalar(loc), tf.scalar(scale)).logProb(tf.tensor1d(v)).dataSync());
    expectClose(lp, v.map((x) => -0.5 * ((x - loc) / scale) ** 2 - Math.log(scale) - 0.5 * Math.log(2 * Math.PI)), { atol: 1e-6, rtol: 1e-6 });
    const [gl, gs] = tf.tidy(() =>
      tf.grads((l: tf.Tensor, s: tf.Tensor) => tf.sum(new Normal(l, s).logProb(tf.tensor1d(v))))([tf.scalar(loc), tf.scalar(scale)]).map((g) => g.dataSync()[0]!),
    );
    const z = v.map((x) => (x - loc) / scale);
    expectClose(gl!, z.reduce((a, zi) => a + zi / scale, 0), { atol: 1e-5, rtol: 1e-5 });
    expectClose(gs!, z.reduce((a, zi) => a + (zi * zi - 1) / scale, 0), { atol: 1e-5, rtol: 1e-5 });
    // d²/dloc² Σ log N = -n / scale²; d²/dscale² = Σ (1 - 3 z²) / scale².
    const h = tf.tidy(() => tf.grad((l: tf.Tensor) => tf.grad((m: tf.Tensor) => tf.sum(new Normal(m, scale).logProb(tf.tensor1d(v))))(l))(tf.scalar(loc)).dataSync()[0]!);
    expectClose(h, -3 / scale ** 2, { atol: 1e-5, rtol: 1e-5 });
    const hs = tf.tidy(() => tf.grad((s: tf.Tensor) => tf.grad((m: tf.Tensor) => tf.sum(new Normal(loc, m).logProb(tf.tensor1d(v))))(s))(tf.scalar(scale)).dataSync()[0]!);
    expectClose(hs, z.reduce((a, zi) => a + (1 - 3 * zi * zi) / scale ** 2, 0), { atol: 1e-4, rtol: 1e-4 });
  });
});

describe('Tile gradient', () => {
  it('sums the copies for every rank (2 kernels, however many copies)', () => {
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const w = tf.range(0, 24).reshape([4, 6]);
    // d/dx sum(w * tile(x, [2, 3])) = sum of the matching entries of w.
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(w, tf.tile(t, [2, 3]))))(x);
    const wv = w.arraySync() as number[][];
    const expected = [0, 1].map((i) => [0, 1].map((j) => [0, 1].reduce((a, ri) => a + [0, 1, 2].reduce((b, rj) => b + wv[ri * 2 + i]![rj * 2 + j]!, 0), 0)));
    expectClose(g, expected.flat());
    const s = tf.grad((t: tf.Tensor) => tf.sum(tf.broadcastTo(t, [10000])))(tf.scalar(2));
    expectClose(s, 10000);
  });
});
