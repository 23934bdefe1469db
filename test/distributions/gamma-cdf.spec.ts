import { readFileSync } from 'node:fs';

import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { Gamma } from '../../src/distributions/gamma.js';
import { expectClose } from '../helpers/assert.js';
import { K, N_MC, checkQuantiles } from '../helpers/family-checks.js';
import { erf64, lgamma64 } from '../helpers/special-ref.js';
import {
  EPS32,
  checkCdf,
  checkCdfGradIsDensity,
  checkCdfNoLeak,
  checkIcdfValidation,
  checkMonotone,
  checkParamGrads,
  checkRoundTrip,
} from './cdf-helpers.js';

// Reference P(a, x) at 80 digits from mpmath; see the fixture's provenance field.
const GOLDEN = JSON.parse(readFileSync(new URL('../fixtures/distributions/incomplete-gamma-beta.json', import.meta.url), 'utf8')) as {
  gamma: { a: number; x: number; p: number; q: number }[];
};

/** Closed form for integer k: P(k, y) = 1 - e^-y sum_{n<k} y^n / n! (DLMF 8.4.10). */
function integerShapeCdf(k: number, y: number): number {
  let term = 1;
  let sum = 1;
  for (let n = 1; n < k; n++) {
    term *= y / n;
    sum += term;
  }
  return 1 - Math.exp(-y) * sum;
}

const SEED = 4101;

describe('Gamma.cdf / Gamma.icdf', () => {
  it('Gamma(1, rate) has the exponential CDF 1 - exp(-rate x)', () => {
    checkCdf(new Gamma(1, 2.5), [1e-6, 0.01, 0.3, 1, 4], (x) => -Math.expm1(-2.5 * x));
  });
  it('Gamma(k, rate) for integer k has the finite-sum CDF 1 - e^-y sum y^n/n!, y = rate x (k = 2, 5, 30)', () => {
    for (const k of [2, 5, 30]) checkCdf(new Gamma(k, 0.5), [0.1, 2, 10, 60, 100], (x) => integerShapeCdf(k, 0.5 * x));
  });
  it('Gamma(1/2, 1) has the CDF erf(sqrt(x))', () => {
    checkCdf(new Gamma(0.5, 1), [1e-8, 1e-3, 0.2, 1.5, 6], (x) => erf64(Math.sqrt(x)));
  });

  it('matches the mpmath reference P(a, x) for a from 0.1 to 1e3 within float32 rounding', () => {
    tf.tidy(() => {
      for (const r of GOLDEN.gamma) {
        if (r.p < 1e-30 || r.q < 1e-7) continue; // float32 cannot resolve these tails
        const x = Math.fround(r.x);
        const got = new Gamma(r.a, 1).cdf(x).dataSync()[0]!;
        // The rounding of x (relative 2^-24) moves P by x p(x) 2^-24; P itself is rounded once.
        const xp = Math.exp(r.a * Math.log(r.x) - r.x - lgamma64(r.a));
        expect(got, `a=${r.a}, x=${r.x}`).to.be.closeTo(r.p, 2 * (xp + r.p) * EPS32);
      }
    });
  });

  it('is monotone, 0 at and below 0, and 1 at +Infinity', () => {
    const d = new Gamma(0.7, 2);
    checkMonotone(d, [0, 1e-30, 1e-10, 1e-3, 0.1, 0.5, 1, 3, 10, 50]);
    tf.tidy(() => {
      expect(Array.from(d.cdf([-1, 0, Infinity]).dataSync())).to.deep.equal([0, 0, 1]);
    });
  });

  for (const [a, b] of [
    [0.1, 1],
    [0.5, 2],
    [3.5, 0.7],
    [1e3, 4],
  ] as [number, number][]) {
    it(`icdf(cdf(x)) = x within float32 rounding for Gamma(${a}, ${b})`, () => {
      const d = new Gamma(a, b);
      const m = a / b;
      const xs = a < 1 ? [1e-20, 1e-8, 1e-3, 0.05, 0.5, 2].map((v) => v * m * 10) : [0.5, 0.8, 0.95, 1, 1.05, 1.3, 2].map((v) => v * m);
      checkRoundTrip(d, a >= 100 ? xs.filter((x) => Math.abs(x / m - 1) < 0.15) : xs);
    });
  }

  it('icdf gives 0 at q = 0 and +Infinity at q = 1, and keeps tiny q (1e-30)', () => {
    tf.tidy(() => {
      const d = new Gamma(2, 1);
      const z = d.icdf([0, 1, 1e-30]).dataSync();
      expect([z[0], z[1]]).to.deep.equal([0, Infinity]);
      // P(2, z) ~ z^2 / 2 for small z: z = sqrt(2e-30).
      expectClose(z[2]!, Math.sqrt(2e-30), { rtol: 1e-6 });
    });
  });

  it('d cdf / d value equals the density (a = 0.3, 2.5)', () => {
    checkCdfGradIsDensity(new Gamma(0.3, 1.5), [1e-4, 0.05, 0.4, 2]);
    checkCdfGradIsDensity(new Gamma(2.5, 1.5), [0.1, 1, 2.5, 6]);
  });

  it('cdf and icdf gradients in concentration and rate match finite differences', () => {
    checkParamGrads(([a, r]) => new Gamma(a!, r!), [2.5, 1.5], [0.3, 1.2, 4], [0.05, 0.5, 0.9]);
    checkParamGrads(([a, r]) => new Gamma(a!, r!), [0.4, 3], [0.01, 0.2], [0.1, 0.7]);
  });

  [
    [0.1, 1],
    [2.5, 1.5],
    [1e3, 2],
  ].forEach(([a, b], i) => {
    it(`draws of Gamma(${a}, ${b}) fall below icdf(q) with frequency q within ${K} SE (N=${N_MC})`, () => {
      checkQuantiles(new Gamma(a!, b!), SEED + i, N_MC);
    });
  });

  it('icdf rejects q outside [0, 1] with a ValueError naming Gamma.icdf', () => {
    checkIcdfValidation((validateArgs) => new Gamma(2, 1, { validateArgs }), 'Gamma');
  });

  it('leaks no tensors in cdf, icdf and their gradients', () => {
    checkCdfNoLeak((a) => new Gamma(a, 2), 1.7, [0.2, 1, 3], [0.1, 0.5]);
  });

  it('broadcasts value against the batch shape', () => {
    tf.tidy(() => {
      const d = new Gamma([1, 2, 3], 1);
      expect(d.cdf(tf.tensor2d([[0.5], [1.5]])).shape).to.deep.equal([2, 3]);
      expect(d.icdf(tf.tensor2d([[0.25], [0.75]])).shape).to.deep.equal([2, 3]);
      expect(d.expand([4, 3]).cdf(1).shape).to.deep.equal([3]);
    });
  });
});
