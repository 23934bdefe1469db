import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

import { expect } from 'chai';

import { ValueError } from '../../../src/kernel/errors.js';
import { PRNGKey } from '../../../src/kernel/rng.js';
import { JsonlLogger } from '../../../src/plugins/callbacks/jsonl-logger.js';
import { expectVinferError, expectVinferErrorAsync } from '../../helpers/assert.js';
import { FakeRun, captureEnd, disposeResult, makeSVI, makeTempDir, removeDir } from './helpers.js';

async function readLines(file: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(file, 'utf8');
  expect(text.endsWith('\n'), 'file ends with a newline').to.equal(true);
  return text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('JsonlLogger', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  describe('constructor', () => {
    it('declares its plugin identity and rejects bad options', () => {
      expect(JsonlLogger.plugin).to.deep.equal({ kind: 'callback', name: 'JsonlLogger' });
      expectVinferError(() => new JsonlLogger({} as never), ValueError, "JsonlLogger: option 'path' is required and must be a non-empty path string, got undefined");
      expectVinferError(() => new JsonlLogger({ path: 'x.jsonl', every: -1 }), ValueError, "option 'every' must be an integer >= 1, got -1");
    });
  });

  describe('in a run', () => {
    it('appends one parseable line per 10 steps (50 steps → 5 lines) into a new nested directory', async () => {
      const file = path.join(dir, 'a', 'b', 'log.jsonl');
      const svi = makeSVI();
      const r = await svi.run(PRNGKey(3), 50, [], { progressBar: false, callbacks: [new JsonlLogger({ path: file, every: 10, smoothing: 5 })] });
      const lines = await readLines(file);
      expect(lines.map((l) => l.step)).to.deep.equal([10, 20, 30, 40, 50]);
      for (const l of lines) {
        expect(Object.keys(l).sort()).to.deep.equal(['loss', 'smoothedLoss', 'step', 'stepsPerSecond', 'time']);
        const step = l.step as number;
        // float32 losses read back exactly: the event's number is the float32 value itself
        expect(l.loss).to.equal(r.losses[step - 1]);
        const mean = Array.from(r.losses.slice(step - 5, step)).reduce((a, b) => a + b, 0) / 5;
        expect(l.smoothedLoss as number).to.be.closeTo(mean, 1e-9);
        expect(l.stepsPerSecond as number).to.be.greaterThan(0);
        expect(l.time as number).to.be.at.least(0);
      }
      disposeResult(r);

      // a second run appends to the same file
      const r2 = await svi.run(PRNGKey(4), 20, [], { progressBar: false, callbacks: [new JsonlLogger({ path: file, every: 10 })] });
      expect((await readLines(file)).map((l) => l.step)).to.deep.equal([10, 20, 30, 40, 50, 10, 20]);
      disposeResult(r2);
    });

    it('ends the run with reason error when the file cannot be written', async () => {
      const blocker = path.join(dir, 'not-a-dir');
      await writeFile(blocker, 'x');
      const svi = makeSVI();
      const end = captureEnd(svi);
      await expectVinferErrorAsync(
        () => svi.run(PRNGKey(3), 300, [], { progressBar: false, callbacks: [new JsonlLogger({ path: path.join(blocker, 'log.jsonl') })] }),
        { name: 'VinferError' },
        `JsonlLogger: cannot write '${path.join(blocker, 'log.jsonl')}'`,
      );
      end.stop();
      expect(end.event?.reason).to.equal('error');
    });
  });

  describe('attach (driven by hand)', () => {
    it('writes non-finite numbers as strings and uses the injected clock for time and rate', async () => {
      const file = path.join(dir, 'nan.jsonl');
      let t = 0;
      const logger = new JsonlLogger({ path: file, every: 2, smoothing: 2, clock: () => (t += 500) });
      const run = new FakeRun(4);
      const sub = logger.attach(run.ctx);
      run.start(0); // clock 500
      run.step(1, 1);
      run.step(2, 3); // clock 1000
      run.step(3, NaN);
      run.step(4, 1); // clock 1500
      run.end(4);
      sub.unsubscribe();
      await logger.close();
      expect(await readLines(file)).to.deep.equal([
        { step: 2, loss: 3, smoothedLoss: 2, stepsPerSecond: 4, time: 0.5 },
        { step: 4, loss: 1, smoothedLoss: 'NaN', stepsPerSecond: 4, time: 1 },
      ]);
      expect(run.failures).to.have.length(0);
    });
  });
});
