import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { ValueError } from '../../src/kernel/errors.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { Delta } from '../../src/distributions/delta.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';

describe('Delta', () => {
  it('draws v itself with shape sampleShape ++ batch ++ event (eventDim 1: batch [2], event [3])', () => {
    tf.tidy(() => {
      const v = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
      const d = new Delta(v, 0, { eventDim: 1 });
      expect(d.batchShape).to.deep.equal([2]);
      expect(d.eventShape).to.deep.equal([3]);
      const x = d.sample(PRNGKey(0), [4]);
      expect(x.shape).to.deep.equal([4, 2, 3]);
      expectClose(tf.slice(x, [3, 0, 0], [1, 2, 3]), [1, 2, 3, 4, 5, 6]);
      expectClose(d.mean, v);
      expectClose(d.variance, tf.zeros([2, 3]));
      expect(d.hasRsample).to.equal(true);
    });
  });
  it('logProb is logDensity at v and -Infinity elsewhere, summed over the event', () => {
    tf.tidy(() => {
      const d = new Delta(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor1d([-0.5, 2]), { eventDim: 1 });
      expectClose(d.logProb(tf.tensor2d([[1, 2], [3, 4]])), [-0.5, 2]);
      expectClose(d.logProb(tf.tensor2d([[1, 2.5], [3, 4]])), [-Infinity, 2]);
      // A value with an extra sample dim broadcasts against v.
      expect(d.logProb(tf.zeros([5, 2, 2])).shape).to.deep.equal([5, 2]);
    });
  });
  it('passes gradients to v through rsample and to logDensity through logProb', () => {
    tf.tidy(() => {
      const gv = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(new Delta(v).rsample(PRNGKey(1), [3]), tf.tensor1d([1, 2, 3]))))(tf.scalar(0.7));
      expectClose(gv, 6);
      const [g1, g2] = tf.grads((v: tf.Tensor, ld: tf.Tensor) => new Delta(v, ld).logProb(v))([tf.scalar(0.7), tf.scalar(-1)]);
      expectClose(g1!, 0);
      expectClose(g2!, 1);
    });
  });
  it('rejects a bad eventDim or a logDensity that does not broadcast, naming the argument', () => {
    expectVinferError(() => new Delta(tf.zeros([3]), 0, { eventDim: 2 }), ValueError, 'Delta', "'eventDim'");
    expectVinferError(() => new Delta(tf.zeros([3]), tf.zeros([2])), ValueError, 'Delta', "'logDensity'");
  });
  it('leaks no tensors in sample and logProb', () => {
    const d = new Delta(tf.tensor1d([1, 2]), 0, { eventDim: 1 });
    const v = tf.tensor1d([1, 2]);
    expectNoTensorLeak(() => {
      tf.dispose([d.sample(PRNGKey(0), [2]), d.logProb(v)]);
    });
    v.dispose();
  });
});
