import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { ValueError } from '../../src/kernel/errors.js';
import { SGD, sgd } from '../../src/optim/sgd.js';
import { expectVinferError } from '../helpers/assert.js';
import { disposeTree } from '../../src/optim/state.js';
import { type ElementRef, makeParams } from './harness.js';
import { checkAgainstReference } from './reference-check.js';

/** torch.optim.SGD's documented algorithm, in doubles. */
function refSGD({ lr = 1e-3, momentum = 0, dampening = 0, nesterov = false, wd = 0 }): ElementRef {
  return (p0, grads) => {
    let [p, b] = [p0, 0];
    const params: number[] = [];
    grads.forEach((g0, k) => {
      let g = g0 + wd * p;
      if (momentum !== 0) {
        b = k === 0 ? g : momentum * b + (1 - dampening) * g;
        g = nesterov ? g + momentum * b : b;
      }
      p -= lr * g;
      params.push(p);
    });
    const slots: Record<string, number> = momentum !== 0 ? { momentum: b } : {};
    return { params, slots };
  };
}

describe('SGD', () => {
  it("declares its plugin identity { kind: 'optimizer', name: 'sgd' }", () => {
    expect(SGD.plugin).to.deep.equal({ kind: 'optimizer', name: 'sgd' });
  });

  describe('matches torch.optim.SGD in double precision (10 updates, |Δ| <= 1e-6 + 1e-6·|ref|)', () => {
    it('plain (lr 0.1)', () => {
      checkAgainstReference(new SGD({ lr: 0.1 }), refSGD({ lr: 0.1 }), []);
    });
    it('with momentum 0.9', () => {
      checkAgainstReference(sgd({ lr: 0.05, momentum: 0.9 }), refSGD({ lr: 0.05, momentum: 0.9 }), ['momentum']);
    });
    it('with momentum 0.9 and dampening 0.3', () => {
      checkAgainstReference(
        new SGD({ lr: 0.05, momentum: 0.9, dampening: 0.3 }),
        refSGD({ lr: 0.05, momentum: 0.9, dampening: 0.3 }),
        ['momentum'],
      );
    });
    it('with Nesterov momentum 0.8 and weightDecay 0.2', () => {
      checkAgainstReference(
        new SGD({ lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.2 }),
        refSGD({ lr: 0.05, momentum: 0.8, nesterov: true, wd: 0.2 }),
        ['momentum'],
      );
    });
    it('with weightDecay 0.5 and no momentum', () => {
      checkAgainstReference(new SGD({ lr: 0.1, weightDecay: 0.5 }), refSGD({ lr: 0.1, wd: 0.5 }), []);
    });
  });

  it('mixes parameters with and without momentum through per-parameter options', () => {
    const refs: Record<string, ElementRef> = {
      a: refSGD({ lr: 0.05, momentum: 0.9 }),
      b: refSGD({ lr: 0.1 }),
      c: refSGD({ lr: 0.02, momentum: 0.5, nesterov: true }),
    };
    const opt = new SGD((name) => (name === 'a' ? { lr: 0.05, momentum: 0.9 } : name === 'b' ? { lr: 0.1 } : { lr: 0.02, momentum: 0.5, nesterov: true }));
    const state = opt.init(makeParams());
    expect(Object.keys(state.slots.momentum as object)).to.deep.equal(['a', 'c']);
    disposeTree(state);
    checkAgainstReference(opt, { perParam: (name) => refs[name]! }, (name) => (name === 'b' ? [] : ['momentum']));
  });

  it('has no slots without momentum, and a zero momentum slot with it', () => {
    const p = { w: tf.ones([3]) };
    expect(new SGD({ lr: 0.1 }).init(p)).to.deep.equal({ count: 0, slots: {} });
    const s = new SGD({ lr: 0.1, momentum: 0.5 }).init(p);
    const buf = (s.slots.momentum as Record<string, tf.Tensor>).w!;
    expect(Array.from(buf.dataSync())).to.deep.equal([0, 0, 0]);
    tf.dispose([p.w, buf]);
  });

  it('rejects bad options with ValueError', () => {
    expectVinferError(() => new SGD({ lr: -0.1 }), ValueError, "SGD: option 'lr' must be a positive number or a schedule, got -0.1");
    expectVinferError(() => new SGD({ momentum: -0.5 }), ValueError, "SGD: option 'momentum' must be a number >= 0, got -0.5");
    expectVinferError(() => new SGD({ nesterov: true }), ValueError, "SGD: option 'nesterov' needs momentum > 0 and dampening 0, got momentum 0 and dampening 0");
    expectVinferError(() => new SGD({ momentum: 0.9, dampening: 0.1, nesterov: true }), ValueError, 'needs momentum > 0 and dampening 0');
    expectVinferError(() => new SGD({ lr: 0.1, weight_decay: 0.1 } as never), ValueError, "unknown option 'weight_decay'", "Did you mean 'weightDecay'?");
    expectVinferError(() => new SGD('fast' as never), ValueError, 'SGD: options must be an object');
  });
});
