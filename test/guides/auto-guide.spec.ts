import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { Bernoulli } from '../../src/distributions/bernoulli.js';
import { HalfNormal } from '../../src/distributions/half-normal.js';
import { Normal } from '../../src/distributions/normal.js';
import { AutoDelta } from '../../src/guides/auto-delta.js';
import { AutoDiagonalNormal } from '../../src/guides/auto-diagonal-normal.js';
import { AutoGuideList } from '../../src/guides/auto-guide-list.js';
import { AutoLaplaceApproximation } from '../../src/guides/auto-laplace-approximation.js';
import { AutoLowRankMultivariateNormal } from '../../src/guides/auto-low-rank-multivariate-normal.js';
import { AutoMultivariateNormal } from '../../src/guides/auto-multivariate-normal.js';
import { AutoNormal } from '../../src/guides/auto-normal.js';
import { periodicRepeat } from '../../src/guides/prototype.js';
import { ModelError } from '../../src/kernel/errors.js';
import { block, seed, trace } from '../../src/kernel/handlers/index.js';
import { plate, sample, subsample } from '../../src/kernel/primitives.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { SVI } from '../../src/kernel/svi.js';
import { disposeState } from '../../src/kernel/svi-state.js';
import { getTraces } from '../../src/losses/elbo.js';
import { TraceELBO } from '../../src/losses/trace-elbo.js';
import { Adam } from '../../src/optim/adam.js';
import { expectClose, expectVinferError } from '../helpers/assert.js';
import { normalNormal } from '../helpers/models.js';

const SEED = 0;
const N = 6;
const DATA = [0.4, 1.9, -0.3, 1.2, 0.8, 2.5];

/** A global mean and one local latent per data point; the plate draws `B` of `N` rows per run. */
function localModel(B: number) {
  const data = tf.tensor1d(DATA);
  return () => {
    const mu = sample('mu', new Normal(0, 2));
    plate(
      'data',
      N,
      () => {
        const z = sample('z', new Normal(mu, 1));
        sample('x', new Normal(z, 0.5), { obs: subsample(data, 0) });
      },
      { subsampleSize: B },
    );
  };
}

/** The same model, with the subsample indices given as an argument. */
function indexedModel() {
  const data = tf.tensor1d(DATA);
  return (idx: number[]) => {
    const mu = sample('mu', new Normal(0, 2));
    plate(
      'data',
      N,
      () => {
        const z = sample('z', new Normal(mu, 1));
        sample('x', new Normal(z, 0.5), { obs: subsample(data, 0) });
      },
      { subsample: idx },
    );
  };
}

function changedRows(before: Float32Array | Int32Array | Uint8Array, after: Float32Array | Int32Array | Uint8Array): number[] {
  const rows: number[] = [];
  for (let i = 0; i < before.length; i++) if (before[i] !== after[i]) rows.push(i);
  return rows;
}

describe('AutoGuide', () => {
  describe('prototype', () => {
    it('refuses a discrete latent site in every built-in guide, naming it and suggesting observation or enumeration', () => {
      const model = () => {
        const k = sample('k', new Bernoulli(0.3));
        sample('x', new Normal(k, 1), { obs: 0.5 });
      };
      const guides = [
        new AutoNormal(model),
        new AutoDelta(model),
        new AutoDiagonalNormal(model),
        new AutoMultivariateNormal(model),
        new AutoLowRankMultivariateNormal(model),
        new AutoLaplaceApproximation(model),
      ];
      for (const guide of guides) {
        const name = guide.guideName;
        expectVinferError(
          () => trace(seed(() => guide.forward(), 0)).getTrace(),
          ModelError,
          `${name}: site 'k' has discrete support (Bernoulli); ${name} only handles continuous latent sites. Observe it, or enumerate it with TraceEnum_ELBO.`,
        );
        guide.dispose();
      }
    });

    it('is hidden from outer handlers: the guide trace holds only its own params and sites', () => {
      const { model } = normalNormal([1, 2, 3]);
      const guide = new AutoNormal(model);
      const tr = trace(seed(() => guide.forward(), 0)).getTrace();
      expect([...tr.keys()]).to.deep.equal(['auto_mu_loc', 'auto_mu_scale', 'mu']);
      guide.dispose();
    });

    it('takes its key from the enclosing seed handler: same key, same initial loc', () => {
      const { model } = normalNormal([1, 2, 3]);
      const locAt = (k: number): number => {
        const g = new AutoNormal(model);
        const tr = trace(seed(() => g.forward(), k)).getTrace();
        const v = tr.get('auto_mu_loc')!.value!.dataSync()[0]!;
        g.dispose();
        return v;
      };
      expect(locAt(3)).to.equal(locAt(3));
      expect(locAt(3)).to.not.equal(locAt(4));
    });

    it('periodicRepeat tiles a subsample cyclically to the full plate size', () => {
      const r = periodicRepeat(tf.tensor2d([[1, 2], [3, 4]]), 5, 0);
      expect(r.arraySync()).to.deep.equal([[1, 2], [3, 4], [1, 2], [3, 4], [1, 2]]);
      r.dispose();
    });
  });

  describe('subsampling (plates re-created in the guide)', () => {
    it(`keeps local params at the full plate size (${N}) and trains with subsample size 2`, () => {
      const model = localModel(2);
      const guide = new AutoNormal(model);
      const svi = new SVI(model, guide, new Adam({ lr: 0.05 }), new TraceELBO());
      let state = svi.init(PRNGKey(SEED));
      expect(svi.paramShapes()).to.deep.include({ auto_z_loc: [N], auto_z_scale: [N], auto_mu_loc: [] });
      const losses: number[] = [];
      for (let i = 0; i < 300; i++) {
        let l: number;
        [state, l] = svi.update(state);
        losses.push(l);
      }
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(losses.every(Number.isFinite)).to.equal(true);
      expect(mean(losses.slice(-50))).to.be.lessThan(mean(losses.slice(0, 50)));
      disposeState(state);
      guide.dispose();
    });

    it('one update changes exactly the 2 subsampled rows of auto_z_loc (random subsample)', () => {
      const model = localModel(2);
      const guide = new AutoNormal(model);
      const svi = new SVI(model, guide, new Adam({ lr: 0.05 }), new TraceELBO());
      let state = svi.init(PRNGKey(SEED));
      const before = state.params.auto_z_loc!.dataSync().slice();
      [state] = svi.update(state);
      const after = state.params.auto_z_loc!.dataSync();
      expect(changedRows(before, after)).to.have.length(2);
      disposeState(state);
      guide.dispose();
    });

    it('createPlates passes the model\'s own indices: one update with idx [1, 4] changes rows 1 and 4 only', () => {
      const model = indexedModel();
      const guide = new AutoNormal(model, { createPlates: (idx: number[]) => ({ name: 'data', size: N, subsample: idx }) });
      const svi = new SVI(model, guide, new Adam({ lr: 0.05 }), new TraceELBO());
      let state = svi.init(PRNGKey(SEED), [0, 3]);
      const loc0 = state.params.auto_z_loc!.dataSync().slice();
      const scale0 = state.params.auto_z_scale!.dataSync().slice();
      [state] = svi.update(state, [1, 4]);
      expect(changedRows(loc0, state.params.auto_z_loc!.dataSync())).to.deep.equal([1, 4]);
      expect(changedRows(scale0, state.params.auto_z_scale!.dataSync())).to.deep.equal([1, 4]);
      disposeState(state);
      guide.dispose();
    });

    it('the model replays the guide\'s subsample indices', () => {
      const model = localModel(3);
      const guide = new AutoNormal(model);
      const svi = new SVI(model, guide, new Adam({ lr: 0.05 }), new TraceELBO());
      const state = svi.init(PRNGKey(SEED));
      const params = svi.getParams(state);
      tf.tidy(() => {
        const { modelTrace, guideTrace } = getTraces(PRNGKey(5), params, model, (...a: []) => guide.forward(...a), []);
        const idx = Array.from(guideTrace.get('data')!.value!.dataSync());
        expect(idx).to.have.length(3);
        expect(Array.from(modelTrace.get('data')!.value!.dataSync())).to.deep.equal(idx);
        expect(guideTrace.get('z')!.value!.shape).to.deep.equal([3]);
        // The model's observed rows are the replayed subsample of the data.
        expectClose(modelTrace.get('x')!.value!, idx.map((i) => DATA[i]!), { atol: 1e-6 });
      });
      const draws = guide.samplePosterior(PRNGKey(1), params, { sampleShape: [2] });
      expect(draws.z!.shape).to.deep.equal([2, N]); // posterior draws cover every row
      tf.dispose([...Object.values(params), ...Object.values(draws)]);
      disposeState(state);
      guide.dispose();
    });
  });

  describe('memory', () => {
    const model = () => {
      const mu = sample('mu', new Normal(0, 1));
      const sigma = sample('sigma', new HalfNormal(1));
      plate('data', 4, () => sample('x', new Normal(mu, sigma), { obs: tf.tensor1d([0.2, 1.1, -0.4, 0.7]) }));
    };
    const guides = {
      AutoNormal: () => new AutoNormal(model),
      AutoDelta: () => new AutoDelta(model),
      AutoGuideList: () =>
        new AutoGuideList(model)
          .append(new AutoNormal(block(seed(model, 0), { hide: ['sigma'] })))
          .append(new AutoDelta(block(seed(model, 1), { expose: ['sigma'] }))),
    };
    for (const [name, make] of Object.entries(guides)) {
      it(`${name}: tf.memory().numTensors is the same after step 100 and step 200`, () => {
        const guide = make();
        const svi = new SVI(model, guide, new Adam({ lr: 0.01 }), new TraceELBO());
        let state = svi.init(PRNGKey(SEED));
        let at100 = 0;
        for (let i = 1; i <= 200; i++) {
          [state] = svi.update(state);
          if (i === 100) at100 = tf.memory().numTensors;
        }
        expect(tf.memory().numTensors).to.equal(at100);
        disposeState(state);
        guide.dispose();
      });
    }

    it('dispose() releases every tensor the guide owns', () => {
      const { model: m } = normalNormal([1, 2]);
      const before = tf.memory().numTensors;
      const guide = new AutoNormal(m);
      tf.tidy(() => {
        trace(seed(() => guide.forward(), 0)).getTrace();
      });
      expect(tf.memory().numTensors).to.be.greaterThan(before);
      guide.dispose();
      expect(tf.memory().numTensors).to.equal(before);
    });
  });
});
