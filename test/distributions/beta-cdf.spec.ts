import { readFileSync } from 'node:fs';

import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { Beta } from '../../src/distributions/beta.js';
import { K, N_MC, checkQuantiles } from '../helpers/family-checks.js';
import { lgamma64 } from '../helpers/special-ref.js';
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

// Reference I_x(a, b) at 80 digits from mpmath; see the fixture's provenance field.
const GOLDEN = JSON.parse(readFileSync(new URL('../fixtures/distributions/incomplete-gamma-beta.json', import.meta.url), 'utf8')) as {
  beta: { a: number; b: number; x: number; p: number; q: number }[];
};

const SEED = 4401;

describe('Beta.cdf / Beta.icdf', () => {
  it('Beta(1, 1) is uniform: cdf(x) = x', () => {
    checkCdf(new Beta(1, 1), [1e-7, 0.1, 0.5, 0.9], (x) => x);
  });
  it('Beta(a, 1) has cdf x^a (a = 0.1, 3.5)', () => {
    checkCdf(new Beta(0.1, 1), [1e-30, 1e-5, 0.2, 0.9], (x) => x ** 0.1);
    checkCdf(new Beta(3.5, 1), [0.01, 0.3, 0.7, 0.99], (x) => x ** 3.5);
  });
  it('Beta(1, b) has cdf 1 - (1 - x)^b (b = 0.1, 1000)', () => {
    checkCdf(new Beta(1, 0.1), [1e-6, 0.3, 0.9, 0.999], (x) => -Math.expm1(0.1 * Math.log1p(-x)));
    checkCdf(new Beta(1, 1000), [1e-6, 1e-4, 1e-3, 5e-3], (x) => -Math.expm1(1000 * Math.log1p(-x)));
  });
  it('Beta(1/2, 1/2) is the arcsine law: (2/pi) asin(sqrt(x))', () => {
    checkCdf(new Beta(0.5, 0.5), [1e-8, 0.02, 0.5, 0.97], (x) => (2 / Math.PI) * Math.asin(Math.sqrt(x)));
  });

  it('matches the mpmath reference I_x(a, b) for shapes from 0.1 to 1e3 within float32 rounding', () => {
    tf.tidy(() => {
      for (const r of GOLDEN.beta) {
        if (r.p < 1e-30 || r.q < 1e-7) continue; // float32 cannot resolve these tails
        const x = Math.fround(r.x);
        const got = new Beta(r.a, r.b).cdf(x).dataSync()[0]!;
        // The rounding of x (relative 2^-24) moves I by x p(x) 2^-24; I itself is rounded once.
        const logPdf = (r.a - 1) * Math.log(r.x) + (r.b - 1) * Math.log1p(-r.x) - lgamma64(r.a) - lgamma64(r.b) + lgamma64(r.a + r.b);
        const xp = r.x * Math.exp(logPdf);
        expect(got, `a=${r.a}, b=${r.b}, x=${r.x}`).to.be.closeTo(r.p, 2 * (xp + r.p) * EPS32);
      }
    });
  });

  it('is monotone, 0 below 0 and 1 above 1', () => {
    checkMonotone(new Beta(0.3, 2), [0, 1e-30, 1e-8, 0.01, 0.3, 0.8, 0.999, 1]);
    tf.tidy(() => {
      expect(Array.from(new Beta(2, 3).cdf([-0.5, 0, 1, 2]).dataSync())).to.deep.equal([0, 0, 1, 1]);
    });
  });

  it('icdf(cdf(x)) = x within float32 rounding for (0.1, 0.1), (0.5, 3), (2, 5), (1e3, 1e3)', () => {
    checkRoundTrip(new Beta(0.1, 0.1), [1e-30, 1e-10, 1e-3, 0.3, 0.5]);
    checkRoundTrip(new Beta(0.5, 3), [1e-8, 1e-3, 0.1, 0.4, 0.8]);
    checkRoundTrip(new Beta(2, 5), [0.01, 0.2, 0.5, 0.9]);
    checkRoundTrip(new Beta(1e3, 1e3), [0.48, 0.5, 0.52]);
  });

  it('d cdf / d value equals the density', () => {
    checkCdfGradIsDensity(new Beta(0.7, 3), [1e-3, 0.1, 0.5, 0.9]);
    checkCdfGradIsDensity(new Beta(4, 1.5), [0.05, 0.5, 0.95]);
  });

  it('cdf and icdf gradients in both concentrations match finite differences', () => {
    checkParamGrads(([a, b]) => new Beta(a!, b!), [2.5, 1.5], [0.1, 0.5, 0.9], [0.05, 0.5, 0.9]);
    checkParamGrads(([a, b]) => new Beta(a!, b!), [0.6, 4], [0.01, 0.2], [0.2, 0.7]);
  });

  [
    [0.1, 3],
    [2, 5],
    [1e3, 1e3],
  ].forEach(([a, b], i) => {
    it(`draws of Beta(${a}, ${b}) fall below icdf(q) with frequency q within ${K} SE (N=${N_MC})`, () => {
      checkQuantiles(new Beta(a!, b!), SEED + i, N_MC);
    });
  });

  it('icdf rejects q outside [0, 1] with a ValueError naming Beta.icdf', () => {
    checkIcdfValidation((validateArgs) => new Beta(2, 3, { validateArgs }), 'Beta');
  });

  it('leaks no tensors in cdf, icdf and their gradients', () => {
    checkCdfNoLeak((a) => new Beta(a, 2), 1.5, [0.2, 0.7], [0.1, 0.5]);
  });
});
