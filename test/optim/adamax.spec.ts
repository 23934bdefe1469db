import { expect } from 'chai';

import { ValueError } from '../../src/kernel/errors.js';
import { Adamax, adamax } from '../../src/optim/adamax.js';
import { expectVinferError } from '../helpers/assert.js';
import type { ElementRef } from './harness.js';
import { checkAgainstReference } from './reference-check.js';

/** torch.optim.Adamax's documented algorithm, in doubles. */
function refAdamax({ lr = 2e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0 }): ElementRef {
  return (p0, grads) => {
    let [p, m, u] = [p0, 0, 0];
    const params: number[] = [];
    grads.forEach((g0, k) => {
      const g = g0 + wd * p;
      m = b1 * m + (1 - b1) * g;
      u = Math.max(b2 * u, Math.abs(g) + eps);
      p -= (lr / (1 - b1 ** (k + 1))) * (m / u);
      params.push(p);
    });
    return { params, slots: { m, u } };
  };
}

describe('Adamax', () => {
  it("declares its plugin identity { kind: 'optimizer', name: 'adamax' }", () => {
    expect(Adamax.plugin).to.deep.equal({ kind: 'optimizer', name: 'adamax' });
  });

  describe('matches torch.optim.Adamax in double precision (10 updates, |Δ| <= 1e-6 + 1e-6·|ref|)', () => {
    it('with the defaults (lr 0.002)', () => {
      checkAgainstReference(new Adamax(), refAdamax({}), ['m', 'u']);
    });
    it('with lr 0.03, betas [0.7, 0.9], eps 1e-3 and weightDecay 0.1', () => {
      checkAgainstReference(
        adamax({ lr: 0.03, betas: [0.7, 0.9], eps: 1e-3, weightDecay: 0.1 }),
        refAdamax({ lr: 0.03, b1: 0.7, b2: 0.9, eps: 1e-3, wd: 0.1 }),
        ['m', 'u'],
      );
    });
  });

  it('rejects bad options with ValueError', () => {
    expectVinferError(() => new Adamax({ betas: [0.9] as never }), ValueError, "Adamax: option 'betas' must be a pair [beta1, beta2]");
    expectVinferError(() => new Adamax({ betas: [0.9, -0.1] }), ValueError, "option 'betas'");
    expectVinferError(() => new Adamax({ eps: Infinity }), ValueError, "option 'eps' must be a number >= 0, got Infinity");
  });
});
