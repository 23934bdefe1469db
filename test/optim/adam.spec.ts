import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { ValueError } from '../../src/kernel/errors.js';
import { Adam, adam } from '../../src/optim/adam.js';
import { exponentialDecay } from '../../src/optim/schedules.js';
import { disposeTree } from '../../src/optim/state.js';
import { expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';
import { type ElementRef, makeParams, run } from './harness.js';
import { checkAgainstReference } from './reference-check.js';

/** torch.optim.Adam's documented algorithm (L2 weight decay, optional AMSGrad), in doubles. */
function refAdam({ lr = 1e-3 as number | ((c: number) => number), b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0, amsgrad = false }): ElementRef {
  return (p0, grads) => {
    let [p, m, v, vMax] = [p0, 0, 0, 0];
    const params: number[] = [];
    grads.forEach((g0, k) => {
      const t = k + 1;
      const g = g0 + wd * p;
      m = b1 * m + (1 - b1) * g;
      v = b2 * v + (1 - b2) * g * g;
      vMax = Math.max(vMax, v);
      const mHat = m / (1 - b1 ** t);
      const vHat = (amsgrad ? vMax : v) / (1 - b2 ** t);
      const rate = typeof lr === 'number' ? lr : lr(k);
      p -= (rate * mHat) / (Math.sqrt(vHat) + eps);
      params.push(p);
    });
    const slots: Record<string, number> = amsgrad ? { m, v, vMax } : { m, v };
    return { params, slots };
  };
}

describe('Adam', () => {
  it("declares its plugin identity { kind: 'optimizer', name: 'adam' }", () => {
    expect(Adam.plugin).to.deep.equal({ kind: 'optimizer', name: 'adam' });
  });

  describe('matches torch.optim.Adam in double precision (10 updates, |Δ| <= 1e-6 + 1e-6·|ref|)', () => {
    it('with the defaults (lr 1e-3)', () => {
      checkAgainstReference(new Adam(), refAdam({}), ['m', 'v']);
    });
    it('with lr 0.05, betas [0.8, 0.99], eps 1e-3', () => {
      checkAgainstReference(new Adam({ lr: 0.05, betas: [0.8, 0.99], eps: 1e-3 }), refAdam({ lr: 0.05, b1: 0.8, b2: 0.99, eps: 1e-3 }), ['m', 'v']);
    });
    it('with weightDecay 0.1 and amsgrad', () => {
      checkAgainstReference(
        adam({ lr: 0.02, weightDecay: 0.1, amsgrad: true }),
        refAdam({ lr: 0.02, wd: 0.1, amsgrad: true }),
        ['m', 'v', 'vMax'],
      );
    });
    it('with beta1 0 and beta2 0 (no averaging)', () => {
      checkAgainstReference(new Adam({ lr: 0.01, betas: [0, 0] }), refAdam({ lr: 0.01, b1: 0, b2: 0 }), ['m', 'v']);
    });
    it('with an exponentialDecay schedule as lr', () => {
      const schedule = exponentialDecay({ initValue: 0.05, transitionSteps: 3, decayRate: 0.5 });
      checkAgainstReference(new Adam({ lr: schedule }), refAdam({ lr: schedule }), ['m', 'v']);
    });
    it('leaves parameters unchanged (but updates moments) where the schedule gives lr 0', () => {
      const schedule = (c: number): number => (c % 2 === 0 ? 0 : 0.01);
      checkAgainstReference(new Adam({ lr: schedule }), refAdam({ lr: schedule }), ['m', 'v']);
    });
  });

  describe('per-parameter options (Pyro style)', () => {
    it('applies each parameter its own lr and betas, matching the reference per parameter', () => {
      const opts = (name: string) => (name === 'a' ? { lr: 0.05 } : name === 'b' ? { lr: 0.01, betas: [0.5, 0.9] as const } : { lr: 0.2, eps: 1e-2 });
      const refs: Record<string, ElementRef> = {
        a: refAdam({ lr: 0.05 }),
        b: refAdam({ lr: 0.01, b1: 0.5, b2: 0.9 }),
        c: refAdam({ lr: 0.2, eps: 1e-2 }),
      };
      checkAgainstReference(new Adam(opts), { perParam: (name) => refs[name]! }, ['m', 'v']);
    });

    it('calls the options function once per parameter, across init and 10 updates', () => {
      const calls: string[] = [];
      const opt = new Adam((name) => {
        calls.push(name);
        return { lr: 0.01 };
      });
      const r = run(opt, 10);
      expect(calls).to.deep.equal(['a', 'b', 'c']);
      disposeTree([r.params, r.state]);
    });

    it('reports bad per-parameter options with the parameter name', () => {
      const opt = new Adam((name) => ({ lr: name === 'b' ? -2 : 0.1 }));
      const p = makeParams();
      expectNoTensorLeak(() => {
        expectVinferError(() => opt.init(p), ValueError, "Adam (parameter 'b'): option 'lr' must be a positive number or a schedule, got -2");
      });
      const failing = new Adam(() => {
        throw new Error('boom');
      });
      expectVinferError(() => failing.init(p), ValueError, "Adam (parameter 'a'): the per-parameter options function threw: Error: boom");
      disposeTree(p);
    });
  });

  it('starts with zero m and v slots shaped like the parameters', () => {
    const opt = new Adam();
    const p = { w: tf.ones([2, 2]) };
    const s = opt.init(p);
    expect(s.count).to.equal(0);
    expect(Object.keys(s.slots)).to.deep.equal(['m', 'v']);
    const m = (s.slots.m as Record<string, tf.Tensor>).w!;
    expect(m.shape).to.deep.equal([2, 2]);
    expect(Array.from(m.dataSync())).to.deep.equal([0, 0, 0, 0]);
    expect(m).to.not.equal(p.w);
    tf.dispose([p.w, m, (s.slots.v as Record<string, tf.Tensor>).w!]);
  });

  it('rejects bad options with ValueError', () => {
    expectVinferError(() => new Adam({ lr: -1 }), ValueError, "Adam: option 'lr' must be a positive number or a schedule, got -1");
    expectVinferError(() => new Adam({ lr: 0 }), ValueError, "option 'lr'");
    expectVinferError(() => new Adam({ betas: [1, 0.9] }), ValueError, "Adam: option 'betas' must be a pair [beta1, beta2] with each in [0, 1), got [1,0.9]");
    expectVinferError(() => new Adam({ eps: -1e-8 }), ValueError, "Adam: option 'eps' must be a number >= 0, got -1e-8");
    expectVinferError(() => new Adam({ weightDecay: NaN }), ValueError, "option 'weightDecay'");
    expectVinferError(() => new Adam({ amsgrad: 1 as unknown as boolean }), ValueError, "option 'amsgrad' must be true or false");
    expectVinferError(() => new Adam({ learningRate: 0.1 } as never), ValueError, "Adam: unknown option 'learningRate'. Known options: lr, betas, eps, weightDecay, amsgrad.");
    expectVinferError(() => new Adam({ beta: [0.9, 0.99] } as never), ValueError, "Did you mean 'betas'?");
  });
});
