import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { ValueError } from '../../src/kernel/errors.js';
import { Adagrad, adagrad } from '../../src/optim/adagrad.js';
import { expectVinferError } from '../helpers/assert.js';
import type { ElementRef } from './harness.js';
import { checkAgainstReference } from './reference-check.js';

/** torch.optim.Adagrad's documented algorithm, in doubles. */
function refAdagrad({ lr = 1e-2, lrDecay = 0, init = 0, eps = 1e-10, wd = 0 }): ElementRef {
  return (p0, grads) => {
    let [p, s] = [p0, init];
    const params: number[] = [];
    grads.forEach((g0, k) => {
      const g = g0 + wd * p;
      const clr = lr / (1 + k * lrDecay); // k = t − 1
      s += g * g;
      p -= (clr * g) / (Math.sqrt(s) + eps);
      params.push(p);
    });
    return { params, slots: { sum: s } };
  };
}

describe('Adagrad', () => {
  it("declares its plugin identity { kind: 'optimizer', name: 'adagrad' }", () => {
    expect(Adagrad.plugin).to.deep.equal({ kind: 'optimizer', name: 'adagrad' });
  });

  describe('matches torch.optim.Adagrad in double precision (10 updates, |Δ| <= 1e-6 + 1e-6·|ref|)', () => {
    it('with the defaults (lr 0.01)', () => {
      checkAgainstReference(new Adagrad(), refAdagrad({}), ['sum']);
    });
    it('with lr 0.1, lrDecay 0.05, initialAccumulatorValue 0.3, eps 1e-6 and weightDecay 0.2', () => {
      checkAgainstReference(
        adagrad({ lr: 0.1, lrDecay: 0.05, initialAccumulatorValue: 0.3, eps: 1e-6, weightDecay: 0.2 }),
        refAdagrad({ lr: 0.1, lrDecay: 0.05, init: 0.3, eps: 1e-6, wd: 0.2 }),
        ['sum'],
      );
    });
  });

  it('fills the sum slot with initialAccumulatorValue at init', () => {
    const p = { w: tf.zeros([2]) };
    const s = new Adagrad({ initialAccumulatorValue: 0.25 }).init(p);
    const sum = (s.slots.sum as Record<string, tf.Tensor>).w!;
    expect(Array.from(sum.dataSync())).to.deep.equal([0.25, 0.25]);
    tf.dispose([p.w, sum]);
  });

  it('rejects bad options with ValueError', () => {
    expectVinferError(() => new Adagrad({ lrDecay: -0.1 }), ValueError, "Adagrad: option 'lrDecay' must be a number >= 0, got -0.1");
    expectVinferError(() => new Adagrad({ initialAccumulatorValue: -1 }), ValueError, "option 'initialAccumulatorValue' must be a number >= 0");
    expectVinferError(() => new Adagrad({ eps: -1 }), ValueError, "option 'eps'");
    expectVinferError(() => new Adagrad({ lr: '0.1' as never }), ValueError, "option 'lr' must be a positive number or a schedule, got \"0.1\"");
  });
});
