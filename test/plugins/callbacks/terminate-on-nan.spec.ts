import { expect } from 'chai';

import { ValueError } from '../../../src/kernel/errors.js';
import { PRNGKey } from '../../../src/kernel/rng.js';
import { TerminateOnNaN } from '../../../src/plugins/callbacks/terminate-on-nan.js';
import { expectVinferError } from '../../helpers/assert.js';
import { FakeRun, captureEnd, disposeResult, makeNaNSVI } from './helpers.js';

describe('TerminateOnNaN', () => {
  describe('constructor', () => {
    it('declares its plugin identity and takes no options', () => {
      expect(TerminateOnNaN.plugin).to.deep.equal({ kind: 'callback', name: 'TerminateOnNaN' });
      expect(() => new TerminateOnNaN()).not.to.throw();
      expectVinferError(() => new TerminateOnNaN({ every: 1 } as never), ValueError, "TerminateOnNaN: unknown option 'every'. It takes no options.");
    });
  });

  describe('attach (driven by hand)', () => {
    it('stops at the first NaN, +Infinity or -Infinity loss, naming the step', () => {
      for (const bad of [NaN, Infinity, -Infinity]) {
        const run = new FakeRun(10);
        const sub = new TerminateOnNaN().attach(run.ctx);
        run.step(1, 3);
        run.step(2, 1e30);
        expect(run.stops).to.have.length(0);
        run.step(3, bad);
        expect(run.stops).to.deep.equal([
          `TerminateOnNaN: the loss is ${bad} at step 3; stopping. Try a smaller learning rate, ClippedAdam, or stableUpdate.`,
        ]);
        sub.unsubscribe();
      }
    });
  });

  describe('in a run', () => {
    it('ends a run whose loss turns NaN at step 31 with reason stopped, after 31 of 200 steps', async () => {
      // the model's 1st execution is init's discovery pass, so its 32nd is step 31's loss
      const svi = makeNaNSVI(32);
      const end = captureEnd(svi);
      const r = await svi.run(PRNGKey(1), 200, [], { progressBar: false, callbacks: [new TerminateOnNaN()] });
      end.stop();
      expect(end.event?.reason).to.equal('stopped');
      expect(end.event?.message).to.contain('the loss is NaN at step 31');
      expect(r.losses.length).to.equal(31);
      expect(Number.isFinite(r.losses[29]!)).to.equal(true);
      expect(Number.isNaN(r.losses[30]!)).to.equal(true);
      disposeResult(r);
    });
  });
});
