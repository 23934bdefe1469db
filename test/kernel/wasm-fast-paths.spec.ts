import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { setBackend } from '../../src/kernel/backend.js';
import { cachedTransposeBytes } from '../../src/kernel/wasm-fast-paths.js';
import { expectClose, expectNoTensorLeak } from '../helpers/assert.js';

/** Deterministic values in [-1, 1) (no RNG needed: the products only have to be generic). */
function values(n: number, seed: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 0.999);
}

/** op(A) op(B) in double precision for row-major inputs, as nested arrays [m][n]. */
function reference(a: number[], aShape: [number, number], b: number[], bShape: [number, number], tA: boolean, tB: boolean): number[] {
  const [m, k] = tA ? [aShape[1], aShape[0]] : aShape;
  const n = tB ? bShape[0] : bShape[1];
  const at = (i: number, p: number) => (tA ? a[p * aShape[1] + i]! : a[i * aShape[1] + p]!);
  const bt = (p: number, j: number) => (tB ? b[j * bShape[1] + p]! : b[p * bShape[1] + j]!);
  const out: number[] = [];
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += at(i, p) * bt(p, j);
    out.push(s);
  }
  return out;
}

// Entries are below 1 in size and k <= 300, so |op(A) op(B)| <= 300 and a float32 product
// accumulates at most k·2^-24·300 ≈ 5e-3 of rounding in the worst case (typically 1e-5): atol 1e-3
// plus rtol 1e-4 bounds it with the random-walk growth of actual rounding errors.
const TOL = { atol: 1e-3, rtol: 1e-4 };

describe('wasm fast paths (matrix-vector products, shared Identity)', () => {
  before(async () => {
    await setBackend('wasm');
  });
  after(async () => {
    await setBackend('cpu');
  });

  // [label, aShape, bShape, transposeA, transposeB]: every rewritten case, plus shapes left to the original kernel.
  const cases: [string, [number, number], [number, number], boolean, boolean][] = [
    ['A v, v a column (matrix seen once: original path)', [300, 40], [40, 1], false, false],
    ['A v, v a row given with transposeB', [300, 40], [1, 40], false, true],
    ['Aᵀ w (the gradient of A v): vᵀA', [300, 40], [300, 1], true, false],
    ['u op(B) with B transposed (matrix seen once)', [1, 40], [300, 40], false, true],
    ['u B with u a column given with transposeA', [40, 1], [40, 300], true, false],
    ['outer product a bᵀ with transposeB', [300, 1], [40, 1], false, true],
    ['outer product with transposeA', [1, 300], [1, 40], true, false],
    ['small A v (original kernel)', [5, 3], [3, 1], false, false],
    ['matrix times matrix (original kernel)', [30, 20], [20, 7], false, false],
  ];
  for (const [label, aShape, bShape, tA, tB] of cases) {
    it(`${label}: ${JSON.stringify(aShape)}·${JSON.stringify(bShape)} matches a double-precision product`, () => {
      const a = values(aShape[0] * aShape[1], 1);
      const b = values(bShape[0] * bShape[1], 2);
      const out = tf.tidy(() => tf.matMul(tf.tensor2d(a, aShape), tf.tensor2d(b, bShape), tA, tB));
      const m = tA ? aShape[1] : aShape[0];
      const n = tB ? bShape[0] : bShape[1];
      expect(out.shape).to.deep.equal([m, n]);
      expectClose(out, reference(a, aShape, b, bShape, tA, tB), TOL);
      out.dispose();
    });
  }

  it('caches the transpose of a matrix met under two gradient tapes, gives the same products, and frees it with the matrix', () => {
    const [m, k] = [200, 60];
    const aVals = values(m * k, 3);
    const a = tf.tensor2d(aVals, [m, k]);
    const zVals = values(k, 4);
    const wVals = values(m, 5);
    const backend = tf.backend();
    const before = cachedTransposeBytes(backend);
    // f(z) = w · (A z): value wᵀAz, gradient Aᵀw.
    const step = () =>
      tf.tidy(() => {
        const { value, grad } = tf.valueAndGrad((z: tf.Tensor) => tf.sum(tf.mul(tf.tensor2d(wVals, [m, 1]), tf.matMul(a, z))))(tf.tensor2d(zVals, [k, 1]));
        return [value.dataSync()[0]!, Array.from(grad.dataSync())] as const;
      });
    const first = step(); // first tape: original path
    expect(cachedTransposeBytes(backend)).to.equal(before);
    const second = step(); // second tape: the transpose is made and used
    expect(cachedTransposeBytes(backend)).to.equal(before + m * k * 4);
    const az = reference(aVals, [m, k], zVals, [k, 1], false, false);
    const expected = az.reduce((s, v, i) => s + v * wVals[i]!, 0);
    const grad = reference(aVals, [m, k], wVals, [m, 1], true, false);
    for (const [value, g] of [first, second]) {
      expectClose(value, expected, TOL);
      expectClose(g, grad, TOL);
    }
    const third = tf.tidy(() => tf.matMul(tf.tensor2d(zVals, [1, k]), a, false, true)); // u Aᵀ reuses the same transpose
    expectClose(third, az, TOL);
    third.dispose();
    a.dispose();
    expect(cachedTransposeBytes(backend)).to.equal(before);
  });

  it('shares the buffer on tf.clone: the clone outlives its source with the same values, and nothing leaks', () => {
    expectNoTensorLeak(() => {
      const x = tf.tensor1d([1.5, -2, 3.25]);
      const c = tf.clone(x);
      x.dispose();
      expectClose(c, [1.5, -2, 3.25], { atol: 0, rtol: 0 });
      c.dispose();
    });
    const bytes = tf.memory().numBytes;
    tf.tidy(() => {
      tf.clone(tf.clone(tf.ones([1000])));
    });
    expect(tf.memory().numBytes).to.equal(bytes);
  });

  it('gives the same logistic-regression gradient as the cpu backend (N=500 rows, D=8), twice, without leaking', async () => {
    const [n, d] = [500, 8];
    const xv = values(n * d, 6);
    const yv = values(n, 7).map((v) => (v > 0 ? 1 : 0));
    const grad = (): number[] => {
      const x = tf.tensor2d(xv, [n, d]);
      const y = tf.tensor1d(yv);
      const g = tf.tidy(() =>
        Array.from(
          tf
            .grad((beta: tf.Tensor) => {
              const logits = tf.squeeze(tf.matMul(x, tf.reshape(beta, [d, 1])), [1]);
              return tf.sum(tf.sub(tf.softplus(logits), tf.mul(y, logits)));
            })(tf.tensor1d(values(d, 8)))
            .dataSync(),
        ),
      );
      tf.dispose([x, y]);
      return g;
    };
    let onWasm: number[] = [];
    expectNoTensorLeak(() => {
      onWasm = grad();
      grad();
    });
    await setBackend('cpu');
    const onCpu = grad();
    await setBackend('wasm');
    expectClose(onWasm, onCpu, { atol: 1e-3, rtol: 1e-4 });
  });
});
