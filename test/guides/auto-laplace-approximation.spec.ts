import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { Normal } from '../../src/distributions/normal.js';
import { AutoLaplaceApproximation, choleskyOfInverse } from '../../src/guides/auto-laplace-approximation.js';
import { finiteDifferenceHessian, hessian } from '../../src/guides/hessian.js';
import { NumericalError, ValueError } from '../../src/kernel/errors.js';
import { seed } from '../../src/kernel/handlers/index.js';
import { factor, param, sample } from '../../src/kernel/primitives.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { disposeState } from '../../src/kernel/svi-state.js';
import { exponentialDecay } from '../../src/optim/schedules.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';
import { meanVar } from '../helpers/stats.js';
import {
  POSITIVE_DATA,
  SIGMA,
  TAU,
  XS,
  exactRegressionPosterior,
  fit,
  positiveScale,
  regression,
  regressionData,
} from './continuous-models.js';

const STEPS = 3000;

/** Runs the guide once so that it knows the model's latent sites. */
function prime<A extends unknown[]>(guide: AutoLaplaceApproximation<A>, ...args: A): void {
  tf.tidy(() => {
    seed(guide.forward.bind(guide), 0)(...args);
  });
}

describe('AutoLaplaceApproximation', () => {
  let x: tf.Tensor;
  let y: tf.Tensor;
  before(() => ([x, y] = regressionData()));
  after(() => tf.dispose([x, y]));

  describe('constructor', () => {
    it('rejects a hessianFn that is not a function, and unknown options', () => {
      expectVinferError(() => new AutoLaplaceApproximation(regression, { hessianFn: 3 as never }), ValueError, "'hessianFn'", 'got number');
      expectVinferError(() => new AutoLaplaceApproximation(regression, { initScale: 0.1 } as never), ValueError, "unknown option 'initScale'");
    });
  });

  describe('choleskyOfInverse', () => {
    it('gives L with L Lᵀ = P⁻¹ (P = [[4, 2], [2, 3]], P⁻¹ = [[0.375, -0.25], [-0.25, 0.5]]), undefined for an indefinite P', () => {
      const l = choleskyOfInverse([4, 2, 2, 3], 2)!;
      const [a, b, c] = [l[0]!, l[2]!, l[3]!];
      expect(l[1]).to.equal(0);
      expectClose([a * a, a * b, b * b + c * c], [0.375, -0.25, 0.5], { atol: 1e-12 });
      expect(choleskyOfInverse([1, 2, 2, 1], 2)).to.equal(undefined);
    });
  });

  describe('precision', () => {
    it('is the exact posterior precision I/τ² + XᵀX/σ² of the linear regression at any point (nested autodiff)', () => {
      const guide = new AutoLaplaceApproximation(regression);
      prime(guide, x, y);
      const n = XS.length;
      const sx = XS.reduce((s, v) => s + v, 0);
      const sxx = XS.reduce((s, v) => s + v * v, 0);
      const want = [1 / TAU ** 2 + n / SIGMA ** 2, sx / SIGMA ** 2, sx / SIGMA ** 2, 1 / TAU ** 2 + sxx / SIGMA ** 2];
      const loc = tf.tensor1d([0.3, -4]);
      expectNoTensorLeak(() => {
        const h = guide.precision({ auto_loc: loc });
        expectClose(h, want, { atol: 1e-3, rtol: 1e-5 });
        h.dispose();
      });
      loc.dispose();
      guide.dispose();
    });

    it('includes the log-Jacobian of the constraining maps: nested autodiff and finite differences agree on a model with a positive site', () => {
      const nested = new AutoLaplaceApproximation(positiveScale, { hessianFn: hessian });
      const fd = new AutoLaplaceApproximation(positiveScale, { hessianFn: (f, z) => finiteDifferenceHessian(f, z) });
      const data = tf.tensor1d(POSITIVE_DATA);
      prime(nested, data);
      prime(fd, data);
      const loc = tf.tensor1d([0.2, 0.4]); // log s = 0.2, m = 0.4
      const [h1, h2] = [nested.precision({ auto_loc: loc }), fd.precision({ auto_loc: loc })];
      // Analytic entry for u = log s: the potential is Σ(y−m)²/(2e^{2u}) + n·u + e^{2u}/2 − u + const
      // (HalfNormal(1) prior, Jacobian e^u), so ∂²/∂u² = 2Σ(y−m)² e^{−2u} + 2e^{2u}.
      const ss = POSITIVE_DATA.reduce((s, v) => s + (v - 0.4) ** 2, 0);
      expectClose(h1.dataSync()[0]!, 2 * ss * Math.exp(-0.4) + 2 * Math.exp(0.4), { atol: 0, rtol: 1e-4 });
      expectClose(h1, h2, { atol: 1e-3, rtol: 1e-3 });
      tf.dispose([h1, h2, loc, data]);
      nested.dispose();
      fd.dispose();
    });

    it('reads the values of model parameters from params', () => {
      // obs ~ N(z, w²) with w a model parameter: the precision of z is 1 + 1/w².
      const model = (): void => {
        const w = param('w', 1);
        const z = sample('z', new Normal(0, 1));
        sample('obs', new Normal(z, w), { obs: 0.3 });
      };
      const guide = new AutoLaplaceApproximation(model);
      prime(guide);
      const params = { auto_loc: tf.tensor1d([0.1]), w: tf.scalar(0.5) };
      const h = guide.precision(params);
      expectClose(h, [5], { rtol: 1e-5 });
      tf.dispose([h, ...Object.values(params)]);
      guide.dispose();
    });
  });

  describe('getPosterior', () => {
    it('throws a NumericalError suggesting jitter when the Hessian is not positive definite', () => {
      // −log p = z²/2 − 2z² + const: the "MAP" at 0 is a minimum of the density, H = 1 − 4 = −3.
      const model = (): void => {
        const z = sample('z', new Normal(0, 1));
        factor('bump', tf.mul(2, tf.square(z)));
      };
      const guide = new AutoLaplaceApproximation(model);
      prime(guide);
      const params = { auto_loc: tf.tensor1d([0]) };
      expectVinferError(() => tf.tidy(() => void guide.getPosterior(params)), NumericalError, 'not positive definite', 'jitter', 'hessianFn');
      // A regularising hessianFn (H + 3.5·I = 0.5) is the documented way out.
      const fixed = new AutoLaplaceApproximation(model, { hessianFn: (f, z) => tf.add(hessian(f, z), tf.mul(3.5, tf.eye(1))) });
      prime(fixed);
      tf.tidy(() => expectClose(fixed.getPosterior(params).variance, [2], { rtol: 1e-5 }));
      tf.dispose(Object.values(params));
      guide.dispose();
      fixed.dispose();
    });
  });

  describe('fit to a Bayesian linear regression with off-centre x', () => {
    // The posterior is Gaussian, so the Laplace approximation is exact once the MAP is found; the
    // MAP fit is deterministic (a point-mass guide). Calibrated once (seeds 0-1, Adam lr 0.2
    // decaying to 0.002 over 3000 steps): means within 0.02%, sds exact to float32 precision.
    it(`gives the exact posterior means and sds within 3% (seed 0, ${STEPS} steps) @slow`, () => {
      const exact = exactRegressionPosterior();
      const guide = new AutoLaplaceApproximation(regression);
      const lr = exponentialDecay({ initValue: 0.2, transitionSteps: STEPS, decayRate: 0.01 });
      const { svi, state } = fit(regression, guide, [x, y], { steps: STEPS, lr });
      const params = svi.getParams(state);
      const med = guide.median(params);
      expectClose([med.a!.dataSync()[0]!, med.b!.dataSync()[0]!], exact.mean, { atol: 0, rtol: 0.03 });
      const cov = tf.tidy(() => (guide.getPosterior(params) as unknown as { covarianceMatrix: tf.Tensor }).covarianceMatrix.arraySync() as number[][]);
      const sd = [Math.sqrt(cov[0]![0]!), Math.sqrt(cov[1]![1]!)];
      expectClose(sd, exact.sd, { atol: 0, rtol: 0.03 });
      expect(cov[0]![1]! / (sd[0]! * sd[1]!)).to.be.closeTo(exact.corr, 0.01);
      // Draws follow the same Gaussian: the sample mean of a is within 4 standard errors (N = 4000).
      const n = 4000;
      const draws = guide.samplePosterior(PRNGKey(11), params, { sampleShape: [n] });
      const { mean } = meanVar(draws.a!.dataSync());
      expect(mean).to.be.closeTo(exact.mean[0], (4 * exact.sd[0]) / Math.sqrt(n));
      tf.dispose([...Object.values(params), ...Object.values(med), ...Object.values(draws)]);
      disposeState(state);
      guide.dispose();
    });
  });
});
