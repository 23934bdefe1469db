import * as tf from '@tensorflow/tfjs';

import { LowerCholeskyAffine } from '../../src/distributions/lower-cholesky-affine.js';
import { ValueError } from '../../src/kernel/errors.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';

describe('LowerCholeskyAffine', () => {
  const loc = [1, -2];
  const tril = [
    [2, 0],
    [0.5, 0.25],
  ];

  it('forward is loc + L x for a batch of points ([3, 2]), inverse undoes it, logAbsDetJacobian = log 2 + log 0.25', () => {
    const [l, t] = [tf.tensor1d(loc), tf.tensor2d(tril)];
    const x = tf.tensor2d([
      [0, 0],
      [1, 0],
      [-1, 2],
    ]);
    expectNoTensorLeak(() => {
      tf.tidy(() => {
        const tr = new LowerCholeskyAffine(l, t);
        const y = tr.forward(x);
        // Row by row: loc + [2 x0, 0.5 x0 + 0.25 x1].
        expectClose(y, tf.tensor2d([[1, -2], [3, -1.5], [-1, -2]]), { atol: 1e-6 });
        expectClose(tr.inverse(y), x, { atol: 1e-6 });
        expectClose(tr.logAbsDetJacobian(x), tf.fill([3], Math.log(2) + Math.log(0.25)), { atol: 1e-6 });
      });
    });
    tf.dispose([l, t, x]);
  });

  it('rejects shapes that do not fit', () => {
    const [l, t] = [tf.zeros([3]), tf.eye(2)];
    expectVinferError(() => new LowerCholeskyAffine(l, t), ValueError, 'LowerCholeskyAffine', '[3]', '[2, 2]');
    tf.dispose([l, t]);
  });
});
