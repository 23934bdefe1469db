import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { Bernoulli } from '../../src/distributions/bernoulli.js';
import { Beta } from '../../src/distributions/beta.js';
import { Dirichlet } from '../../src/distributions/dirichlet.js';
import { HalfNormal } from '../../src/distributions/half-normal.js';
import { Normal } from '../../src/distributions/normal.js';
import { AutoDelta } from '../../src/guides/auto-delta.js';
import { initToFeasible } from '../../src/guides/init-strategies.js';
import { ValueError } from '../../src/kernel/errors.js';
import { plate, sample } from '../../src/kernel/primitives.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { SVI } from '../../src/kernel/svi.js';
import { disposeState } from '../../src/kernel/svi-state.js';
import { TraceELBO } from '../../src/losses/trace-elbo.js';
import { Adam } from '../../src/optim/adam.js';
import { expectClose, expectVinferError } from '../helpers/assert.js';

const SEED = 0;
const FLIPS = [1, 1, 0, 1, 1, 1, 0, 1, 0, 1]; // k = 7 heads in n = 10

/** p ~ Beta(a, b), flips ~ Bernoulli(p): the posterior is Beta(a + k, b + n - k). */
function betaBernoulli(a: number, b: number) {
  const obs = tf.tensor1d(FLIPS);
  const k = FLIPS.reduce((s, x) => s + x, 0);
  const n = FLIPS.length;
  const map = (a + k - 1) / (a + b + n - 2); // mode of Beta(a + k, b + n - k)
  const model = () => {
    const p = sample('p', new Beta(a, b));
    plate('flips', n, () => sample('x', new Bernoulli(p), { obs }));
  };
  return { model, map };
}

function fit<A extends unknown[]>(model: (...a: A) => unknown, guide: AutoDelta<A>, steps: number, lr: number, ...args: A) {
  const svi = new SVI(model, guide, new Adam({ lr }), new TraceELBO());
  let state = svi.init(PRNGKey(SEED), ...args);
  for (let i = 0; i < steps; i++) [state] = svi.update(state, ...args);
  const params = svi.getParams(state);
  return {
    params,
    done: () => {
      tf.dispose(Object.values(params));
      disposeState(state);
      guide.dispose();
    },
  };
}

describe('AutoDelta', () => {
  describe('parameters', () => {
    it("names its parameter <site>_auto_loc (NumPyro's AutoDelta) and keeps it in the site's support", () => {
      const { model } = betaBernoulli(2, 2);
      const guide = new AutoDelta(model);
      const svi = new SVI(model, guide, new Adam({ lr: 0.05 }), new TraceELBO());
      const state = svi.init(PRNGKey(SEED));
      expect(Object.keys(state.params)).to.deep.equal(['p_auto_loc']);
      const p = svi.getParams(state);
      expect(p.p_auto_loc!.dataSync()[0]).to.be.within(0, 1);
      tf.dispose(Object.values(p));
      disposeState(state);
      guide.dispose();
    });

    it('starts at the prior median by default and at the given strategy otherwise', () => {
      const { model } = betaBernoulli(2, 2);
      const guide = new AutoDelta(model, { initLocFn: initToFeasible(), prefix: 'map' });
      const svi = new SVI(model, guide, new Adam({ lr: 0.05 }), new TraceELBO());
      const state = svi.init(PRNGKey(SEED));
      const p = svi.getParams(state);
      expect(Object.keys(p)).to.deep.equal(['p_map_loc']);
      expect(p.p_map_loc!.dataSync()[0]).to.be.closeTo(0.5, 1e-6); // sigmoid(0)
      tf.dispose(Object.values(p));
      disposeState(state);
      guide.dispose();
    });

    it('rejects unknown options', () => {
      const { model } = betaBernoulli(2, 2);
      expectVinferError(() => new AutoDelta(model, { initScale: 0.1 } as never), ValueError, "AutoDelta: unknown option 'initScale'");
    });
  });

  describe('MAP', () => {
    // The loss is deterministic (a point-mass guide draws nothing), so Adam converges to the mode.
    it('reaches the Beta–Bernoulli MAP (a + k - 1)/(a + b + n - 2) = 8/12 to 1e-3 (Beta(2, 2), 10 flips, 600 steps)', () => {
      const { model, map } = betaBernoulli(2, 2);
      const { params, done } = fit(model, new AutoDelta(model), 600, 0.05);
      expect(params.p_auto_loc!.dataSync()[0]).to.be.closeTo(map, 1e-3);
      done();
    });

    it('reaches the HalfNormal-scale MAP: s² = (√(9 + 4S) - 3)/2 for S = Σx² (3 points, 600 steps)', () => {
      // log p(s) = -s²/2 - 3 log s - S/(2s²) + const; setting the derivative to 0 gives s⁴ + 3s² - S = 0.
      const xs = [0.3, -0.5, 1.2];
      const S = xs.reduce((a, x) => a + x * x, 0);
      const model = () => {
        const s = sample('s', new HalfNormal(1));
        plate('d', 3, () => sample('x', new Normal(0, s), { obs: tf.tensor1d(xs) }));
      };
      const { params, done } = fit(model, new AutoDelta(model), 600, 0.05);
      expect(params.s_auto_loc!.dataSync()[0]).to.be.closeTo(Math.sqrt((Math.sqrt(9 + 4 * S) - 3) / 2), 1e-3);
      done();
    });
  });

  describe('samplePosterior / median / quantiles', () => {
    const model = () => {
      sample('w', new Dirichlet([2, 3, 4]));
      sample('s', new HalfNormal(1));
    };

    it('returns the point estimate: median = loc, draws and quantiles are copies of it broadcast to the leading shape', () => {
      const guide = new AutoDelta(model);
      const svi = new SVI(model, guide, new Adam({ lr: 0.05 }), new TraceELBO());
      const state = svi.init(PRNGKey(SEED));
      const params = svi.getParams(state);
      const med = guide.median(params);
      expectClose(med.w!, params.w_auto_loc!);
      expect(Array.from(med.w!.dataSync()).reduce((a, b) => a + b, 0)).to.be.closeTo(1, 1e-5);
      const draws = guide.samplePosterior(PRNGKey(1), params, { sampleShape: [4, 2] });
      expect(draws.w!.shape).to.deep.equal([4, 2, 3]);
      expect(draws.s!.shape).to.deep.equal([4, 2]);
      expect(new Set(draws.s!.dataSync()).size).to.equal(1);
      const q = guide.quantiles(params, [0.25, 0.75]);
      expect(q.w!.shape).to.deep.equal([2, 3]);
      expectClose(q.s!, [params.s_auto_loc!.dataSync()[0]!, params.s_auto_loc!.dataSync()[0]!]);
      tf.dispose([...Object.values(params), ...Object.values(med), ...Object.values(draws), ...Object.values(q)]);
      disposeState(state);
      guide.dispose();
    });
  });
});
