import { expect } from 'chai';

import { ValueError } from '../../../src/kernel/errors.js';
import { PRNGKey } from '../../../src/kernel/rng.js';
import { ConsoleLogger } from '../../../src/plugins/callbacks/console-logger.js';
import { formatLoss } from '../../../src/plugins/callbacks/format.js';
import { expectVinferError } from '../../helpers/assert.js';
import { FakeRun, disposeResult, makeSVI } from './helpers.js';

/** A clock that advances 250 ms per reading. */
function steppingClock(): () => number {
  let t = 0;
  return () => (t += 250);
}

describe('ConsoleLogger', () => {
  describe('constructor', () => {
    it('declares its plugin identity and rejects bad options', () => {
      expect(ConsoleLogger.plugin).to.deep.equal({ kind: 'callback', name: 'ConsoleLogger' });
      expectVinferError(() => new ConsoleLogger({ every: 0 }), ValueError, "ConsoleLogger: option 'every' must be an integer >= 1, got 0");
      expectVinferError(() => new ConsoleLogger({ write: 'stdout' as never }), ValueError, "option 'write' must be a function");
      expectVinferError(() => new ConsoleLogger({ evry: 10 } as never), ValueError, "unknown option 'evry'", "Did you mean 'every'?");
    });
  });

  describe('in a run', () => {
    it('writes step, loss, smoothed loss and steps/s every 100 of 300 steps, then a summary', async () => {
      const lines: string[] = [];
      const svi = makeSVI();
      const r = await svi.run(PRNGKey(2), 300, [], {
        progressBar: false,
        callbacks: [new ConsoleLogger({ every: 100, write: (l) => lines.push(l), clock: steppingClock() })],
      });
      expect(lines).to.have.length(4);
      for (const [i, step] of [100, 200, 300].entries()) {
        const window = Array.from(r.losses.slice(step - 100, step));
        const mean = window.reduce((a, b) => a + b, 0) / 100;
        // one clock reading per line, 250 ms apart: 100 steps / 0.25 s = 400 steps/s
        expect(lines[i]).to.equal(`step ${step}/300  loss ${formatLoss(r.losses[step - 1]!)}  smoothed ${formatLoss(mean)}  400 steps/s`);
      }
      // clock readings: start 250 … step 300 at 1000, end at 1250 → 1 s
      expect(lines[3]).to.match(/^done: 300 steps in 0:01, smoothed loss [\d.]+$/);
      disposeResult(r);
    });
  });

  describe('attach (driven by hand)', () => {
    it('keeps the step numbering of a resumed run and reports a stop with its message', () => {
      const lines: string[] = [];
      const run = new FakeRun(20);
      const sub = new ConsoleLogger({ every: 10, write: (l) => lines.push(l), clock: steppingClock() }).attach(run.ctx);
      run.start(990);
      for (let s = 991; s <= 1005; s++) run.step(s, 2);
      run.end(1005, 'stopped', 'EarlyStopping: enough');
      expect(lines).to.deep.equal([
        'step 1000/1010  loss 2  smoothed 2  40.0 steps/s', // 10 steps in 0.25 s
        'stopped at step 1005 after 15 steps in 0:01, smoothed loss 2: EarlyStopping: enough',
      ]);
      sub.unsubscribe();
    });
  });
});
