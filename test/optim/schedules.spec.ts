import { expect } from 'chai';

import { ValueError } from '../../src/kernel/errors.js';
import {
  constantSchedule,
  cosineDecay,
  exponentialDecay,
  joinSchedules,
  linearSchedule,
  piecewiseConstant,
  polynomialSchedule,
  warmupCosineDecay,
} from '../../src/optim/schedules.js';
import { expectVinferError } from '../helpers/assert.js';

/** Schedules are double-precision JS arithmetic: compare to the closed forms to 1e-12. */
const EPS = 1e-12;

function expectValues(schedule: (c: number) => number, table: [number, number][]): void {
  for (const [count, want] of table) expect(schedule(count), `at count ${count}`).to.be.closeTo(want, EPS);
}

describe('schedules (optax semantics)', () => {
  it('constantSchedule', () => {
    expectValues(constantSchedule(0.3), [[0, 0.3], [1000, 0.3]]);
  });

  describe('exponentialDecay', () => {
    it('decays continuously: init · rate^(count / transitionSteps)', () => {
      const s = exponentialDecay({ initValue: 0.1, transitionSteps: 10, decayRate: 0.5 });
      expectValues(s, [[0, 0.1], [5, 0.1 * 0.5 ** 0.5], [10, 0.05], [25, 0.1 * 0.5 ** 2.5]]);
    });
    it('in whole steps with staircase', () => {
      const s = exponentialDecay({ initValue: 0.1, transitionSteps: 10, decayRate: 0.5, staircase: true });
      expectValues(s, [[9, 0.1], [10, 0.05], [25, 0.025]]);
    });
    it('after transitionBegin, and clipped at endValue (a floor when decaying, a ceiling when growing)', () => {
      const s = exponentialDecay({ initValue: 0.1, transitionSteps: 10, decayRate: 0.5, transitionBegin: 5, endValue: 0.03 });
      expectValues(s, [[3, 0.1], [5, 0.1], [15, 0.05], [100, 0.03]]);
      const g = exponentialDecay({ initValue: 0.1, transitionSteps: 1, decayRate: 2, endValue: 1 });
      expectValues(g, [[1, 0.2], [3, 0.8], [4, 1], [50, 1]]);
    });
    it('rejects bad options (ValueError)', () => {
      expectVinferError(() => exponentialDecay({ initValue: 0.1, transitionSteps: 0, decayRate: 0.5 }), ValueError, "exponentialDecay: option 'transitionSteps' must be > 0, got 0");
      expectVinferError(() => exponentialDecay({ initValue: 0.1, transitionSteps: 5, decayRate: 0 }), ValueError, "option 'decayRate' must be > 0");
      expectVinferError(() => exponentialDecay({ initValue: NaN, transitionSteps: 5, decayRate: 0.5 }), ValueError, "option 'initValue' must be a finite number, got NaN");
      expectVinferError(() => exponentialDecay({ initValue: 1, transitionSteps: 5, decayRate: 0.5, transitionBegin: -1 }), ValueError, "option 'transitionBegin' must be >= 0");
    });
  });

  describe('cosineDecay', () => {
    it('init · ((1 − alpha)·½(1 + cos(π·min(count, steps)/steps))^exponent + alpha)', () => {
      expectValues(cosineDecay({ initValue: 2, decaySteps: 100, alpha: 0.1 }), [
        [0, 2],
        [25, 2 * (0.9 * 0.5 * (1 + Math.cos(Math.PI / 4)) + 0.1)],
        [50, 2 * 0.55],
        [100, 0.2],
        [200, 0.2],
      ]);
      expectValues(cosineDecay({ initValue: 1, decaySteps: 100, alpha: 0.1, exponent: 2 }), [[50, 0.9 * 0.25 + 0.1]]);
    });
    it('rejects decaySteps <= 0 (ValueError)', () => {
      expectVinferError(() => cosineDecay({ initValue: 1, decaySteps: 0 }), ValueError, "cosineDecay: option 'decaySteps' must be > 0, got 0");
    });
  });

  describe('piecewiseConstant', () => {
    it('multiplies in the scale of every boundary <= count', () => {
      expectValues(piecewiseConstant({ initValue: 1, boundariesAndScales: { 10: 0.5, 20: 0.1 } }), [
        [0, 1],
        [9, 1],
        [10, 0.5],
        [19, 0.5],
        [20, 0.05],
        [1e6, 0.05],
      ]);
    });
    it('accepts [boundary, scale] pairs in any order', () => {
      expectValues(piecewiseConstant({ initValue: 2, boundariesAndScales: [[20, 3], [10, 0.5]] }), [[10, 1], [20, 3]]);
    });
    it('rejects negative scales (ValueError)', () => {
      expectVinferError(() => piecewiseConstant({ initValue: 1, boundariesAndScales: { 10: -0.5 } }), ValueError, 'piecewiseConstant: scale factors must be numbers >= 0, got -0.5 at boundary 10');
    });
  });

  describe('linearSchedule / polynomialSchedule', () => {
    it('interpolates linearly after transitionBegin and holds endValue after', () => {
      expectValues(linearSchedule({ initValue: 0, endValue: 1, transitionSteps: 10, transitionBegin: 5 }), [
        [0, 0],
        [5, 0],
        [10, 0.5],
        [15, 1],
        [100, 1],
      ]);
    });
    it('(init − end)·(1 − k/steps)^power + end', () => {
      expectValues(polynomialSchedule({ initValue: 1, endValue: 0.2, power: 2, transitionSteps: 10 }), [[5, 0.8 * 0.25 + 0.2], [10, 0.2]]);
    });
    it('rejects transitionSteps <= 0 (ValueError)', () => {
      expectVinferError(() => linearSchedule({ initValue: 0, endValue: 1, transitionSteps: 0 }), ValueError, "linearSchedule: option 'transitionSteps' must be > 0, got 0");
    });
  });

  describe('joinSchedules', () => {
    it('switches at each boundary and restarts the next schedule\'s count there', () => {
      const s = joinSchedules([constantSchedule(1), linearSchedule({ initValue: 0, endValue: 1, transitionSteps: 10 })], [5]);
      expectValues(s, [[4, 1], [5, 0], [10, 0.5], [15, 1]]);
    });
    it('rejects mismatched boundaries (ValueError)', () => {
      expectVinferError(() => joinSchedules([constantSchedule(1)], [5]), ValueError, 'joinSchedules: expected one boundary fewer than schedules, got 1 schedules and 1 boundaries');
      expectVinferError(() => joinSchedules([constantSchedule(1), constantSchedule(2), constantSchedule(3)], [5, 2]), ValueError, 'boundaries must be in increasing order');
    });
  });

  describe('warmupCosineDecay', () => {
    it('warms up linearly to the peak, then decays by a cosine to endValue at decaySteps', () => {
      const s = warmupCosineDecay({ initValue: 0, peakValue: 1, warmupSteps: 10, decaySteps: 110, endValue: 0.1 });
      // alpha = endValue / peakValue = 0.1; halfway through the decay the cosine factor is ½.
      expectValues(s, [[0, 0], [5, 0.5], [10, 1], [60, 0.9 * 0.5 + 0.1], [110, 0.1], [500, 0.1]]);
    });
    it('starts at the peak with no warm-up', () => {
      expectValues(warmupCosineDecay({ initValue: 0, peakValue: 2, warmupSteps: 0, decaySteps: 10 }), [[0, 2], [10, 0]]);
    });
    it('rejects decaySteps <= warmupSteps (ValueError)', () => {
      expectVinferError(
        () => warmupCosineDecay({ initValue: 0, peakValue: 1, warmupSteps: 10, decaySteps: 10 }),
        ValueError,
        "warmupCosineDecay: option 'decaySteps' (the total, warm-up included) must be > warmupSteps, got decaySteps 10 and warmupSteps 10",
      );
    });
  });
});
