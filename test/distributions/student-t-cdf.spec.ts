import { readFileSync } from 'node:fs';

import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { StudentT } from '../../src/distributions/student-t.js';
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

// Reference t CDF values at 80 digits from mpmath; see the fixture's provenance field.
const GOLDEN = JSON.parse(readFileSync(new URL('../fixtures/distributions/incomplete-gamma-beta.json', import.meta.url), 'utf8')) as {
  studentT: { df: number; t: number; p: number; q: number }[];
};

const SEED = 4501;

describe('StudentT.cdf / StudentT.icdf', () => {
  it('StudentT(1) is Cauchy: 1/2 + atan(t)/pi', () => {
    checkCdf(new StudentT(1), [-1e4, -3, -0.1, 0.5, 40], (t) => 0.5 + Math.atan(t) / Math.PI);
  });
  it('StudentT(2, loc, scale) has the closed form 1/2 + z / (2 sqrt(2 + z^2)), z = (x - loc)/scale', () => {
    checkCdf(new StudentT(2, 1, 3), [-300, -5, 0.5, 1, 7, 100], (x) => {
      const z = (x - 1) / 3;
      return 0.5 + z / (2 * Math.sqrt(2 + z * z));
    });
  });
  it('StudentT(3) has the closed form 1/2 + (theta + sin(theta) cos(theta))/pi, theta = atan(t/sqrt(3))', () => {
    checkCdf(new StudentT(3), [-20, -1, 0.2, 4], (t) => {
      const th = Math.atan(t / Math.sqrt(3));
      return 0.5 + (th + Math.sin(th) * Math.cos(th)) / Math.PI;
    });
  });

  it('matches the mpmath reference CDF for df from 0.1 to 1e3 within float32 rounding', () => {
    tf.tidy(() => {
      for (const r of GOLDEN.studentT) {
        if (Math.min(r.p, r.q) < 1e-30 || Math.max(r.p, r.q) > 1 - 1e-7) continue; // beyond float32
        const t = Math.fround(r.t);
        const got = new StudentT(r.df).cdf(t).dataSync()[0]!;
        // The rounding of t (relative 2^-24) moves F by |t| f(t) 2^-24; F itself is rounded once.
        const logF = lgamma64((r.df + 1) / 2) - lgamma64(r.df / 2) - 0.5 * Math.log(r.df * Math.PI) - ((r.df + 1) / 2) * Math.log1p((r.t * r.t) / r.df);
        const tf_ = Math.abs(r.t) * Math.exp(logF);
        expect(got, `df=${r.df}, t=${r.t}`).to.be.closeTo(r.p, 2 * (tf_ + r.p) * EPS32);
      }
    });
  });

  it('is monotone, 1/2 at loc, 0 and 1 at -+Infinity, and icdf is symmetric about loc', () => {
    const d = new StudentT(0.7, 2, 0.5);
    checkMonotone(d, [-Infinity, -1e20, -1e3, -1, 1.9, 2, 2.1, 5, 1e6, Infinity]);
    tf.tidy(() => {
      expect(Array.from(d.cdf([-Infinity, 2, Infinity]).dataSync())).to.deep.equal([0, 0.5, 1]);
      const z = d.icdf([0.1, 0.9, 0.5, 0, 1]).dataSync();
      expect(z[0]! + z[1]!).to.be.closeTo(4, 1e-5);
      expect([z[2], z[3], z[4]]).to.deep.equal([2, -Infinity, Infinity]);
    });
  });

  it('icdf(cdf(x)) = x within float32 rounding for df = 0.1, 2.5 and 1e3', () => {
    checkRoundTrip(new StudentT(0.1), [-1e20, -1e6, -10, -0.5, 0.3, 100]);
    checkRoundTrip(new StudentT(2.5, -1, 2), [-30, -3, -1.1, 0, 4]);
    checkRoundTrip(new StudentT(1e3), [-4, -1, 0.2, 2.5]);
  });

  it('d cdf / d value equals the density', () => {
    checkCdfGradIsDensity(new StudentT(0.8, 0.5, 2), [-50, -1, 0.5, 3]);
    checkCdfGradIsDensity(new StudentT(6), [-3, 0, 0.01, 2]);
  });

  it('cdf and icdf gradients in df, loc and scale match finite differences', () => {
    checkParamGrads(([d, l, s]) => new StudentT(d!, l!, s!), [4.5, 0.3, 1.7], [-2, 0.5, 3], [0.05, 0.4, 0.9]);
    checkParamGrads(([d]) => new StudentT(d!, 0, 1), [1.3], [-4, 0.7], [0.2, 0.95]);
  });

  [
    [0.5, 1, 2],
    [4, 0, 1],
    [1e3, -1, 0.5],
  ].forEach(([df, loc, scale], i) => {
    it(`draws of StudentT(${df}, ${loc}, ${scale}) fall below icdf(q) with frequency q within ${K} SE (N=${N_MC})`, () => {
      checkQuantiles(new StudentT(df!, loc!, scale!), SEED + i, N_MC);
    });
  });

  it('icdf rejects q outside [0, 1] with a ValueError naming StudentT.icdf', () => {
    checkIcdfValidation((validateArgs) => new StudentT(3, 0, 1, { validateArgs }), 'StudentT');
  });

  it('leaks no tensors in cdf, icdf and their gradients', () => {
    checkCdfNoLeak((df) => new StudentT(df, 0.5, 2), 3, [-1, 0.5, 4], [0.1, 0.6]);
  });
});
