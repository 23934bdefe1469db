import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { Chi2 } from '../../src/distributions/chi2.js';
import { K, N_MC, checkQuantiles } from '../helpers/family-checks.js';
import { erf64 } from '../helpers/special-ref.js';
import {
  checkCdf,
  checkCdfGradIsDensity,
  checkCdfNoLeak,
  checkIcdfValidation,
  checkMonotone,
  checkParamGrads,
  checkRoundTrip,
} from './cdf-helpers.js';

const SEED = 4201;

describe('Chi2.cdf / Chi2.icdf (through Gamma(df/2, 1/2))', () => {
  it('Chi2(2) is exponential with rate 1/2: 1 - exp(-x/2)', () => {
    checkCdf(new Chi2(2), [1e-6, 0.1, 1, 5, 20], (x) => -Math.expm1(-x / 2));
  });
  it('Chi2(4) has the closed form 1 - exp(-x/2)(1 + x/2), Chi2(1) has erf(sqrt(x/2))', () => {
    checkCdf(new Chi2(4), [0.01, 1, 4, 12], (x) => 1 - Math.exp(-x / 2) * (1 + x / 2));
    checkCdf(new Chi2(1), [1e-6, 0.1, 1, 6], (x) => erf64(Math.sqrt(x / 2)));
  });
  it('is monotone and 0 below the support', () => {
    checkMonotone(new Chi2(0.3), [0, 1e-20, 1e-5, 0.1, 1, 10]);
    tf.tidy(() => {
      expect(new Chi2(3).cdf(-2).dataSync()[0]).to.equal(0);
    });
  });
  it('icdf(cdf(x)) = x within float32 rounding for df = 0.2, 3, 2000', () => {
    checkRoundTrip(new Chi2(0.2), [1e-30, 1e-6, 0.01, 1, 5]);
    checkRoundTrip(new Chi2(3), [0.05, 1, 3, 8]);
    checkRoundTrip(new Chi2(2000), [1950, 2000, 2080]);
  });
  it('d cdf / d value equals the density', () => {
    checkCdfGradIsDensity(new Chi2(3), [0.1, 1, 4]);
  });
  it('cdf and icdf gradients in df match finite differences', () => {
    checkParamGrads(([k]) => new Chi2(k!), [3], [0.5, 2, 6], [0.1, 0.5, 0.9]);
  });
  it(`draws fall below icdf(q) with frequency q within ${K} SE (N=${N_MC})`, () => {
    checkQuantiles(new Chi2(3), SEED, N_MC);
  });
  it('icdf rejects q outside [0, 1] with a ValueError naming Chi2.icdf', () => {
    checkIcdfValidation((validateArgs) => new Chi2(3, { validateArgs }), 'Chi2');
  });
  it('leaks no tensors in cdf, icdf and their gradients', () => {
    checkCdfNoLeak((k) => new Chi2(k), 3, [0.5, 2], [0.2, 0.8]);
  });
});
