import { expect } from 'chai';

import { ValueError } from '../../../src/kernel/errors.js';
import { PRNGKey } from '../../../src/kernel/rng.js';
import { EarlyStopping } from '../../../src/plugins/callbacks/early-stopping.js';
import { expectVinferError } from '../../helpers/assert.js';
import { FakeRun, captureEnd, disposeResult, makeSVI } from './helpers.js';

describe('EarlyStopping', () => {
  describe('constructor', () => {
    it('declares its plugin identity', () => {
      expect(EarlyStopping.plugin).to.deep.equal({ kind: 'callback', name: 'EarlyStopping' });
    });
    it('rejects a missing or bad patience, a negative minDelta, smoothing 0 and unknown options', () => {
      expectVinferError(() => new EarlyStopping({} as never), ValueError, "EarlyStopping: option 'patience' is required and must be an integer >= 1, got undefined");
      expectVinferError(() => new EarlyStopping({ patience: 0 }), ValueError, "option 'patience'", 'got 0');
      expectVinferError(() => new EarlyStopping({ patience: 2.5 }), ValueError, "option 'patience'", 'got 2.5');
      expectVinferError(() => new EarlyStopping({ patience: 5, minDelta: -1 }), ValueError, "option 'minDelta' must be a finite number >= 0, got -1");
      expectVinferError(() => new EarlyStopping({ patience: 5, smoothing: 0 }), ValueError, "option 'smoothing'");
      expectVinferError(() => new EarlyStopping({ patience: 5, patiense: 3 } as never), ValueError, "unknown option 'patiense'", "Did you mean 'patience'?");
    });
  });

  describe('attach (driven by hand)', () => {
    it('stops after patience=3 steps without an improvement and names the best step', () => {
      const run = new FakeRun(10);
      const sub = new EarlyStopping({ patience: 3 }).attach(run.ctx);
      run.start(0);
      [5, 4, 3, 3.5, 3, 3.2].forEach((loss, i) => run.step(i + 1, loss));
      expect(run.stops).to.deep.equal(['EarlyStopping: the loss did not improve by more than 0 in 3 steps; best 3 at step 3; stopped after step 6']);
      sub.unsubscribe();
    });
    it('counts an improvement only when it exceeds minDelta=0.5', () => {
      const run = new FakeRun(10);
      const sub = new EarlyStopping({ patience: 2, minDelta: 0.5 }).attach(run.ctx);
      run.step(1, 10);
      run.step(2, 9.6); // 0.4 better: not enough
      expect(run.stops).to.have.length(0);
      run.step(3, 9.4); // 0.6 better than the best (10): an improvement, so the count restarts
      run.step(4, 9.0);
      expect(run.stops).to.have.length(0);
      run.step(5, 9.0);
      expect(run.stops).to.have.length(1);
      sub.unsubscribe();
    });
    it('compares the mean of the last smoothing=2 losses, starting once 2 losses are in', () => {
      const run = new FakeRun(10);
      const sub = new EarlyStopping({ patience: 2, smoothing: 2 }).attach(run.ctx);
      // means from step 2 on: 4, 4, 4 → best 4 at step 2, then two steps without improvement
      [5, 3, 5, 3].forEach((loss, i) => run.step(i + 1, loss));
      expect(run.stops).to.deep.equal(['EarlyStopping: the mean loss over 2 steps did not improve by more than 0 in 2 steps; best 4 at step 2; stopped after step 4']);
      sub.unsubscribe();
    });
    it('counts NaN losses as no improvement', () => {
      const run = new FakeRun(10);
      const sub = new EarlyStopping({ patience: 2 }).attach(run.ctx);
      [1, NaN, NaN].forEach((loss, i) => run.step(i + 1, loss));
      expect(run.stops).to.have.length(1);
      sub.unsubscribe();
    });
  });

  describe('in a run', () => {
    it('ends a converged Normal–Normal run early with reason stopped (patience 100, smoothing 50, at most 3000 steps)', async () => {
      const svi = makeSVI();
      const end = captureEnd(svi);
      const r = await svi.run(PRNGKey(0), 3000, [], {
        progressBar: false,
        callbacks: [new EarlyStopping({ patience: 100, smoothing: 50, minDelta: 0.01 })],
      });
      end.stop();
      expect(end.event?.reason).to.equal('stopped');
      expect(end.event?.message).to.match(/^EarlyStopping: the mean loss over 50 steps did not improve by more than 0.01 in 100 steps/);
      // at least smoothing + patience steps must run; the loss settles within a few hundred
      expect(r.losses.length).to.be.within(150, 2999);
      expect(r.state.step).to.equal(r.losses.length);
      expect(end.event?.step).to.equal(r.losses.length);
      disposeResult(r);
    });
  });
});
