import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { expect } from 'chai';

import { FIXTURES, type CliRun, runInProcess, spawnCli, tempDir } from './helpers.js';

const MODEL = path.join(FIXTURES, 'normal-model.ts');

/** Bad input: exit code 2, one line on stderr naming the problem, no stack trace, nothing written. */
function expectBadInput(run: CliRun, ...fragments: string[]): void {
  expect(run.code, run.stderr).to.equal(2);
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines, run.stderr).to.have.length(1);
  expect(lines[0]).to.match(/^vinfer: error: /);
  expect(run.stderr).not.to.match(/\n\s+at /);
  for (const f of fragments) expect(run.stderr).to.include(f);
  expect(run.stdout).to.equal('');
}

describe('vinfer fit: bad input', () => {
  let tmp: ReturnType<typeof tempDir>;
  let out: string;
  beforeEach(() => {
    tmp = tempDir();
    out = path.join(tmp.dir, 'out');
  });
  afterEach(() => tmp.cleanup());

  const fit = (...args: string[]): Promise<CliRun> => runInProcess(['fit', ...args]);

  it('a model module that does not exist', async () => {
    expectBadInput(await fit(path.join(FIXTURES, 'missing-model.ts'), '--out', out), "'", 'missing-model.ts', 'does not exist');
    expect(existsSync(out)).to.equal(false);
  });

  it('a module that exports no model', async () => {
    expectBadInput(await fit(path.join(FIXTURES, 'no-model.ts'), '--out', out), 'exports no model', 'modle');
    expect(existsSync(out)).to.equal(false);
  });

  it('a config with an unknown key, with a did-you-mean', async () => {
    const config = path.join(tmp.dir, 'run.json');
    writeFileSync(config, JSON.stringify({ stpes: 10 }));
    expectBadInput(await fit(MODEL, '--config', config, '--out', out), "unknown key 'stpes'", "Did you mean 'steps'?");
    expect(existsSync(out)).to.equal(false);
  });

  it('a config naming an unknown plugin, with a did-you-mean', async () => {
    const config = path.join(tmp.dir, 'run.json');
    writeFileSync(config, JSON.stringify({ guide: 'AutoNormel' }));
    expectBadInput(await fit(MODEL, '--config', config, '--out', out), "'AutoNormel'", "Did you mean 'AutoNormal'?");
    expect(existsSync(out)).to.equal(false);
  });

  it('a config with a misspelt option of a plugin (loss numParticle), with a did-you-mean', async () => {
    const config = path.join(tmp.dir, 'run.json');
    writeFileSync(config, JSON.stringify({ loss: { name: 'Trace_ELBO', numParticle: 4 } }));
    expectBadInput(await fit(MODEL, '--config', config, '--out', out), "unknown option 'numParticle'", "Did you mean 'numParticles'?");
    expect(existsSync(out)).to.equal(false);
  });

  it('an unknown optimiser on the command line', async () => {
    expectBadInput(await fit(MODEL, '--optim', 'adamm', '--out', out), "'adamm'", "Did you mean 'adam'?");
    expect(existsSync(out)).to.equal(false);
  });

  it('a config file that is not JSON', async () => {
    const config = path.join(tmp.dir, 'run.json');
    writeFileSync(config, '{ steps: 10 ');
    expectBadInput(await fit(MODEL, '--config', config, '--out', out), 'not valid JSON');
  });

  it('an unknown flag, with a did-you-mean', async () => {
    expectBadInput(await fit(MODEL, '--stpes', '10', '--out', out), "unknown option '--stpes'", "Did you mean 'steps'?");
  });

  for (const [flag, value] of [
    ['--steps', '0'],
    ['--steps', '-5'],
    ['--steps', 'ten'],
    ['--steps', '2.5'],
    ['--lr', '0'],
    ['--lr', '-0.1'],
    ['--lr', 'fast'],
  ] as const) {
    it(`${flag} ${value} (not a positive number)`, async () => {
      expectBadInput(await fit(MODEL, flag, value, '--out', out), flag, `'${value}'`);
      expect(existsSync(out)).to.equal(false);
    });
  }

  it('an --out below a regular file (unwritable even for root)', async () => {
    const file = path.join(tmp.dir, 'a-file');
    writeFileSync(file, 'x');
    expectBadInput(await fit(MODEL, '--out', path.join(file, 'sub')), '--out', 'a-file');
  });

  it('an --out that is a regular file', async () => {
    const file = path.join(tmp.dir, 'a-file');
    writeFileSync(file, 'x');
    expectBadInput(await fit(MODEL, '--out', file), 'exists and is not a directory');
  });

  it("--resume pointing at a checkpoint of a different model", async () => {
    const other = path.join(tmp.dir, 'other');
    const first = await fit(path.join(FIXTURES, 'other-model.ts'), '--out', other, '--steps', '20', '--every', '10', '--no-report', '--quiet');
    expect(first.code, first.stderr).to.equal(0);
    expectBadInput(await fit(MODEL, '--resume', path.join(other, 'checkpoints'), '--out', out), "of model 'other-model', not 'normal-model'");
    expect(existsSync(out)).to.equal(false);
  });

  it('--resume pointing at a directory without checkpoints', async () => {
    expectBadInput(await fit(MODEL, '--resume', tmp.dir, '--out', out), '--resume', 'no checkpoint');
  });

  it('as a child process: exit code 2 and a single line, no stack trace @slow', async () => {
    expectBadInput(await spawnCli(['fit', path.join(FIXTURES, 'no-model.ts'), '--out', out]), 'exports no model');
    expect(existsSync(out)).to.equal(false);
  });
});
