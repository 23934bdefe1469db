import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

import { expect } from 'chai';

import { FIXTURES, spawnCli, startCli, tempDir } from './helpers.js';

const MODEL = path.join(FIXTURES, 'normal-model.ts');
const readJson = (file: string): any => JSON.parse(readFileSync(file, 'utf8'));

async function waitFor(file: string, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!existsSync(file)) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${file}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('vinfer fit: Ctrl-C and --resume', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('SIGINT stops after the current step with a checkpoint; --resume ends with the same parameters as an uninterrupted run @slow', async () => {
    const steps = ['--steps', '2500', '--every', '50', '--no-report'];
    const full = path.join(tmp.dir, 'full');
    const cut = path.join(tmp.dir, 'cut');
    const uninterrupted = spawnCli(['fit', MODEL, '--out', full, ...steps]);

    const first = startCli(['fit', MODEL, '--out', cut, ...steps]);
    await waitFor(path.join(cut, 'checkpoints', 'latest.json'), 30_000);
    first.child.kill('SIGINT');
    const stopped = await first.done;
    expect(stopped.code, stopped.stderr).to.equal(130);
    const at = readJson(path.join(cut, 'checkpoints', 'latest.json')).step as number;
    expect(at).to.be.above(0).and.below(2500);
    expect(stopped.stderr).to.include(`Stopped at step ${at} of 2500`);
    expect(stopped.stderr).to.match(/Resume with: vinfer fit \S+normal-model\.ts --resume \S+checkpoints/);
    expect(existsSync(path.join(cut, 'params.json'))).to.equal(false);

    const resumed = await spawnCli(['fit', MODEL, '--resume', path.join(cut, 'checkpoints')]);
    expect(resumed.code, resumed.stderr).to.equal(0);
    expect(resumed.stderr).to.include(`Resuming normal-model at step ${at}`);
    const done = await uninterrupted;
    expect(done.code, done.stderr).to.equal(0);

    // Bit-identical: the checkpoint holds the parameters, optimiser state, PRNG key and step.
    expect(readJson(path.join(cut, 'params.json'))).to.deep.equal(readJson(path.join(full, 'params.json')));
    const a = readJson(path.join(cut, 'losses.json')).losses as number[];
    const b = readJson(path.join(full, 'losses.json')).losses as number[];
    expect(a).to.have.length(2500);
    expect(a).to.deep.equal(b);
    expect(readFileSync(path.join(cut, 'log.jsonl'), 'utf8').trim().split('\n')).to.have.length(2500);
    expect(resumed.stdout).to.equal(done.stdout);
  });
});
