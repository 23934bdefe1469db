import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

import { expect } from 'chai';

import { positive } from '../../../src/distributions/constraints.js';
import { Normal } from '../../../src/distributions/normal.js';
import { CheckpointError } from '../../../src/kernel/errors.js';
import { param, sample } from '../../../src/kernel/primitives.js';
import { PRNGKey } from '../../../src/kernel/rng.js';
import { disposeState } from '../../../src/kernel/svi-state.js';
import { SVI } from '../../../src/kernel/svi.js';
import { TraceELBO } from '../../../src/losses/trace-elbo.js';
import { Adam } from '../../../src/optim/adam.js';
import { Checkpoint } from '../../../src/plugins/callbacks/checkpoint.js';
import { loadCheckpoint, loadCheckpointWithMeta } from '../../../src/plugins/callbacks/checkpoint-files.js';
import { expectNoTensorLeakAsync, expectVinferErrorAsync } from '../../helpers/assert.js';
import { disposeResult, makeSVI, makeTempDir, model, removeDir } from './helpers.js';

/** Expects loadCheckpoint(p) to fail with a CheckpointError containing the fragments, releasing every tensor it made. */
async function expectLoadError(p: string, ...fragments: string[]): Promise<void> {
  await expectNoTensorLeakAsync(async () => {
    await expectVinferErrorAsync(() => loadCheckpoint(p), CheckpointError, ...fragments);
  });
}

describe('loadCheckpoint', () => {
  let dir = '';
  let good = '';
  let goodText = '';
  before(async () => {
    dir = await makeTempDir();
    const ckpt = path.join(dir, 'ckpt');
    const r = await makeSVI().run(PRNGKey(20), 20, [], { progressBar: false, callbacks: [new Checkpoint({ path: ckpt, every: 10, meta: { model: 'normal-normal' } })] });
    disposeResult(r);
    good = path.join(ckpt, 'checkpoint-20.json');
    goodText = await readFile(good, 'utf8');
  });
  after(async () => {
    await removeDir(dir);
  });

  it('reads a checkpoint file, and a directory as its latest checkpoint', async () => {
    for (const p of [good, path.dirname(good)]) {
      const state = await loadCheckpoint(p);
      expect(state.step).to.equal(20);
      expect(Object.keys(state.params).sort()).to.deep.equal(['loc', 'scale']);
      disposeState(state);
    }
  });

  it('falls back to the highest step when a directory has no latest.json', async () => {
    const d = path.join(dir, 'no-pointer');
    await mkdir(d);
    await writeFile(path.join(d, 'checkpoint-9.json'), goodText.replace('"step":20', '"step":9'));
    await writeFile(path.join(d, 'checkpoint-20.json'), goodText);
    const { state, file } = await loadCheckpointWithMeta(d);
    expect(file).to.equal(path.join(d, 'checkpoint-20.json'));
    disposeState(state);
  });

  it('fails with CheckpointError naming the file: missing file, empty directory, pointer to a missing file, bad pointer', async () => {
    const missing = path.join(dir, 'nope.json');
    await expectLoadError(missing, `loadCheckpoint: '${missing}' does not exist`);
    const empty = path.join(dir, 'empty');
    await mkdir(empty);
    await expectLoadError(empty, `the directory '${empty}' holds no checkpoint-<step>.json files`);
    const dangling = path.join(dir, 'dangling');
    await mkdir(dangling);
    await writeFile(path.join(dangling, 'latest.json'), JSON.stringify({ format: 'vinfer.checkpoint-pointer', version: 1, file: 'checkpoint-5.json', step: 5 }));
    await expectLoadError(dangling, "points at 'checkpoint-5.json', which does not exist");
    const badPointer = path.join(dir, 'bad-pointer');
    await mkdir(badPointer);
    await writeFile(path.join(badPointer, 'latest.json'), JSON.stringify({ file: '../../etc/passwd' }));
    await expectLoadError(badPointer, `'${path.join(badPointer, 'latest.json')}' is not a checkpoint pointer`);
  });

  it('fails with CheckpointError naming the file for a truncated checkpoint', async () => {
    const f = path.join(dir, 'truncated.json');
    await writeFile(f, goodText.slice(0, Math.floor(goodText.length / 2)));
    await expectLoadError(f, `${f}: not valid JSON, the file may be truncated or corrupt`);
  });

  it('fails with CheckpointError naming the file for JSON that is not a checkpoint', async () => {
    const f = path.join(dir, 'other.json');
    await writeFile(f, JSON.stringify({ hello: 'world' }));
    await expectLoadError(f, `${f}: not a vinfer SVI state`);
  });

  it('fails with CheckpointError naming the file and parameter when the header and data shapes disagree', async () => {
    const f = path.join(dir, 'shapes.json');
    const json = JSON.parse(goodText) as { paramShapes: Record<string, number[]> };
    json.paramShapes.loc = [2];
    await writeFile(f, JSON.stringify(json));
    await expectLoadError(f, f, "parameter 'loc' has shape [] but the header says [2]");
  });

  it('releases the tensors already read when a later part of the file is bad', async () => {
    const f = path.join(dir, 'bad-optim.json');
    const json = JSON.parse(goodText) as { optimState: unknown };
    json.optimState = { __tensor__: true, shape: [3], dtype: 'float32', data: [1] };
    await writeFile(f, JSON.stringify(json));
    await expectLoadError(f, f, 'needs 3 values, got 1');
  });

  it('checks expected metadata', async () => {
    await expectVinferErrorAsync(
      () => loadCheckpointWithMeta(good, { expectMeta: { model: 'eight-schools' } }),
      CheckpointError,
      `${good}: written with meta.model = "normal-normal", expected "eight-schools"`,
    );
    const { state, meta } = await loadCheckpointWithMeta(good, { expectMeta: { model: 'normal-normal' } });
    expect(meta).to.deep.equal({ model: 'normal-normal' });
    disposeState(state);
  });

  describe('resuming another model', () => {
    it('is refused by run: parameter names differ (CheckpointError naming missing and unexpected ones)', async () => {
      const otherGuide = (): void => {
        const m = param('m', 0);
        const s = param('s', 1, { constraint: positive });
        sample('mu', new Normal(m, s));
      };
      const svi = new SVI<[]>(model, otherGuide, new Adam({ lr: 0.05 }), new TraceELBO());
      const state = await loadCheckpoint(good);
      await expectVinferErrorAsync(
        () => svi.run(PRNGKey(0), 10, [], { progressBar: false, initState: state }),
        CheckpointError,
        'initState: its parameters do not match this model and guide; missing: m, s; unexpected: loc, scale',
      );
      disposeState(state);
    });

    it('is refused by run: a parameter shape differs', async () => {
      const vectorModel = (): void => {
        const mu = sample('mu', new Normal([0, 0], 1));
        sample('x', new Normal(mu, 1), { obs: [1, 2] });
      };
      const vectorGuide = (): void => {
        const loc = param('loc', [0, 0]);
        const scale = param('scale', [1, 1], { constraint: positive });
        sample('mu', new Normal(loc, scale));
      };
      const svi = new SVI<[]>(vectorModel, vectorGuide, new Adam({ lr: 0.05 }), new TraceELBO());
      const state = await loadCheckpoint(good);
      await expectVinferErrorAsync(
        () => svi.run(PRNGKey(0), 10, [], { progressBar: false, initState: state }),
        CheckpointError,
        "initState: parameter 'loc' has shape [], but this model and guide expect [2]",
      );
      disposeState(state);
    });
  });
});
