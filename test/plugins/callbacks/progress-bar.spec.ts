import { expect } from 'chai';

import { ValueError } from '../../../src/kernel/errors.js';
import { makeProgressBar } from '../../../src/kernel/events.js';
import { PRNGKey } from '../../../src/kernel/rng.js';
import { ProgressBar, type ProgressStream, renderLine } from '../../../src/plugins/callbacks/progress-bar.js';
import { expectVinferError } from '../../helpers/assert.js';
import { disposeResult, makeSVI } from './helpers.js';

class FakeStream implements ProgressStream {
  readonly chunks: string[] = [];
  constructor(
    readonly isTTY: boolean,
    readonly columns = 100,
  ) {}
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }
}

/** Runs `fn` with process.env.CI set to `value` (undefined: unset), restoring it afterwards. */
async function withCI<T>(value: string | undefined, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.CI;
  if (value === undefined) delete process.env.CI;
  else process.env.CI = value;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.CI;
    else process.env.CI = saved;
  }
}

describe('ProgressBar', () => {
  describe('constructor', () => {
    it('declares its plugin identity and rejects bad options', () => {
      expect(ProgressBar.plugin).to.deep.equal({ kind: 'callback', name: 'ProgressBar' });
      expectVinferError(() => new ProgressBar({ stream: {} as never }), ValueError, "ProgressBar: option 'stream' must have a write(chunk) method");
      expectVinferError(() => new ProgressBar({ intervalMs: -1 }), ValueError, "option 'intervalMs' must be an integer >= 0, got -1");
    });
    it('is what run(..., { progressBar: true }) gets from the engine once vinfer is imported', () => {
      expect(makeProgressBar()).to.be.instanceOf(ProgressBar);
    });
  });

  describe('renderLine', () => {
    it('shows percent, bar, step/total, loss, rate and ETA', () => {
      expect(renderLine(250, 1000, 5.954629, 312.4, 2.4)).to.equal(` 25% |█████···············| 250/1000  loss 5.95463  312 steps/s  ETA 0:02`);
      expect(renderLine(1000, 1000, 1, 400, 0)).to.match(/^100% \|█{20}\| 1000\/1000 .* ETA 0:00$/);
    });
  });

  describe('in a run', () => {
    it('writes nothing when the stream is not a TTY (200 steps)', async () => {
      const stream = new FakeStream(false);
      await withCI(undefined, async () => {
        const r = await makeSVI().run(PRNGKey(30), 200, [], { progressBar: false, callbacks: [new ProgressBar({ stream })] });
        disposeResult(r);
      });
      expect(stream.chunks).to.deep.equal([]);
    });

    it('writes nothing on a TTY when CI is set', async () => {
      const stream = new FakeStream(true);
      await withCI('true', async () => {
        const r = await makeSVI().run(PRNGKey(30), 50, [], { progressBar: false, callbacks: [new ProgressBar({ stream })] });
        disposeResult(r);
      });
      expect(stream.chunks).to.deep.equal([]);
    });

    it('redraws a TTY line in place at most once per 100 ms of clock time and ends with a newline (200 steps, 10 ms per reading)', async () => {
      const stream = new FakeStream(true, 60);
      let t = 0;
      const clock = (): number => (t += 10);
      await withCI(undefined, async () => {
        const r = await makeSVI().run(PRNGKey(30), 200, [], { progressBar: false, callbacks: [new ProgressBar({ stream, clock })] });
        disposeResult(r);
      });
      const draws = stream.chunks.filter((c) => c.startsWith('\r'));
      // each step reads the clock once (10 ms) and each draw once more: at least 10 steps between draws
      expect(draws.length).to.be.within(3, 1 + Math.ceil(200 / 10) + 1);
      expect(stream.chunks[stream.chunks.length - 1]).to.equal('\n');
      const last = draws[draws.length - 1]!;
      expect(last).to.match(/^\r100% \|█{20}\| 200\/200 {2}loss /);
      expect(last.endsWith('\x1b[K')).to.equal(true);
      // truncated to the terminal width minus one
      for (const d of draws) expect(d.length - '\r'.length - '\x1b[K'.length).to.be.at.most(59);
    });
  });
});
