import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { ValueError } from '../../src/kernel/errors.js';
import { clipByGlobalNorm, clipByValue } from '../../src/optim/clip.js';
import { disposeTree, treeTensors } from '../../src/optim/state.js';
import { expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';
import { gradsAt } from './harness.js';

function bits(tree: unknown): number[][] {
  return treeTensors(tree).map((t) => Array.from(new Uint32Array(new Float32Array(t.dataSync()).buffer)));
}

describe('clipByGlobalNorm / clipByValue', () => {
  it('clipByValue(min, max) clamps to an asymmetric range', () => {
    const g = { w: tf.tensor([-3, -0.5, 0, 2, 9]) };
    const out = clipByValue(-1, 2).update(g, {}, g, 0);
    expect(Array.from(out.grads.w!.dataSync())).to.deep.equal([-1, -0.5, 0, 2, 2]);
    disposeTree([g, out.grads]);
  });

  it('clipByGlobalNorm passes gradients below the limit bit for bit, and scales others to the limit', () => {
    const g = gradsAt(0);
    const norm = Math.sqrt(treeTensors(g).reduce((s, t) => s + Array.from(t.dataSync()).reduce((a, x) => a + x * x, 0), 0));
    const same = clipByGlobalNorm(norm * 1.01).update(g, {}, g, 0);
    expect(bits(same.grads)).to.deep.equal(bits(g));
    const half = clipByGlobalNorm(norm / 2).update(g, {}, g, 0);
    const halfNorm = Math.sqrt(treeTensors(half.grads).reduce((s, t) => s + Array.from(t.dataSync()).reduce((a, x) => a + x * x, 0), 0));
    expect(halfNorm).to.be.closeTo(norm / 2, 1e-6 * norm); // float32 sums of ~12 squares: relative error ~1e-7
    disposeTree([g, same.grads, half.grads]);
  });

  it('clipByGlobalNorm leaves zero gradients at zero (no 0/0)', () => {
    const g = { w: tf.zeros([3]) };
    const out = clipByGlobalNorm(1).update(g, {}, g, 0);
    expect(Array.from(out.grads.w!.dataSync())).to.deep.equal([0, 0, 0]);
    disposeTree([g, out.grads]);
  });

  it('clip transformations leak no tensors when called outside a tidy', () => {
    const g = gradsAt(0);
    expectNoTensorLeak(() => {
      disposeTree(clipByGlobalNorm(1).update(g, {}, g, 0).grads);
      disposeTree(clipByValue(1).update(g, {}, g, 0).grads);
    });
    disposeTree(g);
  });

  it('rejects bad limits (ValueError)', () => {
    expectVinferError(() => clipByGlobalNorm(0), ValueError, 'clipByGlobalNorm: maxNorm must be a number > 0, got 0');
    expectVinferError(() => clipByValue(-1), ValueError, 'clipByValue: maxAbs must be a number > 0, got -1');
    expectVinferError(() => clipByValue(2, 1), ValueError, 'clipByValue: expected min <= max, got min 2 and max 1');
  });
});
