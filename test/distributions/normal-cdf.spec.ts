import * as tf from '@tensorflow/tfjs';

import { Normal } from '../../src/distributions/normal.js';
import { expectClose } from '../helpers/assert.js';
import { K, N_MC, checkQuantiles } from '../helpers/family-checks.js';

// Reference values of the standard normal CDF and quantile (double precision, from
// scipy.stats.norm: cdf(-1), cdf(1.96), cdf(-8), ppf(0.975), ppf(1e-10)).
const PHI_M1 = 0.15865525393145707;
const PHI_196 = 0.9750021048517795;
const PHI_M8 = 6.22096057427178e-16;
const PPF_975 = 1.959963984540054;
const PPF_1EM10 = -6.361340902404056;

describe('Normal.cdf / Normal.icdf', () => {
  it('cdf matches reference values, keeping relative accuracy in the lower tail (z = -8)', () => {
    tf.tidy(() => {
      const d = new Normal(1, 2);
      // z = (x - 1) / 2 = -1, 1.96, -8
      expectClose(d.cdf(tf.tensor1d([-1, 4.92, -15])), [PHI_M1, PHI_196, PHI_M8], { atol: 0, rtol: 2e-5 });
    });
  });
  it('icdf matches reference quantiles, including q = 1e-10', () => {
    tf.tidy(() => {
      const d = new Normal(0, 1);
      expectClose(d.icdf(tf.tensor1d([0.975, 1e-10, 0.5])), [PPF_975, PPF_1EM10, 0], { atol: 1e-5, rtol: 2e-5 });
    });
  });
  it(`draws fall below icdf(q) with frequency q within ${K} SE (N=${N_MC})`, () => {
    checkQuantiles(new Normal(-0.5, 1.5), 1201, N_MC);
  });
  it('cdf has gradient -φ(z)/σ with respect to loc', () => {
    tf.tidy(() => {
      const g = tf.grad((m: tf.Tensor) => new Normal(m, 2).cdf(tf.scalar(1)))(tf.scalar(0));
      const z = 0.5;
      expectClose(g, -Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI) / 2, { atol: 1e-6, rtol: 1e-4 });
    });
  });
});
