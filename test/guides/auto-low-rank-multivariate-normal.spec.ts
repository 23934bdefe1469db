import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { Normal } from '../../src/distributions/normal.js';
import { AutoLowRankMultivariateNormal } from '../../src/guides/auto-low-rank-multivariate-normal.js';
import { ValueError } from '../../src/kernel/errors.js';
import { seed } from '../../src/kernel/handlers/index.js';
import { plate, sample } from '../../src/kernel/primitives.js';
import { disposeState } from '../../src/kernel/svi-state.js';
import { exponentialDecay } from '../../src/optim/schedules.js';
import { expectClose, expectVinferError } from '../helpers/assert.js';
import { exactRegressionPosterior, fit, regression, regressionData } from './continuous-models.js';

const STEPS = 3000;

describe('AutoLowRankMultivariateNormal', () => {
  let x: tf.Tensor;
  let y: tf.Tensor;
  before(() => ([x, y] = regressionData()));
  after(() => tf.dispose([x, y]));

  describe('constructor', () => {
    it('rejects a rank that is not an integer >= 1', () => {
      expectVinferError(() => new AutoLowRankMultivariateNormal(regression, { rank: 0 }), ValueError, "'rank'", 'integer >= 1');
      expectVinferError(() => new AutoLowRankMultivariateNormal(regression, { rank: 1.5 }), ValueError, "'rank'");
    });
  });

  describe('rank', () => {
    it('defaults to round(√D) as NumPyro (D = 10 gives 3, D = 2 gives 1) and takes an explicit rank', () => {
      const wide = (): void => {
        plate('p', 10, () => sample('w', new Normal(0, 1)));
      };
      for (const [model, opts, want] of [
        [wide, {}, 3],
        [regression, {}, 1],
        [regression, { rank: 2 }, 2],
      ] as const) {
        const guide = new AutoLowRankMultivariateNormal(model, opts);
        tf.tidy(() => {
          seed(guide.forward.bind(guide), 0)(x, y);
        });
        expect(guide.rank).to.equal(want);
        guide.dispose();
      }
    });
  });

  describe('getTransform', () => {
    it('gives L with L Lᵀ = covFactor covFactorᵀ + diag(covDiag), covFactor = W ⊙ s, covDiag = s²', () => {
      const guide = new AutoLowRankMultivariateNormal(regression);
      const params = { auto_loc: tf.tensor1d([0, 1]), auto_cov_factor: tf.tensor2d([[0.5], [-2]]), auto_scale: tf.tensor1d([0.3, 2]) };
      tf.tidy(() => {
        seed(guide.forward.bind(guide), 0)(x, y);
        const l = guide.getTransform(params).scaleTril;
        // W ⊙ s = [0.15, -4]; covariance = [[0.0225 + 0.09, -0.6], [-0.6, 16 + 4]].
        expectClose(tf.matMul(l, l, false, true), [0.1125, -0.6, -0.6, 20], { atol: 1e-5, rtol: 1e-5 });
        // The quantiles use the marginal sds sqrt(diag): 0.3354 and 4.4721.
        const q = guide.quantiles(params, [0.8413447]);
        expectClose(q.a!, [Math.sqrt(0.1125)], { atol: 1e-4 });
        expectClose(q.b!, [1 + Math.sqrt(20)], { atol: 1e-4 });
      });
      tf.dispose(Object.values(params));
      guide.dispose();
    });
  });

  describe('fit to a Bayesian linear regression with off-centre x (exact posterior corr ≈ -0.96)', () => {
    // Rank 1 over D = 2: covariance diag(s)(wwᵀ + I)diag(s) reaches corr -0.96 only for large |w|,
    // which Adam approaches slowly. Calibrated once (seeds 0-3, Adam lr 0.1 decaying to 0.005
    // over 3000 steps): 88-95% of the exact correlation, means within 0.08 sd (limit 0.2 sd).
    it(`rank 1 recovers the sign and at least 80% of the size of the correlation (seed 0, ${STEPS} steps) @slow`, () => {
      const exact = exactRegressionPosterior();
      const guide = new AutoLowRankMultivariateNormal(regression, { rank: 1 });
      const lr = exponentialDecay({ initValue: 0.1, transitionSteps: STEPS, decayRate: 0.05 });
      const { svi, state } = fit(regression, guide, [x, y], { steps: STEPS, lr });
      const params = svi.getParams(state);
      const cov = tf.tidy(() => {
        const l = guide.getTransform(params).scaleTril;
        return tf.matMul(l, l, false, true).arraySync() as number[][];
      });
      const corr = cov[0]![1]! / Math.sqrt(cov[0]![0]! * cov[1]![1]!);
      expect(Math.sign(corr)).to.equal(Math.sign(exact.corr));
      expect(Math.abs(corr)).to.be.at.least(0.8 * Math.abs(exact.corr));
      expect(Math.abs(corr)).to.be.at.most(1);
      const loc = params.auto_loc!.dataSync();
      for (let i = 0; i < 2; i++) expect(loc[i]!).to.be.closeTo(exact.mean[i]!, 0.2 * exact.sd[i]!);
      tf.dispose(Object.values(params));
      disposeState(state);
      guide.dispose();
    });
  });
});
