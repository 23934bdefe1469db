import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { stopGradient, valueAndGradsAllowUnused } from '../../src/kernel/autodiff.js';
import { expectClose, expectNoTensorLeak } from '../helpers/assert.js';

describe('autodiff', () => {
  describe('valueAndGradsAllowUnused', () => {
    it('gives the value and gradients, and a zero gradient for an input f does not use', () => {
      tf.tidy(() => {
        const [a, b] = [tf.tensor1d([1, 2]), tf.scalar(3)];
        const { value, grads } = valueAndGradsAllowUnused(([x]) => tf.sum(tf.square(x!)), [a, b]);
        expectClose(value, 5);
        expectClose(grads[0]!, [2, 4]);
        expect(grads[1]!.shape).to.deep.equal([]);
        expectClose(grads[1]!, 0);
      });
    });

    it('releases the tensors the tape saved when f throws (100 failing calls leave nothing behind)', () => {
      const x = tf.tensor1d([0.5, -1]);
      expectNoTensorLeak(() => {
        for (let i = 0; i < 100; i++) {
          expect(() =>
            tf.tidy(() =>
              valueAndGradsAllowUnused(([v]) => {
                tf.exp(tf.mul(v!, 2)); // ops whose backward passes need saved tensors
                throw new Error('model failed');
              }, [x]),
            ),
          ).to.throw('model failed');
        }
      });
      // …and the next gradient still works.
      tf.tidy(() => expectClose(valueAndGradsAllowUnused(([v]) => tf.sum(tf.mul(v!, 3)), [x]).grads[0]!, [3, 3]));
      x.dispose();
    });

    it('a failure inside an enclosing gradient releases only its own part of the tape', () => {
      const x = tf.scalar(1.5);
      const g = tf.tidy(() =>
        tf.grad((v: tf.Tensor) => {
          const outer = tf.square(v); // recorded by the enclosing gradient
          expect(() =>
            valueAndGradsAllowUnused(([w]) => {
              tf.exp(w!);
              throw new Error('inner failed');
            }, [v]),
          ).to.throw('inner failed');
          return outer;
        })(x),
      );
      expectClose(g, 3); // d/dv v² at 1.5, computed from the outer tape left intact
      tf.dispose([g, x]);
    });
  });

  describe('stopGradient', () => {
    it('passes the value and blocks the gradient', () => {
      tf.tidy(() => {
        const g = tf.grad((v: tf.Tensor) => tf.add(tf.square(v), tf.mul(stopGradient(v), v)))(tf.scalar(2));
        // d/dv [v² + c·v] with c = 2 held constant: 2v + c = 6.
        expectClose(g, 6);
      });
    });
  });
});
