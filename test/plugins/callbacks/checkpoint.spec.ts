import { readFileSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import type { Subscription } from 'rxjs';

import { CheckpointError, ValueError } from '../../../src/kernel/errors.js';
import type { Callback, RunContext } from '../../../src/kernel/events.js';
import { PRNGKey } from '../../../src/kernel/rng.js';
import { disposeState } from '../../../src/kernel/svi-state.js';
import { Checkpoint, loadCheckpoint, loadCheckpointWithMeta } from '../../../src/plugins/callbacks/checkpoint.js';
import { TerminateOnNaN } from '../../../src/plugins/callbacks/terminate-on-nan.js';
import { expectNoTensorLeakAsync, expectVinferError, expectVinferErrorAsync } from '../../helpers/assert.js';
import { captureEnd, disposeResult, makeNaNSVI, makeSVI, makeTempDir, removeDir } from './helpers.js';

const run = { progressBar: false } as const;

/** Calls ctx.fail at step `at`, as a callback whose own work failed would. */
class FailAt implements Callback {
  constructor(private readonly at: number) {}
  attach(ctx: RunContext): Subscription {
    return ctx.events$.subscribe((e) => {
      if (e.type === 'step' && e.step === this.at) ctx.fail(new Error(`boom at ${e.step}`));
    });
  }
}

async function listDir(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

function paramData(p: Record<string, tf.Tensor>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(p).map(([k, t]) => [k, Array.from(t.dataSync())]));
}

describe('Checkpoint', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  describe('constructor', () => {
    it('declares its plugin identity and rejects bad options', () => {
      expect(Checkpoint.plugin).to.deep.equal({ kind: 'callback', name: 'Checkpoint' });
      expectVinferError(() => new Checkpoint({} as never), ValueError, "Checkpoint: option 'path' is required and must be a non-empty path string");
      expectVinferError(() => new Checkpoint({ path: dir, every: 0 }), ValueError, "option 'every' must be an integer >= 1, got 0");
      expectVinferError(() => new Checkpoint({ path: dir, keep: 0 }), ValueError, "option 'keep' must be an integer >= 1, got 0");
      expectVinferError(() => new Checkpoint({ path: dir, meta: 'm' as never }), ValueError, "option 'meta' must be a plain JSON object");
    });
  });

  describe('resume', () => {
    it('200 steps in one run equal 100 steps + checkpoint + loadCheckpoint + 100 more: losses equal, params bit-identical', async () => {
      const full = await makeSVI().run(PRNGKey(7), 200, [], run);

      const svi = makeSVI();
      // every=30: steps 30, 60, 90 are periodic writes; step 100 is written by close()
      const first = await svi.run(PRNGKey(7), 100, [], { ...run, callbacks: [new Checkpoint({ path: dir, every: 30, keep: 2 })] });
      expect(await listDir(dir)).to.deep.equal(['checkpoint-100.json', 'checkpoint-90.json', 'latest.json']);
      const state = await loadCheckpoint(dir);
      expect(state.step).to.equal(100);
      // the other key is ignored: a resumed run takes its key from the state
      const second = await svi.run(PRNGKey(999), 100, [], { ...run, initState: state });

      expect(Array.from(first.losses).concat(Array.from(second.losses))).to.deep.equal(Array.from(full.losses));
      expect(paramData(second.params)).to.deep.equal(paramData(full.params));
      expect(second.state.step).to.equal(200);
      expect(second.state.rngKey).to.deep.equal(full.state.rngKey);
      for (const r of [full, first, second]) disposeResult(r);
    });
  });

  describe('files', () => {
    it('keeps the newest keep=2 files of 250 steps written every 50, points latest.json at the last, and leaves no .tmp files', async () => {
      const r = await makeSVI().run(PRNGKey(8), 250, [], { ...run, callbacks: [new Checkpoint({ path: dir, every: 50, keep: 2, meta: { model: 'normal-normal' } })] });
      expect(await listDir(dir)).to.deep.equal(['checkpoint-200.json', 'checkpoint-250.json', 'latest.json']);
      const pointer = JSON.parse(await readFile(path.join(dir, 'latest.json'), 'utf8')) as unknown;
      expect(pointer).to.deep.equal({ format: 'vinfer.checkpoint-pointer', version: 1, file: 'checkpoint-250.json', step: 250 });
      const { state, meta, file } = await loadCheckpointWithMeta(dir);
      expect(file).to.equal(path.join(dir, 'checkpoint-250.json'));
      expect(meta).to.deep.equal({ model: 'normal-normal' });
      expect(paramData(state.params)).to.deep.equal(paramData(r.state.params));
      disposeState(state);
      disposeResult(r);
    });

    it('keeps only the newest file by default (keep=1), and a later run in the same directory resumes from its own last write', async () => {
      const svi = makeSVI();
      const r1 = await svi.run(PRNGKey(9), 120, [], { ...run, callbacks: [new Checkpoint({ path: dir, every: 40 })] });
      expect(await listDir(dir)).to.deep.equal(['checkpoint-120.json', 'latest.json']);
      // a fresh run from step 0 into the same directory: the stale checkpoint-120 is later than
      // its steps, so it is left alone, but latest.json points at this run's file
      const r2 = await svi.run(PRNGKey(10), 50, [], { ...run, callbacks: [new Checkpoint({ path: dir, every: 40 })] });
      expect(await listDir(dir)).to.deep.equal(['checkpoint-120.json', 'checkpoint-50.json', 'latest.json']);
      const state = await loadCheckpoint(dir);
      expect(state.step).to.equal(50);
      disposeState(state);
      disposeResult(r1);
      disposeResult(r2);
    });
    it('keeps the disk close behind the run: at step 600 (every=50) the newest file on disk is at least step 400', async () => {
      // The engine yields to the event loop every ~25 ms; writes happen at those yields, so the disk
      // lags by at most `every` plus the steps of one yield (< 150 steps at >= 0.17 ms per step).
      // Asynchronous fs calls (one per yield) once left it at step ~100 here.
      const seen: number[] = [];
      const probe: Callback = {
        attach: (ctx) =>
          ctx.events$.subscribe((e) => {
            if (e.type !== 'step' || e.step !== 600) return;
            const pointer = JSON.parse(readFileSync(path.join(dir, 'latest.json'), 'utf8')) as { step: number };
            seen.push(pointer.step);
          }),
      };
      const r = await makeSVI().run(PRNGKey(15), 600, [], { ...run, callbacks: [new Checkpoint({ path: dir, every: 50 }), probe] });
      expect(seen).to.have.length(1);
      expect(seen[0]).to.be.at.least(400);
      disposeResult(r);
    });
  });

  describe('when the run ends early', () => {
    it('a callback failing at step 120 ends the run with reason error and leaves a loadable checkpoint of step 120', async () => {
      const svi = makeSVI();
      const end = captureEnd(svi);
      await expectVinferErrorAsync(
        () => svi.run(PRNGKey(11), 300, [], { ...run, callbacks: [new Checkpoint({ path: dir, every: 50 }), new FailAt(120)] }),
        { name: 'Error' },
        'boom at 120',
      );
      end.stop();
      expect(end.event?.reason).to.equal('error');
      // a failed run's last state stays with the engine (svi.state)
      expect(svi.state?.step).to.equal(120);
      disposeState(svi.state!);
      expect(await listDir(dir)).to.deep.equal(['checkpoint-120.json', 'latest.json']);
      const state = await loadCheckpoint(dir);
      expect(state.step).to.equal(120);
      // …and it continues exactly like the unbroken run
      const resumed = await svi.run(PRNGKey(0), 10, [], { ...run, initState: state });
      const straight = await makeSVI().run(PRNGKey(11), 130, [], run);
      expect(Array.from(resumed.losses)).to.deep.equal(Array.from(straight.losses.slice(120)));
      disposeResult(resumed);
      disposeResult(straight);
    });

    it('does not record NaN steps: a run stopped by TerminateOnNaN at step 31 resumes from step 30', async () => {
      const svi = makeNaNSVI(32);
      const r = await svi.run(PRNGKey(12), 100, [], { ...run, callbacks: [new TerminateOnNaN(), new Checkpoint({ path: dir, every: 1000 })] });
      expect(r.state.step).to.equal(31);
      const state = await loadCheckpoint(dir);
      expect(state.step).to.equal(30);
      for (const t of Object.values(state.params)) expect(Number.isFinite(t.dataSync()[0]!)).to.equal(true);
      disposeState(state);
      disposeResult(r);
    });

    it('ends the run with reason error (CheckpointError) when the directory cannot be created', async () => {
      const blocker = path.join(dir, 'file');
      await writeFile(blocker, 'x');
      const svi = makeSVI();
      const end = captureEnd(svi);
      await expectVinferErrorAsync(
        () => svi.run(PRNGKey(13), 300, [], { ...run, callbacks: [new Checkpoint({ path: path.join(blocker, 'ckpt'), every: 10 })] }),
        CheckpointError,
        `Checkpoint: cannot create the directory '${path.join(blocker, 'ckpt')}'`,
      );
      end.stop();
      expect(end.event?.reason).to.equal('error');
      if (svi.state) disposeState(svi.state);
    });
  });

  describe('memory', () => {
    it('leaks no tensors over a 150-step run with checkpoints every 40 steps and a final write', async () => {
      const svi = makeSVI();
      disposeResult(await svi.run(PRNGKey(14), 5, [], run)); // warm-up: first-use allocations
      await expectNoTensorLeakAsync(async () => {
        const r = await svi.run(PRNGKey(14), 150, [], { ...run, callbacks: [new Checkpoint({ path: dir, every: 40, keep: 3 })] });
        disposeResult(r);
        const state = await loadCheckpoint(dir);
        disposeState(state);
      });
    });
  });
});
