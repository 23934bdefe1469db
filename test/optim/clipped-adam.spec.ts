import { expect } from 'chai';

import { ValueError } from '../../src/kernel/errors.js';
import { ClippedAdam, clippedAdam } from '../../src/optim/clipped-adam.js';
import { expectVinferError } from '../helpers/assert.js';
import type { ElementRef } from './harness.js';
import { checkAgainstReference } from './reference-check.js';

/**
 * pyro.optim.ClippedAdam's algorithm, in doubles: the group's lr is multiplied by lrd at the start
 * of every step, the gradient is clamped element-wise to ±clip_norm, and eps is added to √v
 * before the bias correction.
 */
function refClippedAdam({ lr = 1e-3 as number | ((c: number) => number), b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0, clip = 10, lrd = 1 }): ElementRef {
  return (p0, grads) => {
    let [p, m, v] = [p0, 0, 0];
    let decay = 1;
    const params: number[] = [];
    grads.forEach((g0, k) => {
      const t = k + 1;
      decay *= lrd;
      const rate = (typeof lr === 'number' ? lr : lr(k)) * decay;
      const g = Math.min(Math.max(g0, -clip), clip) + wd * p;
      m = b1 * m + (1 - b1) * g;
      v = b2 * v + (1 - b2) * g * g;
      const stepSize = (rate * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
      p -= (stepSize * m) / (Math.sqrt(v) + eps);
      params.push(p);
    });
    return { params, slots: { m, v } };
  };
}

describe('ClippedAdam', () => {
  it("declares its plugin identity { kind: 'optimizer', name: 'clipped_adam' }", () => {
    expect(ClippedAdam.plugin).to.deep.equal({ kind: 'optimizer', name: 'clipped_adam' });
  });

  describe("matches Pyro's ClippedAdam in double precision (10 updates, |Δ| <= 1e-6 + 1e-6·|ref|)", () => {
    it('with the defaults (clipNorm 10, no clipping happens)', () => {
      checkAgainstReference(new ClippedAdam(), refClippedAdam({}), ['m', 'v']);
    });
    it('with clipNorm 0.3 (clamps most elements), lrd 0.9, eps 1e-3 and weightDecay 0.1', () => {
      checkAgainstReference(
        clippedAdam({ lr: 0.05, clipNorm: 0.3, lrd: 0.9, eps: 1e-3, weightDecay: 0.1 }),
        refClippedAdam({ lr: 0.05, clip: 0.3, lrd: 0.9, eps: 1e-3, wd: 0.1 }),
        ['m', 'v'],
      );
    });
    it('with a schedule as lr, times lrd^t', () => {
      const schedule = (c: number): number => 0.02 / (1 + c);
      checkAgainstReference(new ClippedAdam({ lr: schedule, lrd: 0.95 }), refClippedAdam({ lr: schedule, lrd: 0.95 }), ['m', 'v']);
    });
  });

  it('rejects bad options with ValueError', () => {
    expectVinferError(() => new ClippedAdam({ clipNorm: 0 }), ValueError, "ClippedAdam: option 'clipNorm' must be a number > 0, got 0");
    expectVinferError(() => new ClippedAdam({ lrd: -0.5 }), ValueError, "ClippedAdam: option 'lrd' must be a number > 0, got -0.5");
    expectVinferError(() => new ClippedAdam({ clip_norm: 5 } as never), ValueError, "unknown option 'clip_norm'", "Did you mean 'clipNorm'?");
  });
});
