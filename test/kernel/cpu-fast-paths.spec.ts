import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { expectClose, expectNoTensorLeak } from '../helpers/assert.js';

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 0.999);
}

/** op(A) op(B) in double precision for row-major inputs, flattened [m, n]. */
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

// The loops accumulate in double precision and round once, so the only error is the float32
// rounding of the inputs' product sums: |result| <= k <= 203, rounding ~1.2e-7 relative.
const TOL = { atol: 1e-5, rtol: 1e-5 };

describe('cpu fast paths (matrix-vector products)', () => {
  // Row counts that are not multiples of 4 exercise the loops' remainders.
  const cases: [string, [number, number], [number, number], boolean, boolean][] = [
    ['A v', [203, 30], [30, 1], false, false],
    ['A v with v a row given with transposeB', [203, 30], [1, 30], false, true],
    ['Aᵀ w', [203, 30], [203, 1], true, false],
    ['u B', [1, 203], [203, 30], false, false],
    ['u Bᵀ', [1, 30], [203, 30], false, true],
    ['u B with u a column given with transposeA', [203, 1], [203, 30], true, false],
    ['small A v (original kernel)', [5, 3], [3, 1], false, false],
    ['matrix times transposed matrix (original kernel)', [30, 20], [7, 20], false, true],
  ];
  for (const [label, aShape, bShape, tA, tB] of cases) {
    it(`${label}: ${JSON.stringify(aShape)}·${JSON.stringify(bShape)} matches a double-precision product`, () => {
      const a = values(aShape[0] * aShape[1], 1);
      const b = values(bShape[0] * bShape[1], 2);
      expectNoTensorLeak(() => {
        const out = tf.tidy(() => tf.matMul(tf.tensor2d(a, aShape), tf.tensor2d(b, bShape), tA, tB));
        expect(out.shape).to.deep.equal([tA ? aShape[1] : aShape[0], tB ? bShape[0] : bShape[1]]);
        expectClose(out, reference(a, aShape, b, bShape, tA, tB), TOL);
        out.dispose();
      });
    });
  }

  it('differentiates a matrix-vector product: d/dz wᵀ(A z) = Aᵀw (A 203×30)', () => {
    const [m, k] = [203, 30];
    const a = values(m * k, 3);
    const w = values(m, 4);
    const g = tf.tidy(() =>
      tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.tensor2d(w, [m, 1]), tf.matMul(tf.tensor2d(a, [m, k]), z))))(tf.tensor2d(values(k, 5), [k, 1])),
    );
    expectClose(g, reference(a, [m, k], w, [m, 1], true, false), TOL);
    g.dispose();
  });
});
