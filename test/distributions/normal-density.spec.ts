import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { Normal } from '../../src/distributions/normal.js';
import { JS_NORMAL_MAX_SIZE, canUseJsNormal, normalLogDensityJs } from '../../src/distributions/normal-density.js';
import { expectClose, expectNoTensorLeak } from '../helpers/assert.js';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

// value [2, 3], loc [3], scale [2, 1]: every input broadcasts differently.
const V = [
  [0.3, -1.2, 2.5],
  [1.1, 0.4, -0.7],
];
const LOC = [0.4, -0.5, 1.0];
const SCALE = [[1.7], [0.6]];
const DY = [
  [0.5, -1.0, 2.0],
  [1.5, 0.25, -0.75],
];

/** Closed-form value and gradients (summed to each input's shape) in double precision. */
function closedForm(): { value: number[]; gv: number[]; gl: number[]; gs: number[] } {
  const value: number[] = [];
  const gv: number[] = [];
  const gl = [0, 0, 0];
  const gs = [0, 0];
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 3; j++) {
      const s = SCALE[i]![0]!;
      const z = (V[i]![j]! - LOC[j]!) / s;
      const dy = DY[i]![j]!;
      value.push(-0.5 * z * z - Math.log(s) - HALF_LOG_2PI);
      gv.push((-dy * z) / s);
      gl[j]! += (dy * z) / s;
      gs[i]! += (dy * (z * z - 1)) / s;
    }
  }
  return { value, gv, gl, gs };
}

describe('Normal log-density in JS loops (small tensors)', () => {
  it('is used for small float32 densities outside nested gradients, and not otherwise', () => {
    let inside: boolean | undefined;
    tf.tidy(() => {
      const t = tf.scalar(1);
      expect(canUseJsNormal([3], t)).to.equal(true);
      expect(canUseJsNormal([JS_NORMAL_MAX_SIZE + 1], t)).to.equal(false);
      expect(canUseJsNormal([0], t)).to.equal(false);
      expect(canUseJsNormal([3], tf.scalar(1, 'int32'))).to.equal(false);
      tf.grad((x: tf.Tensor) =>
        tf.grad((y: tf.Tensor) => {
          inside = canUseJsNormal([3], y);
          return tf.sum(tf.square(y));
        })(x),
      )(tf.scalar(2));
    });
    expect(inside, 'at gradient depth 2').to.equal(false);
  });

  it('matches the closed-form value and gradients with broadcasting (value [2,3], loc [3], scale [2,1])', () => {
    const want = closedForm();
    tf.tidy(() => {
      const args = [tf.tensor2d(V), tf.tensor1d(LOC), tf.tensor2d(SCALE)];
      const lp = normalLogDensityJs(args[0]!, args[1]!, args[2]!, [2, 3]);
      expect(lp.shape).to.deep.equal([2, 3]);
      expectClose(lp, want.value, { atol: 1e-6, rtol: 1e-6 });
      const [gv, gl, gs] = tf.grads((v: tf.Tensor, l: tf.Tensor, s: tf.Tensor) => tf.sum(tf.mul(normalLogDensityJs(v, l, s, [2, 3]), tf.tensor2d(DY))))(args);
      expect([gv!.shape, gl!.shape, gs!.shape]).to.deep.equal([[2, 3], [3], [2, 1]]);
      expectClose(gv!, want.gv, { atol: 1e-6, rtol: 1e-5 });
      expectClose(gl!, want.gl, { atol: 1e-6, rtol: 1e-5 });
      expectClose(gs!, want.gs, { atol: 1e-6, rtol: 1e-5 });
    });
  });

  it('agrees with the tfjs composition used at gradient depth 2 (value and first derivatives, 40 elements)', () => {
    const v = Array.from({ length: 40 }, (_, i) => Math.sin(i) * 2);
    const [js, composed] = tf.tidy(() => {
      const f = (l: tf.Tensor, s: tf.Tensor) => tf.sum(tf.mul(new Normal(l, s).logProb(tf.tensor1d(v)), tf.linspace(-1, 1, 40)));
      const direct = tf.grads(f)([tf.scalar(0.3), tf.scalar(1.4)]).map((g) => g.dataSync()[0]!);
      // The same first derivatives computed one level down (inside an outer gradient) take the tfjs path.
      let nested: number[] = [];
      tf.grad((t: tf.Tensor) => {
        const g = tf.grads(f)([tf.add(t, 0.3), tf.scalar(1.4)]);
        nested = g.map((x) => x.dataSync()[0]!);
        return tf.sum(g[0]!);
      })(tf.scalar(0));
      return [direct, nested];
    });
    expectClose(js!, composed!, { atol: 1e-5, rtol: 1e-5 });
  });

  it('keeps second derivatives exact through Normal.logProb: d²/dloc² Σ log N(v; loc, s) = −n/s²', () => {
    const v = [0.5, -1.5, 2.0];
    const d2 = tf.tidy(() => tf.grad((l: tf.Tensor) => tf.grad((m: tf.Tensor) => tf.sum(new Normal(m, 0.8).logProb(tf.tensor1d(v))))(l))(tf.scalar(0.1)).dataSync()[0]!);
    expectClose(d2, -3 / 0.64, { atol: 1e-5, rtol: 1e-5 });
  });

  it('leaks no tensors in its forward and backward passes', () => {
    const args = [tf.tensor2d(V), tf.tensor1d(LOC), tf.tensor2d(SCALE)];
    expectNoTensorLeak(() => {
      tf.dispose(normalLogDensityJs(args[0]!, args[1]!, args[2]!, [2, 3]));
      tf.dispose(tf.grads((v: tf.Tensor, l: tf.Tensor, s: tf.Tensor) => tf.sum(normalLogDensityJs(v, l, s, [2, 3])))(args));
    });
    tf.dispose(args);
  });
});
