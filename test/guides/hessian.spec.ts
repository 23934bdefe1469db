import * as tf from '@tensorflow/tfjs';

import { finiteDifferenceHessian, hessian } from '../../src/guides/hessian.js';
import { ValueError } from '../../src/kernel/errors.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';

/** f(a, b) = exp(a·b) + sigmoid(a) + a²·log(1 + b²): exp and sigmoid need vinfer's second-derivative shims. */
function f(v: tf.Tensor): tf.Tensor {
  const [a, b] = tf.unstack(v) as [tf.Tensor, tf.Tensor];
  return tf.addN([tf.exp(tf.mul(a, b)), tf.sigmoid(a), tf.mul(tf.square(a), tf.log1p(tf.square(b)))]);
}

/** The analytic Hessian of f, row-major. */
function exactHessian(a: number, b: number): number[] {
  const e = Math.exp(a * b);
  const s = 1 / (1 + Math.exp(-a));
  const l = Math.log1p(b * b);
  const haa = b * b * e + s * (1 - s) * (1 - 2 * s) + 2 * l;
  const hab = e * (1 + a * b) + (4 * a * b) / (1 + b * b);
  const hbb = a * a * e + (a * a * 2 * (1 - b * b)) / (1 + b * b) ** 2;
  return [haa, hab, hab, hbb];
}

describe('hessian', () => {
  it('matches the analytic Hessian at (0.3, -0.5) to float32 precision (nested autodiff)', () => {
    const x = tf.tensor1d([0.3, -0.5]);
    expectNoTensorLeak(() => {
      const h = hessian(f, x);
      expectClose(h, exactHessian(0.3, -0.5), { atol: 1e-5, rtol: 1e-5 });
      h.dispose();
    });
    x.dispose();
  });

  it('rejects a point that is not a vector', () => {
    const x = tf.zeros([2, 2]);
    expectVinferError(() => hessian(f, x), ValueError, 'expected a vector', '[2, 2]');
    x.dispose();
  });
});

describe('finiteDifferenceHessian', () => {
  it('matches the analytic Hessian at (1.2, 0.7) within 1e-3 relative (central differences, step 5e-3·max(|x|, 1))', () => {
    // Truncation error ~ h²/6·|f''''| ≈ 1e-5 relative here; float32 rounding of the gradients
    // divided by 2h adds ~1e-5: 1e-3 leaves a wide margin.
    const x = tf.tensor1d([1.2, 0.7]);
    expectNoTensorLeak(() => {
      const h = finiteDifferenceHessian(f, x);
      expectClose(h, exactHessian(1.2, 0.7), { atol: 1e-3, rtol: 1e-3 });
      h.dispose();
    });
    x.dispose();
  });

  it('rejects a step that is not a finite number > 0', () => {
    const x = tf.tensor1d([0, 0]);
    expectVinferError(() => finiteDifferenceHessian(f, x, { relStep: 0 }), ValueError, "'relStep'");
    x.dispose();
  });
});
