import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { Normal } from '../../src/distributions/normal.js';
import { TransformedDistribution } from '../../src/distributions/transformed.js';
import type { AutoContinuous } from '../../src/guides/auto-continuous.js';
import { AutoDiagonalNormal } from '../../src/guides/auto-diagonal-normal.js';
import { AutoLaplaceApproximation } from '../../src/guides/auto-laplace-approximation.js';
import { AutoLowRankMultivariateNormal } from '../../src/guides/auto-low-rank-multivariate-normal.js';
import { AutoMultivariateNormal } from '../../src/guides/auto-multivariate-normal.js';
import type { ModelFn } from '../../src/guides/guide.js';
import { ModelError, ValueError } from '../../src/kernel/errors.js';
import { seed, substitute, trace } from '../../src/kernel/handlers/index.js';
import { plate, sample } from '../../src/kernel/primitives.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { SVI } from '../../src/kernel/svi.js';
import { disposeState } from '../../src/kernel/svi-state.js';
import { siteLogProbSum } from '../../src/kernel/trace-data.js';
import { TraceELBO } from '../../src/losses/trace-elbo.js';
import { Adam } from '../../src/optim/adam.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';
import { POSITIVE_DATA, fit, positiveScale, regression, regressionData } from './continuous-models.js';

type Make = (model: ModelFn) => AutoContinuous;

/** Every guide over the flat latent, with what its parameters are called and shaped for D = 2. */
const GUIDES: { name: string; make: Make; params: Record<string, number[]> }[] = [
  { name: 'AutoDiagonalNormal', make: (m) => new AutoDiagonalNormal(m), params: { auto_loc: [2], auto_scale: [2] } },
  { name: 'AutoMultivariateNormal', make: (m) => new AutoMultivariateNormal(m), params: { auto_loc: [2], auto_scale_tril: [2, 2] } },
  {
    name: 'AutoLowRankMultivariateNormal',
    make: (m) => new AutoLowRankMultivariateNormal(m),
    params: { auto_loc: [2], auto_cov_factor: [2, 1], auto_scale: [2] },
  },
  { name: 'AutoLaplaceApproximation', make: (m) => new AutoLaplaceApproximation(m), params: { auto_loc: [2] } },
];

function disposeAll(...objs: Record<string, tf.Tensor>[]): void {
  for (const o of objs) tf.dispose(Object.values(o));
}

describe('AutoContinuous', () => {
  let x: tf.Tensor;
  let y: tf.Tensor;
  let pos: tf.Tensor;
  before(() => {
    [x, y] = regressionData();
    pos = tf.tensor1d(POSITIVE_DATA);
  });
  after(() => tf.dispose([x, y, pos]));

  describe('forward', () => {
    it("flattens the latent sites in model order into the auxiliary site '_auto_latent' and replays each as a Delta", () => {
      const guide = new AutoDiagonalNormal(regression);
      tf.tidy(() => {
        const tr = trace(seed(guide.forward.bind(guide), 3)).getTrace(x, y);
        expect([...tr.keys()].filter((k) => tr.get(k)!.type === 'sample')).to.deep.equal(['_auto_latent', 'a', 'b']);
        const latent = tr.get('_auto_latent')!;
        expect(latent.infer.isAuxiliary).to.equal(true);
        expect(latent.value!.shape).to.deep.equal([2]);
        const [u0, u1] = latent.value!.dataSync();
        expect(tr.get('a')!.value!.dataSync()[0]).to.equal(u0);
        expect(tr.get('b')!.value!.dataSync()[0]).to.equal(u1);
      });
      expect(guide.latentDim).to.equal(2);
      guide.dispose();
    });

    it('gives a constrained site the log-density −log|J| so that log q(s) = log N(u; loc, scale) − u for s = exp(u)', () => {
      const guide = new AutoDiagonalNormal(positiveScale);
      tf.tidy(() => {
        const tr = trace(seed(guide.forward.bind(guide), 5)).getTrace(pos);
        const u = tr.get('_auto_latent')!.value!;
        const [us] = u.dataSync();
        // Sites in model order: s (HalfNormal, through Exp), then m (real).
        expect(tr.get('s')!.value!.dataSync()[0]).to.be.closeTo(Math.exp(us!), 1e-5 * Math.exp(us!));
        expectClose(siteLogProbSum(tr.get('s')!)!, -us!, { atol: 1e-6 });
        expectClose(siteLogProbSum(tr.get('m')!)!, 0, { atol: 0 });
        // The initial guide: loc = the init point, scale 0.1.
        const loc = tr.get('auto_loc')!.value!;
        const expected = tf.sum(new Normal(loc, 0.1).logProb(u));
        expectClose(siteLogProbSum(tr.get('_auto_latent')!)!, expected, { atol: 1e-5 });
      });
      guide.dispose();
    });

    it('runs with vectorised particles (a particle plate left of the data plate), a site in a plate included', () => {
      const model = (data: tf.Tensor): void => {
        const mu = plate('groups', 3, () => sample('mu', new Normal(0, 1)));
        // keepDims: under vectorised particles mu carries a leading particle dim.
        plate('data', data.shape[0]!, () => sample('obs', new Normal(tf.sum(mu, -1, true), 1), { obs: data }), { dim: -2 });
      };
      const guide = new AutoDiagonalNormal(model);
      const data = tf.zeros([4, 1]);
      const loss = new TraceELBO({ numParticles: 5, vectorizeParticles: true });
      const svi = new SVI(model, guide, new Adam({ lr: 0.01 }), loss);
      const state = svi.init(PRNGKey(0), data);
      const [next, value] = svi.update(state, data);
      expect(Number.isFinite(value)).to.equal(true);
      disposeState(next);
      guide.dispose();
      data.dispose();
    });
  });

  describe('errors', () => {
    it('refuses local latent variables (a subsampled plate) with a ModelError naming the site and plate', () => {
      const model = (): void => {
        plate('data', 10, () => sample('z', new Normal(0, 1)), { subsampleSize: 3 });
      };
      const guide = new AutoMultivariateNormal(model);
      expectVinferError(() => seed(guide.forward.bind(guide), 0)(), ModelError, "site 'z'", "plate 'data'", 'local latent', 'AutoNormal');
    });

    it('refuses a model without latent sites', () => {
      const guide = new AutoDiagonalNormal(() => sample('obs', new Normal(0, 1), { obs: 0.5 }));
      expectVinferError(() => seed(guide.forward.bind(guide), 0)(), ModelError, 'no continuous latent sites');
    });

    it('asks for a first run before posterior queries, and names a missing parameter', () => {
      const guide = new AutoDiagonalNormal(regression);
      expectVinferError(() => guide.median({}), ModelError, 'has not run yet');
      tf.tidy(() => seed(guide.forward.bind(guide), 0)(x, y));
      expectVinferError(() => guide.median({}), ValueError, "params has no 'auto_loc'", 'svi.getParams');
      expectVinferError(() => guide.quantiles({}, [0, 0.5]), ValueError, 'quantiles must be');
      guide.dispose();
    });
  });

  for (const { name, make, params: shapes } of GUIDES) {
    describe(name, () => {
      it(`declares { kind: 'guide', name: '${name}' } and the parameters ${Object.keys(shapes).join(', ')}`, () => {
        const guide = make(regression);
        expect((guide.constructor as unknown as { plugin: unknown }).plugin).to.deep.equal({ kind: 'guide', name });
        const svi = new SVI(regression, guide, new Adam({ lr: 0.01 }), new TraceELBO());
        const state = svi.init(PRNGKey(0), x, y);
        expect(svi.paramShapes()).to.have.keys(Object.keys(shapes));
        const got = svi.getParams(state);
        for (const [k, s] of Object.entries(shapes)) expect(got[k]!.shape, k).to.deep.equal(s);
        disposeAll(got);
        disposeState(state);
        guide.dispose();
      });

      it('leaks no tensors over 200 SVI steps (same count at step 100 and 200)', () => {
        const guide = make(regression);
        const svi = new SVI(regression, guide, new Adam({ lr: 0.01 }), new TraceELBO());
        let state = svi.init(PRNGKey(1), x, y);
        let at100 = -1;
        for (let i = 1; i <= 200; i++) {
          [state] = svi.update(state, x, y);
          if (i === 100) at100 = tf.memory().numTensors;
        }
        expect(tf.memory().numTensors).to.equal(at100);
        disposeState(state);
        guide.dispose();
      });

      describe('posterior queries (after 300 steps on a model with a positive site)', () => {
        let guide: AutoContinuous;
        let params: Record<string, tf.Tensor>;
        before(() => {
          guide = make(positiveScale);
          const { svi, state } = fit(positiveScale, guide, [pos], { steps: 300, lr: 0.05 });
          params = svi.getParams(state);
          disposeState(state);
        });
        after(() => {
          disposeAll(params);
          guide.dispose();
        });

        it('samplePosterior is deterministic for a fixed key, differs for another, and has shape sampleShape ++ site shape', () => {
          const a = guide.samplePosterior(PRNGKey(7), params, { sampleShape: [50] });
          const b = guide.samplePosterior(PRNGKey(7), params, { sampleShape: [50] });
          const c = guide.samplePosterior(PRNGKey(8), params, { sampleShape: [50] });
          expect(a.s!.shape).to.deep.equal([50]);
          expect(Array.from(a.s!.dataSync())).to.deep.equal(Array.from(b.s!.dataSync()));
          expect(Array.from(a.m!.dataSync())).to.deep.equal(Array.from(b.m!.dataSync()));
          expect(Array.from(a.s!.dataSync())).to.not.deep.equal(Array.from(c.s!.dataSync()));
          expect(Math.min(...a.s!.dataSync())).to.be.greaterThan(0);
          disposeAll(a, b, c);
        });

        it('median and quantiles lie in the support (s > 0), ordered, with the median between the 10% and 90% quantiles', () => {
          const med = guide.median(params);
          const q = guide.quantiles(params, [0.1, 0.5, 0.9]);
          expect(q.s!.shape).to.deep.equal([3]);
          const [q10, q50, q90] = q.s!.dataSync();
          expect(q10!).to.be.greaterThan(0);
          expect(q10!).to.be.lessThan(q50!);
          expect(q50!).to.be.lessThan(q90!);
          expect(med.s!.dataSync()[0]).to.be.closeTo(q50!, 1e-5);
          disposeAll(med, q);
        });

        it('getPosterior agrees with getBaseDist pushed through getTransform (log-densities at 3 points)', () => {
          tf.tidy(() => {
            const posterior = guide.getPosterior(params);
            const pushed = new TransformedDistribution(guide.getBaseDist(), guide.getTransform(params), { validateArgs: false });
            const v = tf.tensor2d([
              [0.1, -0.2],
              [-0.5, 0.3],
              [0.8, 0.05],
            ]);
            expectClose(posterior.logProb(v), pushed.logProb(v), { atol: 1e-4, rtol: 1e-4 });
          });
        });

        it('posterior queries leak no tensors', () => {
          expectNoTensorLeak(() => {
            disposeAll(guide.samplePosterior(PRNGKey(1), params, { sampleShape: [3] }));
            disposeAll(guide.median(params));
            disposeAll(guide.quantiles(params, [0.25, 0.75]));
            tf.tidy(() => {
              guide.getPosterior(params);
              guide.getTransform(params);
            });
          });
        });
      });
    });
  }

  describe('substitute of the latent site', () => {
    it('a substituted flat latent fixes every site value (the model replays it)', () => {
      const guide = new AutoDiagonalNormal(regression);
      tf.tidy(() => {
        seed(guide.forward.bind(guide), 0)(x, y);
        const tr = trace(substitute(seed(guide.forward.bind(guide), 1), { data: { _auto_latent: tf.tensor1d([0.25, -1.5]) } })).getTrace(x, y);
        expectClose(tr.get('a')!.value!, 0.25);
        expectClose(tr.get('b')!.value!, -1.5);
      });
      guide.dispose();
    });
  });
});
