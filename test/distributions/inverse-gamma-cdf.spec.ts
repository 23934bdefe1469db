import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { InverseGamma } from '../../src/distributions/inverse-gamma.js';
import { expectClose } from '../helpers/assert.js';
import { K, N_MC, checkQuantiles } from '../helpers/family-checks.js';
import {
  checkCdf,
  checkCdfGradIsDensity,
  checkCdfNoLeak,
  checkIcdfValidation,
  checkMonotone,
  checkParamGrads,
  checkRoundTrip,
} from './cdf-helpers.js';

const SEED = 4301;

describe('InverseGamma.cdf / InverseGamma.icdf', () => {
  // 1/X for X ~ Gamma(k, rate): P(1/X <= x) = Q(k, rate/x) = e^-y sum_{n<k} y^n/n!, y = rate/x.
  it('InverseGamma(1, rate) has the CDF exp(-rate/x)', () => {
    checkCdf(new InverseGamma(1, 2), [0.05, 0.5, 2, 40], (x) => Math.exp(-2 / x));
  });
  it('InverseGamma(3, rate) has the CDF e^-y (1 + y + y^2/2) with y = rate/x', () => {
    checkCdf(new InverseGamma(3, 1.5), [0.1, 0.4, 1, 5, 100], (x) => {
      const y = 1.5 / x;
      return Math.exp(-y) * (1 + y + (y * y) / 2);
    });
  });
  it('is monotone, 0 at and below 0, 1 at +Infinity', () => {
    const d = new InverseGamma(0.6, 1);
    checkMonotone(d, [0, 1e-3, 0.1, 1, 10, 1e4, 1e8]);
    tf.tidy(() => {
      expect(Array.from(d.cdf([-1, 0, Infinity]).dataSync())).to.deep.equal([0, 0, 1]);
    });
  });
  it('icdf(cdf(x)) = x within float32 rounding for concentrations 0.3, 4 and 1e3', () => {
    checkRoundTrip(new InverseGamma(0.3, 1), [0.05, 0.5, 5, 1e3, 1e6]);
    checkRoundTrip(new InverseGamma(4, 2), [0.1, 0.4, 1, 3]);
    checkRoundTrip(new InverseGamma(1e3, 1e3), [0.97, 1, 1.03]);
  });
  it('icdf keeps small q: InverseGamma(1, 1) at q = 1e-20 is 1/log(1e20)', () => {
    tf.tidy(() => {
      expectClose(new InverseGamma(1, 1).icdf(1e-20), 1 / (20 * Math.LN10), { rtol: 1e-6 });
    });
  });
  it('d cdf / d value equals the density, also where value < 0 (zero)', () => {
    checkCdfGradIsDensity(new InverseGamma(2.5, 1.5), [0.1, 0.5, 2, 10]);
    tf.tidy(() => {
      const g = tf.grad((v: tf.Tensor) => tf.sum(new InverseGamma(2.5, 1.5).cdf(v)))(tf.tensor1d([-1]));
      expect(g.dataSync()[0]).to.equal(0);
    });
  });
  it('cdf and icdf gradients in concentration and rate match finite differences', () => {
    checkParamGrads(([a, r]) => new InverseGamma(a!, r!), [2.5, 1.5], [0.3, 1, 3], [0.1, 0.5, 0.9]);
  });
  it(`draws fall below icdf(q) with frequency q within ${K} SE (N=${N_MC})`, () => {
    checkQuantiles(new InverseGamma(2.5, 1.5), SEED, N_MC);
  });
  it('icdf rejects q outside [0, 1] with a ValueError naming InverseGamma.icdf', () => {
    checkIcdfValidation((validateArgs) => new InverseGamma(2, 1, { validateArgs }), 'InverseGamma');
  });
  it('leaks no tensors in cdf, icdf and their gradients', () => {
    checkCdfNoLeak((a) => new InverseGamma(a, 1.5), 2.5, [-1, 0.5, 2], [0.2, 0.8]);
  });
});
