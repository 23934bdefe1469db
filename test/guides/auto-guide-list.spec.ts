import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { HalfNormal } from '../../src/distributions/half-normal.js';
import { Normal } from '../../src/distributions/normal.js';
import { AutoDelta } from '../../src/guides/auto-delta.js';
import { AutoGuideList } from '../../src/guides/auto-guide-list.js';
import { AutoNormal } from '../../src/guides/auto-normal.js';
import { ModelError, ValueError } from '../../src/kernel/errors.js';
import { block, seed } from '../../src/kernel/handlers/index.js';
import { param, plate, sample } from '../../src/kernel/primitives.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { SVI } from '../../src/kernel/svi.js';
import { disposeState } from '../../src/kernel/svi-state.js';
import { TraceELBO } from '../../src/losses/trace-elbo.js';
import { Adam } from '../../src/optim/adam.js';
import { expectVinferError } from '../helpers/assert.js';

const SEED = 0;
const model = () => {
  const mu = sample('mu', new Normal(0, 1));
  const sigma = sample('sigma', new HalfNormal(1));
  plate('data', 4, () => sample('x', new Normal(mu, sigma), { obs: tf.tensor1d([0.2, 1.1, -0.4, 0.7]) }));
};

function split(): AutoGuideList {
  return new AutoGuideList(model)
    .append(new AutoNormal(block(seed(model, 0), { hide: ['sigma'] })))
    .append(new AutoDelta(block(seed(model, 1), { expose: ['sigma'] })));
}

describe('AutoGuideList', () => {
  describe('forward', () => {
    it('runs every part: AutoNormal params for mu, AutoDelta params for sigma', () => {
      const guide = split();
      expect(guide.length).to.equal(2);
      const svi = new SVI(model, guide, new Adam({ lr: 0.05 }), new TraceELBO());
      let state = svi.init(PRNGKey(SEED));
      expect(Object.keys(state.params).sort()).to.deep.equal(['auto_mu_loc', 'auto_mu_scale', 'sigma_auto_loc']);
      let loss = NaN;
      for (let i = 0; i < 20; i++) [state, loss] = svi.update(state);
      expect(Number.isFinite(loss)).to.equal(true);
      disposeState(state);
      guide.dispose();
    });

    it('refuses two parts that cover the same site, naming it', () => {
      const guide = new AutoGuideList(model).append(new AutoNormal(model)).append(new AutoDelta(block(seed(model, 1), { expose: ['mu'] })));
      const svi = new SVI(model, guide, new Adam({ lr: 0.05 }), new TraceELBO());
      expectVinferError(() => svi.init(PRNGKey(SEED)), ModelError, "AutoGuideList: site 'mu' is sampled by part 0 and by part 1");
      guide.dispose();
    });

    it('accepts a hand-written part', () => {
      const custom = () => {
        const loc = param('sigma_q', 1, {});
        return { sigma: sample('sigma', new HalfNormal(tf.abs(loc))) };
      };
      const guide = new AutoGuideList(model).append(new AutoNormal(block(seed(model, 0), { hide: ['sigma'] }))).append(custom);
      const svi = new SVI(model, guide, new Adam({ lr: 0.05 }), new TraceELBO());
      const state = svi.init(PRNGKey(SEED));
      expect(Object.keys(state.params).sort()).to.deep.equal(['auto_mu_loc', 'auto_mu_scale', 'sigma_q']);
      const params = svi.getParams(state);
      expectVinferError(() => guide.median(params), ValueError, 'AutoGuideList.median: part 1 has no median method');
      tf.dispose(Object.values(params));
      disposeState(state);
      guide.dispose();
    });

    it('rejects a part that is not a guide', () => {
      expectVinferError(() => new AutoGuideList(model).append(42 as never), ValueError, 'AutoGuideList.append: a part must be a guide');
    });
  });

  describe('samplePosterior / median / quantiles', () => {
    it('merges the parts: mu from AutoNormal, sigma from AutoDelta (constant draws at the point estimate)', () => {
      const guide = split();
      const svi = new SVI(model, guide, new Adam({ lr: 0.05 }), new TraceELBO());
      const state = svi.init(PRNGKey(SEED));
      const params = svi.getParams(state);
      const s = guide.samplePosterior(PRNGKey(3), params, { sampleShape: [50] });
      expect(Object.keys(s).sort()).to.deep.equal(['mu', 'sigma']);
      expect(s.mu!.shape).to.deep.equal([50]);
      const sig = Array.from(s.sigma!.dataSync());
      expect(new Set(sig).size).to.equal(1);
      expect(sig[0]).to.be.closeTo(params.sigma_auto_loc!.dataSync()[0]!, 1e-6);
      const again = guide.samplePosterior(PRNGKey(3), params, { sampleShape: [50] });
      expect(Array.from(again.mu!.dataSync())).to.deep.equal(Array.from(s.mu!.dataSync()));
      const med = guide.median(params);
      const q = guide.quantiles(params, [0.1, 0.9]);
      expect(Object.keys(med).sort()).to.deep.equal(['mu', 'sigma']);
      expect(q.mu!.shape).to.deep.equal([2]);
      expect(q.sigma!.shape).to.deep.equal([2]);
      expect(q.mu!.dataSync()[0]).to.be.lessThan(q.mu!.dataSync()[1]!);
      tf.dispose([...Object.values(params), ...Object.values(s), ...Object.values(again), ...Object.values(med), ...Object.values(q)]);
      disposeState(state);
      guide.dispose();
    });
  });
});
