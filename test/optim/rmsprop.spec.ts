import { expect } from 'chai';

import { ValueError } from '../../src/kernel/errors.js';
import { RMSProp, rmsprop } from '../../src/optim/rmsprop.js';
import { expectVinferError } from '../helpers/assert.js';
import type { ElementRef } from './harness.js';
import { checkAgainstReference } from './reference-check.js';

/** torch.optim.RMSprop's documented algorithm, in doubles. */
function refRMSProp({ lr = 1e-2, alpha = 0.99, eps = 1e-8, momentum = 0, centered = false, wd = 0 }): ElementRef {
  return (p0, grads) => {
    let [p, sq, ga, b] = [p0, 0, 0, 0];
    const params: number[] = [];
    for (const g0 of grads) {
      const g = g0 + wd * p;
      sq = alpha * sq + (1 - alpha) * g * g;
      let avg = sq;
      if (centered) {
        ga = alpha * ga + (1 - alpha) * g;
        avg = sq - ga * ga;
      }
      const d = Math.sqrt(avg) + eps;
      if (momentum > 0) {
        b = momentum * b + g / d;
        p -= lr * b;
      } else {
        p -= (lr * g) / d;
      }
      params.push(p);
    }
    const slots: Record<string, number> = { squareAvg: sq };
    if (centered) slots.gradAvg = ga;
    if (momentum > 0) slots.momentum = b;
    return { params, slots };
  };
}

describe('RMSProp', () => {
  it("declares its plugin identity { kind: 'optimizer', name: 'rmsprop' }", () => {
    expect(RMSProp.plugin).to.deep.equal({ kind: 'optimizer', name: 'rmsprop' });
  });

  describe('matches torch.optim.RMSprop in double precision (10 updates, |Δ| <= 1e-6 + 1e-6·|ref|)', () => {
    it('with the defaults (lr 0.01, alpha 0.99)', () => {
      checkAgainstReference(new RMSProp(), refRMSProp({}), ['squareAvg']);
    });
    it('centred, alpha 0.9', () => {
      checkAgainstReference(rmsprop({ lr: 0.01, alpha: 0.9, centered: true }), refRMSProp({ alpha: 0.9, centered: true }), ['squareAvg', 'gradAvg']);
    });
    it('with momentum 0.7 and eps 1e-4', () => {
      checkAgainstReference(new RMSProp({ momentum: 0.7, eps: 1e-4 }), refRMSProp({ momentum: 0.7, eps: 1e-4 }), ['squareAvg', 'momentum']);
    });
    it('centred, with momentum 0.5 and weightDecay 0.1', () => {
      checkAgainstReference(
        new RMSProp({ lr: 0.005, centered: true, momentum: 0.5, weightDecay: 0.1 }),
        refRMSProp({ lr: 0.005, centered: true, momentum: 0.5, wd: 0.1 }),
        ['squareAvg', 'gradAvg', 'momentum'],
      );
    });
  });

  it('rejects bad options with ValueError', () => {
    expectVinferError(() => new RMSProp({ lr: Infinity }), ValueError, "RMSProp: option 'lr' must be a positive number or a schedule, got Infinity");
    expectVinferError(() => new RMSProp({ alpha: 1.5 }), ValueError, "RMSProp: option 'alpha' must be a number in [0, 1], got 1.5");
    expectVinferError(() => new RMSProp({ momentum: -1 }), ValueError, "option 'momentum' must be a number >= 0");
    expectVinferError(() => new RMSProp({ centered: 'yes' as never }), ValueError, "option 'centered' must be true or false");
    expectVinferError(() => new RMSProp({ rho: 0.9 } as never), ValueError, "unknown option 'rho'");
  });
});
