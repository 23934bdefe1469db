import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { Exponential } from '../../src/distributions/exponential.js';
import { Normal } from '../../src/distributions/normal.js';
import { ModelError, NumericalError, ValueError } from '../../src/kernel/errors.js';
import { factor, param, plate, sample } from '../../src/kernel/primitives.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { SVI } from '../../src/kernel/svi.js';
import { disposeState } from '../../src/kernel/svi-state.js';
import { TraceELBO } from '../../src/losses/trace-elbo.js';
import { Adam } from '../../src/optim/adam.js';
import { SGD } from '../../src/optim/sgd.js';
import { expectNoTensorLeak, expectNoTensorLeakAsync, expectVinferError, expectVinferErrorAsync } from '../helpers/assert.js';
import { normalNormal } from '../helpers/models.js';

const DATA = [0.9, 1.4, 0.2, 1.1, 0.7];

describe('SVI', () => {
  describe('init / update / getParams', () => {
    it('discovers parameters, keeps them unconstrained, and returns constrained values', () => {
      const { model, guide } = normalNormal(DATA);
      const svi = new SVI(model, guide, new Adam({ lr: 0.01 }), new TraceELBO());
      const state = svi.init(PRNGKey(0));
      expect(Object.keys(state.params).sort()).to.deep.equal(['loc', 'scale']);
      expect(state.params.scale!.dataSync()[0]).to.be.closeTo(0, 1e-6); // log(1)
      const p = svi.getParams(state);
      expect(p.scale!.dataSync()[0]).to.be.closeTo(1, 1e-6);
      tf.dispose(Object.values(p));
      disposeState(state);
    });

    it('initWith sets constrained initial values and rejects unknown names', () => {
      const { model, guide } = normalNormal(DATA);
      const svi = new SVI(model, guide, new Adam({ lr: 0.01 }), new TraceELBO());
      const state = svi.initWith(PRNGKey(0), { scale: 2 });
      expect(state.params.scale!.dataSync()[0]).to.be.closeTo(Math.log(2), 1e-6);
      disposeState(state);
      expectVinferError(() => svi.initWith(PRNGKey(0), { nope: 1 }), ValueError, 'nope');
    });

    it('the same key gives the same losses; the loss is a pure function of the state', () => {
      const { model, guide } = normalNormal(DATA);
      const run = () => {
        const svi = new SVI(model, guide, new Adam({ lr: 0.05 }), new TraceELBO());
        let s = svi.init(PRNGKey(3));
        const losses: number[] = [];
        for (let i = 0; i < 20; i++) {
          const e = svi.evaluate(s);
          let l: number;
          [s, l] = svi.update(s);
          expect(l).to.equal(e); // evaluate uses the key the next update uses
          losses.push(l);
        }
        disposeState(s);
        return losses;
      };
      expect(run()).to.deep.equal(run());
    });

    it('leaves the live tensor count unchanged between step 100 and step 1000', () => {
      const { model, guide } = normalNormal(DATA);
      const svi = new SVI(model, guide, new Adam({ lr: 0.01 }), new TraceELBO());
      let s = svi.init(PRNGKey(1));
      let at100 = 0;
      for (let i = 1; i <= 1000; i++) {
        [s] = svi.update(s);
        if (i === 100) at100 = tf.memory().numTensors;
      }
      expect(tf.memory().numTensors).to.equal(at100);
      disposeState(s);
    });
  });

  describe('convergence', () => {
    it('fits the Normal–Normal posterior: mean within 0.05, sd within 10% (2000 steps, Adam 0.02)', async () => {
      const { model, guide, exact } = normalNormal(DATA);
      const svi = new SVI(model, guide, new Adam({ lr: 0.02 }), new TraceELBO({ numParticles: 4 }));
      const { params, state } = await svi.run(PRNGKey(0), 2000, [], { progressBar: false });
      expect(params.loc!.dataSync()[0]).to.be.closeTo(exact.mean, 0.05);
      expect(params.scale!.dataSync()[0]).to.be.closeTo(exact.sd, 0.1 * exact.sd);
      tf.dispose(Object.values(params));
      disposeState(state);
    });
  });

  describe('stableUpdate', () => {
    it('keeps the previous parameters when the loss turns NaN, and advances the key', () => {
      let poison = false;
      const model = () => {
        const mu = sample('mu', new Normal(0, 1));
        sample('x', new Normal(mu, 1), { obs: 0.5 });
        if (poison) factor('nan', NaN);
      };
      const guide = () => sample('mu', new Normal(param('loc', 0), 1));
      const svi = new SVI(model, guide, new SGD({ lr: 0.1 }), new TraceELBO());
      let s = svi.init(PRNGKey(0));
      [s] = svi.stableUpdate(s);
      const before = s.params.loc!.dataSync()[0];
      poison = true;
      let loss: number;
      const key = s.rngKey;
      [s, loss] = svi.stableUpdate(s);
      expect(Number.isNaN(loss)).to.equal(true);
      expect(s.params.loc!.dataSync()[0]).to.equal(before);
      expect(s.rngKey).to.not.deep.equal(key);
      poison = false;
      [s, loss] = svi.stableUpdate(s);
      expect(Number.isFinite(loss)).to.equal(true);
      disposeState(s);
    });
  });

  describe('model/guide checks', () => {
    const model = () => {
      const mu = sample('mu', new Normal(0, 1));
      sample('x', new Normal(mu, 1), { obs: 0.5 });
    };
    it('a guide site the model lacks fails naming the site', () => {
      const guide = () => {
        sample('mu', new Normal(param('loc', 0), 1));
        sample('sigma', new Normal(0, 1));
      };
      const svi = new SVI(model, guide, new Adam({ lr: 0.01 }), new TraceELBO());
      const s = svi.init(PRNGKey(0));
      expectVinferError(() => svi.update(s), ModelError, "guide site 'sigma' is not in the model", 'mu');
    });
    it('an auxiliary guide site is allowed', () => {
      const guide = () => {
        sample('mu', new Normal(param('loc', 0), 1));
        sample('aux', new Normal(0, 1), { infer: { isAuxiliary: true } });
      };
      const svi = new SVI(model, guide, new Adam({ lr: 0.01 }), new TraceELBO());
      const [s] = svi.update(svi.init(PRNGKey(0)));
      disposeState(s);
    });
    it('an observed guide site fails naming the site', () => {
      const guide = () => {
        sample('mu', new Normal(param('loc', 0), 1));
        sample('x', new Normal(0, 1), { obs: 1 });
      };
      const svi = new SVI(model, guide, new Adam({ lr: 0.01 }), new TraceELBO());
      expectVinferError(() => svi.update(svi.init(PRNGKey(0))), ModelError, "guide site 'x' is observed");
    });
    it('a model latent site the guide lacks fails naming the site', () => {
      const guide = () => {
        param('loc', 0);
      };
      const svi = new SVI(model, guide, new Adam({ lr: 0.01 }), new TraceELBO());
      expectVinferError(() => svi.update(svi.init(PRNGKey(0))), ModelError, "model latent site 'mu' is not in the guide");
    });
    it('an observation that disagrees with its plate fails naming the site and both shapes (not a TypeError)', () => {
      const m = () => {
        const mu = sample('mu', new Normal(0, 1));
        plate('data', 3, () => sample('x', new Normal(mu, 1), { obs: [1, 2] }));
      };
      const guide = () => sample('mu', new Normal(param('loc', 0), 1));
      const svi = new SVI(m, guide, new Adam({ lr: 0.01 }), new TraceELBO());
      const state = svi.init(PRNGKey(0));
      // A failed update leaves the state it was given intact (and allocates nothing that outlives it).
      expectNoTensorLeak(() => {
        expectVinferError(() => svi.update(state), ValueError, "sample('x'): Normal.logProb: value shape [2] does not broadcast with batch shape [3]");
      });
      expect(state.params.loc!.isDisposed).to.equal(false);
      disposeState(state);
    });

    it('a value outside the support of an observed site fails naming the site and the value', () => {
      const m = () => {
        const mu = sample('mu', new Normal(0, 1));
        sample('x', new Normal(mu, 1).expand([2]).toEvent(1), { obs: [1, 2] });
        sample('y', new Exponential(1), { obs: -1 });
      };
      const guide = () => sample('mu', new Normal(param('loc', 0), 1));
      const svi = new SVI(m, guide, new Adam({ lr: 0.01 }), new TraceELBO());
      expectVinferError(() => svi.update(svi.init(PRNGKey(0))), ValueError, "sample('y'): Exponential.logProb: value -1 is outside the support positive");
    });

    it('an error the model raises during run surfaces with the step number', async () => {
      let calls = 0;
      const bad = () => {
        calls++;
        if (calls > 5) throw new ValueError('model: argument x must be positive');
        model();
      };
      const guide = () => sample('mu', new Normal(param('loc', 0), 1));
      const svi = new SVI(bad, guide, new Adam({ lr: 0.01 }), new TraceELBO());
      await expectVinferErrorAsync(() => svi.run(PRNGKey(0), 10, [], { progressBar: false }), ValueError, 'must be positive', 'SVI step');
    });
  });

  describe('asynchronous programs', () => {
    it('an async model, guide function or guide object is refused with a ModelError saying models must be synchronous', () => {
      const { model, guide } = normalNormal(DATA);
      const make = (m: () => unknown, g: unknown): SVI<[]> => new SVI<[]>(m, g as () => unknown, new Adam({ lr: 0.01 }), new TraceELBO());
      expectNoTensorLeak(() => {
        expectVinferError(() => make(model, async () => guide()).init(PRNGKey(0)), ModelError, 'must be synchronous');
        expectVinferError(() => make(model, { forward: async () => guide() }).init(PRNGKey(0)), ModelError, 'must be synchronous');
        expectVinferError(() => make(async () => model(), guide).init(PRNGKey(0)), ModelError, 'must be synchronous');
      });
    });
  });

  describe('callbacks that throw', () => {
    it('attach() throwing: run rejects with its error, closes the callbacks attached before it, and leaks no tensors', async () => {
      const { model, guide } = normalNormal(DATA);
      const svi = new SVI(model, guide, new Adam({ lr: 0.01 }), new TraceELBO());
      const closed: string[] = [];
      const first = { attach: () => undefined, close: () => void closed.push('first') };
      const bad = {
        attach: () => {
          throw new ValueError('MyCallback: cannot attach');
        },
        close: () => void closed.push('bad'),
      };
      await expectNoTensorLeakAsync(async () => {
        await expectVinferErrorAsync(
          () => svi.run(PRNGKey(0), 5, [], { progressBar: false, callbacks: [first, bad] }),
          ValueError,
          'MyCallback: cannot attach',
        );
      });
      expect(closed).to.deep.equal(['first']);
    });

    it('close() throwing: the run ends (reason completed), then rejects with that error; every other callback is still closed', async () => {
      const { model, guide } = normalNormal(DATA);
      const svi = new SVI(model, guide, new Adam({ lr: 0.01 }), new TraceELBO());
      const reasons: string[] = [];
      const sub = svi.events$.subscribe((e) => {
        if (e.type === 'end') reasons.push(e.reason);
      });
      let laterClosed = false;
      const bad = {
        attach: () => undefined,
        close: () => {
          throw new ValueError('MyCallback: flush failed');
        },
      };
      const later = { attach: () => undefined, close: () => void (laterClosed = true) };
      await expectNoTensorLeakAsync(async () => {
        await expectVinferErrorAsync(
          () => svi.run(PRNGKey(0), 5, [], { progressBar: false, callbacks: [bad, later] }),
          ValueError,
          'MyCallback: flush failed',
        );
        // The final state stays with the engine (as after any failed run) for the caller to keep or release.
        expect(svi.state?.step).to.equal(5);
        disposeState(svi.state!);
      });
      sub.unsubscribe();
      expect(reasons).to.deep.equal(['completed']);
      expect(laterClosed).to.equal(true);
    });
  });

  describe('stateful API', () => {
    it('step and evaluateLoss initialise on first use and reduce the loss', () => {
      const { model, guide } = normalNormal(DATA);
      const svi = new SVI(model, guide, new Adam({ lr: 0.05 }), new TraceELBO({ numParticles: 8 })).useKey(PRNGKey(2));
      const first = svi.evaluateLoss();
      for (let i = 0; i < 300; i++) svi.step();
      expect(svi.evaluateLoss()).to.be.lessThan(first);
      svi.dispose();
    });
  });

  describe('events$', () => {
    it('emits start, one step event per update with numbers, and end', async () => {
      const { model, guide } = normalNormal(DATA);
      const svi = new SVI(model, guide, new Adam({ lr: 0.01 }), new TraceELBO());
      const types: string[] = [];
      const sub = svi.events$.subscribe((e) => {
        types.push(e.type);
        if (e.type === 'step') expect(typeof e.loss).to.equal('number');
      });
      const { params, state } = await svi.run(PRNGKey(0), 5, [], { progressBar: false });
      sub.unsubscribe();
      expect(types).to.deep.equal(['start', 'step', 'step', 'step', 'step', 'step', 'end']);
      tf.dispose(Object.values(params));
      disposeState(state);
    });
    it('a callback that fails ends the run with reason error', async () => {
      const { model, guide } = normalNormal(DATA);
      const svi = new SVI(model, guide, new Adam({ lr: 0.01 }), new TraceELBO());
      let reason = '';
      svi.events$.subscribe((e) => {
        if (e.type === 'end') reason = e.reason;
      });
      const failing = { attach: (ctx: { fail(e: unknown): void }) => void ctx.fail(new NumericalError('callback says no')) };
      await expectVinferErrorAsync(() => svi.run(PRNGKey(0), 5, [], { progressBar: false, callbacks: [failing as never] }), NumericalError, 'callback says no');
      expect(reason).to.equal('error');
    });
  });
});

describe('SVI.getParams ownership', () => {
  it('returns tensors the caller may dispose without touching the state (real and constrained params)', () => {
    const { model, guide } = normalNormal(DATA);
    const svi = new SVI(model, guide, new Adam({ lr: 0.01 }), new TraceELBO());
    const state = svi.init(PRNGKey(0));
    tf.dispose(Object.values(svi.getParams(state)));
    expect(state.params.loc!.isDisposed).to.equal(false);
    const [next] = svi.update(state);
    disposeState(next);
  });
});

describe('SVI.run with a callback that throws inside its subscription', () => {
  it('ends the run with reason error and rejects with the callback error', async () => {
    const { model, guide } = normalNormal(DATA);
    const svi = new SVI(model, guide, new Adam({ lr: 0.01 }), new TraceELBO());
    let reason = '';
    let steps = 0;
    svi.events$.subscribe((e) => {
      if (e.type === 'end') reason = e.reason;
      if (e.type === 'step') steps = e.step;
    });
    const thrower = {
      attach: (ctx: { events$: import('rxjs').Observable<{ type: string; step?: number }> }) =>
        ctx.events$.subscribe((e) => {
          if (e.type === 'step' && e.step === 10) throw new ValueError('callback blew up at step 10');
        }),
    };
    await expectVinferErrorAsync(
      () => svi.run(PRNGKey(0), 20000, [], { progressBar: false, callbacks: [thrower as never] }),
      ValueError,
      'callback blew up',
    );
    expect(reason).to.equal('error');
    expect(steps).to.be.lessThan(20000);
  });
});
