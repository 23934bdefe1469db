import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { setBackend } from '../../src/kernel/backend.js';
import { registerShims, registerWasmKernels } from '../../src/kernel/shims.js';
import { expectClose, expectNoTensorLeak } from '../helpers/assert.js';

/**
 * Second derivatives are checked as Hessian-vector products: with h(x) = Σ w ⊙ ∇f(x) for a fixed
 * w, ∇h(x) = H(x) w comes from nested autodiff, and each component is compared with the central
 * difference (h(x + εeᵢ) − h(x − εeᵢ)) / 2ε of the first-order gradient.
 *
 * Tolerance: in float32 with ε = 1e-2 the truncation error is ε²/6 · |h'''| ≤ 1.7e-5 · 8 (the
 * third derivatives of these functions on the inputs used are below 8), and the rounding error is
 * about 2 · 1.2e-7 · |h| / 2ε ≤ 1.2e-5 · |h| with |h| ≤ 10. The sum is ≤ 2.6e-4; atol 1e-3 plus
 * rtol 1e-3 leaves a margin of about 4.
 */
const EPS = 1e-2;
const TOL = { atol: 1e-3, rtol: 1e-3 };

/** Flat values of ∇h by nested tf.grad, and by central differences of the first-order gradient. */
function hvpCheck(f: (x: tf.Tensor) => tf.Scalar, x0: number[], w: number[], shape: number[] = [x0.length]): void {
  const h = (x: tf.Tensor): tf.Scalar => tf.sum(tf.mul(tf.tensor(w, shape), tf.grad(f)(x)));
  const nested = tf.tidy(() => Array.from(tf.grad(h)(tf.tensor(x0, shape)).dataSync()));
  const fd = x0.map((_, i) => {
    const at = (d: number): number =>
      tf.tidy(() => {
        const x = x0.slice();
        x[i]! += d;
        return h(tf.tensor(x, shape)).dataSync()[0]!;
      });
    return (at(EPS) - at(-EPS)) / (2 * EPS);
  });
  expectClose(nested, fd, TOL);
}

const X = [-1.2, -0.3, 0.4, 1.1];
const W = [0.7, -1.3, 0.5, 2.0];

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`tfjs shims on ${backend}`, () => {
    before(async () => {
      await setBackend(backend);
    });
    after(async () => {
      await setBackend('cpu');
    });

    describe('zero gradients for comparison and logical kernels', () => {
      it('differentiates tf.where(x > 1, x², −x) at 4 points: [-1, -1, 2.6, 4.2]', () => {
        const g = tf.tidy(() =>
          tf.grad((x: tf.Tensor) => tf.sum(tf.where(tf.greater(x, 1), tf.square(x), tf.neg(x))))(tf.tensor1d([0, 0.5, 1.3, 2.1])),
        );
        expectClose(g, [-1, -1, 2.6, 4.2], { atol: 1e-6, rtol: 1e-6 });
        g.dispose();
      });

      const conditions: Record<string, (x: tf.Tensor) => tf.Tensor> = {
        greater: (x) => tf.greater(x, 0),
        greaterEqual: (x) => tf.greaterEqual(x, 0.4),
        less: (x) => tf.less(x, 0),
        lessEqual: (x) => tf.lessEqual(x, 0.4),
        equal: (x) => tf.equal(x, tf.tensor1d([-1.2, 0, 0.4, 0])),
        notEqual: (x) => tf.notEqual(x, tf.tensor1d([-1.2, 0, 0.4, 0])),
        logicalAnd: (x) => tf.logicalAnd(tf.greater(x, -1), tf.less(x, 1)),
        logicalOr: (x) => tf.logicalOr(tf.less(x, -1), tf.greater(x, 1)),
        logicalNot: (x) => tf.logicalNot(tf.greater(x, 0)),
        'isNaN/isFinite': (x) => tf.logicalAnd(tf.logicalNot(tf.isNaN(x)), tf.isFinite(tf.div(1, x))),
        'all/any (broadcast scalar)': (x) => tf.logicalAnd(tf.all(tf.greater(x, -2)), tf.any(tf.greater(x, 1))),
      };
      for (const [name, cond] of Object.entries(conditions)) {
        it(`gives d/dx Σ where(${name}, 3x, x²) = 3 or 2x over 4 points`, () => {
          const x = tf.tensor1d(X);
          const mask = tf.tidy(() => tf.broadcastTo(cond(x), [4]).dataSync());
          const g = tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(tf.where(tf.broadcastTo(cond(v), [4]), tf.mul(3, v), tf.square(v))))(x));
          expectClose(
            g,
            X.map((xi, i) => (mask[i] ? 3 : 2 * xi)),
            { atol: 1e-6, rtol: 1e-6 },
          );
          tf.dispose([x, g]);
        });
      }
    });

    describe('gradients of unstack and split with any number of outputs', () => {
      it('tf.unstack along a size-1 axis: d/dx Σ 3·unstack(x)[0] = 3 (shape [2, 1])', () => {
        const g = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.unstack(x, 1)[0]!, 3)))(tf.tensor2d([[0.5], [-1]])));
        expect(g.shape).to.deep.equal([2, 1]);
        expectClose(g, [3, 3], { atol: 0, rtol: 0 });
        g.dispose();
      });

      it('tf.unstack into 3 pieces, one unused: its gradient is 0 (d/dx of x0 + 2·x2)', () => {
        const g = tf.tidy(() =>
          tf.grad((x: tf.Tensor) => {
            const [a, , c] = tf.unstack(x);
            return tf.add(a!, tf.mul(c!, 2));
          })(tf.tensor1d([1, 2, 3])),
        );
        expectClose(g, [1, 0, 2], { atol: 0, rtol: 0 });
        g.dispose();
      });

      it('tf.split into a single piece and into [1, 2]: gradients 2 everywhere and [1, 5, 5]', () => {
        const one = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.split(x, [3])[0]!, 2)))(tf.tensor1d([1, 2, 3])));
        expectClose(one, [2, 2, 2], { atol: 0, rtol: 0 });
        const two = tf.tidy(() =>
          tf.grad((x: tf.Tensor) => {
            const [a, b] = tf.split(x, [1, 2]);
            return tf.add(tf.sum(a!), tf.sum(tf.mul(b!, 5)));
          })(tf.tensor1d([1, 2, 3])),
        );
        expectClose(two, [1, 5, 5], { atol: 0, rtol: 0 });
        tf.dispose([one, two]);
      });
    });

    describe('second derivatives (Hessian-vector products vs central differences, ε = 1e-2, 4 points)', () => {
      it('exp', () => hvpCheck((x) => tf.sum(tf.exp(x)), X, W));
      it('sigmoid', () => hvpCheck((x) => tf.sum(tf.mul(tf.sigmoid(tf.mul(2, x)), tf.tensor1d(W))), X, W));
      it('tanh', () => hvpCheck((x) => tf.sum(tf.mul(tf.tanh(x), tf.tensor1d([1, 2, 3, 4]))), X, W));
      it('softmax (2 rows of 4, coupled Hessian)', () =>
        hvpCheck(
          (x) => tf.sum(tf.mul(tf.softmax(x), tf.tensor2d([1, -2, 3, 0.5, 2, 1, -1, 4], [2, 4]))),
          [...X, ...W],
          [1, 2, 3, 4, -1, 0.5, 2, 1],
          [2, 4],
        ));
      it('pow with a tensor exponent, in the base: Σ x^2.5', () => hvpCheck((x) => tf.sum(tf.pow(x, 2.5)), [0.5, 1, 1.5, 2], W));
      it('pow in the exponent: Σ 1.7^x', () => hvpCheck((x) => tf.sum(tf.pow(tf.tensor1d([1.7, 0.6, 2, 1.2]), x)), X, W));
      it('pow in base and exponent together: Σ x^(x+1) (mixed terms)', () =>
        hvpCheck((x) => tf.sum(tf.pow(x, tf.add(x, 1))), [0.5, 0.9, 1.3, 1.8], W));
      it('pow with a broadcast scalar exponent b: d²/db² Σ aᵢ^b', () => {
        const a = [0.5, 1.5, 2, 3];
        hvpCheck((b) => tf.sum(tf.pow(tf.tensor1d(a), b)), [1.3], [1], []);
      });
      it('pow exponent gradient is finite (0) where the base is 0: d/db 0^b at b=2', () => {
        const g = tf.tidy(() => tf.grad((b: tf.Tensor) => tf.grad((bb: tf.Tensor) => tf.sum(tf.pow(tf.tensor1d([0, 2]), bb)))(b))(tf.scalar(2)));
        expect(Number.isFinite(g.dataSync()[0]!)).to.equal(true);
        expectClose(g, Math.log(2) ** 2 * 4, { atol: 1e-5, rtol: 1e-5 });
        g.dispose();
      });
      it('logSumExp (needs the Equal/LogicalAnd zero gradients)', () => hvpCheck((x) => tf.logSumExp(tf.mul(x, tf.tensor1d([1, 2, -1, 0.5]))), X, W));

      it('keeps first derivatives exact: d/dx exp = exp, sigmoid = s(1−s), tanh = 1−tanh² at 4 points', () => {
        const x = tf.tensor1d(X);
        const ge = tf.grad((v: tf.Tensor) => tf.sum(tf.exp(v)))(x);
        const gs = tf.grad((v: tf.Tensor) => tf.sum(tf.sigmoid(v)))(x);
        const gt = tf.grad((v: tf.Tensor) => tf.sum(tf.tanh(v)))(x);
        const s = X.map((v) => 1 / (1 + Math.exp(-v)));
        expectClose(ge, X.map(Math.exp), { atol: 1e-6, rtol: 1e-5 });
        expectClose(gs, s.map((v) => v * (1 - v)), { atol: 1e-6, rtol: 1e-5 });
        expectClose(gt, X.map((v) => 1 - Math.tanh(v) ** 2), { atol: 1e-6, rtol: 1e-5 });
        tf.dispose([x, ge, gs, gt]);
      });

      it('leaks no tensors in a nested gradient', () => {
        expectNoTensorLeak(() => {
          tf.tidy(() => {
            tf.grad((x: tf.Tensor) => tf.sum(tf.grad((v: tf.Tensor) => tf.sum(tf.pow(tf.exp(v), tf.sigmoid(v))))(x)))(tf.tensor1d(X));
          });
        });
      });
    });
  });
}

describe('UnsortedSegmentSum on wasm (JS kernel)', () => {
  /** Runs fn on a backend and returns its flat result. */
  async function on(backend: 'cpu' | 'wasm', fn: () => tf.Tensor): Promise<Float32Array | Int32Array> {
    await setBackend(backend);
    const t = fn();
    const out = t.dataSync() as Float32Array | Int32Array;
    t.dispose();
    return out;
  }

  after(async () => {
    await setBackend('cpu');
  });

  it('gives the tf.gather gradient on wasm equal to cpu (50 rows × 3, 200 repeated indices)', async () => {
    // Deterministic inputs: index i*37 mod 50 repeats every 50 draws, so rows accumulate 4 terms.
    const idx = Array.from({ length: 200 }, (_, i) => (i * 37) % 50);
    const w = Array.from({ length: 600 }, (_, i) => Math.sin(i));
    const grad = (): tf.Tensor =>
      tf.tidy(() => {
        const params = tf.tensor2d(Array.from({ length: 150 }, (_, i) => i / 10), [50, 3]);
        const f = (p: tf.Tensor): tf.Scalar => tf.sum(tf.mul(tf.gather(p, tf.tensor1d(idx, 'int32')), tf.tensor2d(w, [200, 3])));
        return tf.grad(f)(params);
      });
    const cpu = await on('cpu', grad);
    const wasm = await on('wasm', grad);
    const expected = new Array<number>(150).fill(0);
    idx.forEach((r, i) => {
      for (let j = 0; j < 3; j++) expected[r * 3 + j]! += w[i * 3 + j]!;
    });
    // float32 sums of 4 terms of size ≤ 1: error ≤ 4 · 6e-8 · 4, far below 1e-5.
    expectClose(wasm, cpu, { atol: 1e-5, rtol: 0 });
    expectClose(wasm, expected, { atol: 1e-5, rtol: 0 });
  });

  it('gives the gradient of tf.gather along axis 1 on wasm equal to cpu (4 × 6, 5 indices)', async () => {
    const grad = (): tf.Tensor =>
      tf.tidy(() =>
        tf.grad((p: tf.Tensor) => tf.sum(tf.square(tf.gather(p, tf.tensor1d([5, 0, 5, 2, 1], 'int32'), 1))))(
          tf.tensor2d(Array.from({ length: 24 }, (_, i) => i - 10), [4, 6]),
        ),
      );
    expectClose(await on('wasm', grad), await on('cpu', grad), { atol: 1e-5, rtol: 0 });
  });

  it('matches cpu in the forward op, dropping ids outside [0, numSegments) (6 rows into 3 segments)', async () => {
    const fwd = (): tf.Tensor =>
      tf.unsortedSegmentSum(tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [6, 2]), tf.tensor1d([0, 2, -1, 2, 3, 0], 'int32'), 3);
    const wasm = await on('wasm', fwd);
    expectClose(wasm, await on('cpu', fwd), { atol: 0, rtol: 0 });
    expectClose(wasm, [12, 14, 0, 0, 10, 12], { atol: 0, rtol: 0 });
  });

  it('sums int32 values in int32 on wasm', async () => {
    await setBackend('wasm');
    const out = tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3, 4], 'int32'), tf.tensor1d([1, 1, 0, 1], 'int32'), 2);
    expect(out.dtype).to.equal('int32');
    expect(Array.from(out.dataSync())).to.deep.equal([3, 7]);
    out.dispose();
  });
});

describe('registerShims', () => {
  it('is idempotent: a second call changes no registered gradient or kernel', () => {
    const before = ['Exp', 'Pow', 'Greater', 'LogicalAnd'].map((k) => tf.getGradient(k));
    const kernel = tf.getKernel('UnsortedSegmentSum', 'wasm');
    registerShims();
    registerWasmKernels();
    expect(['Exp', 'Pow', 'Greater', 'LogicalAnd'].map((k) => tf.getGradient(k))).to.deep.equal(before);
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).to.equal(kernel);
    expect(before.every((g) => g !== undefined)).to.equal(true);
  });
});
