import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { expect } from 'chai';

import { expectNoTensorLeakAsync } from '../helpers/assert.js';
import { FIXTURES, ROOT, runInProcess, spawnCli, summaryRow, tempDir } from './helpers.js';

const MODEL = path.join(FIXTURES, 'normal-model.ts');
const PLUGINS = path.join(ROOT, 'examples', 'plugins', 'plugins.json');

const readJson = (file: string): any => JSON.parse(readFileSync(file, 'utf8'));

describe('vinfer fit', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('fits a module with its own settings and writes params, losses, summary, log, checkpoints and the report', async () => {
    const out = path.join(tmp.dir, 'out');
    const run = await runInProcess(['fit', MODEL, '--out', out, '--steps', '200', '--every', '50']);
    expect(run.code, run.stderr).to.equal(0);
    // mu ~ N(0, 1), four observations with unit noise: the posterior is N(0.8, 1/5); after 200
    // Adam steps (lr 0.05) the location is close, the scale still on its way down from its init.
    const row = summaryRow(run.stdout, 'mu');
    expect(row, run.stdout).to.not.equal(undefined);
    expect(row!.mean).to.be.closeTo(0.8, 0.3);
    expect(run.stderr).to.include('guide AutoNormal').and.include('adam {"lr":0.05}');
    const params = readJson(path.join(out, 'params.json'));
    expect(Object.keys(params).sort()).to.deep.equal(['auto_mu_loc', 'auto_mu_scale']);
    expect(readJson(path.join(out, 'losses.json')).losses).to.have.length(200);
    expect(readJson(path.join(out, 'summary.json'))[0]).to.include({ label: 'mu', site: 'mu' });
    expect(readFileSync(path.join(out, 'log.jsonl'), 'utf8').trim().split('\n')).to.have.length(200);
    expect(readJson(path.join(out, 'checkpoints', 'latest.json')).step).to.equal(200);
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).to.include('id="loss-curve"').and.include('data-site="mu"').and.not.include('<script');
  });

  it('loads a JavaScript module whose async data() returns a single object argument', async () => {
    const out = path.join(tmp.dir, 'out');
    const run = await runInProcess(['fit', path.join(FIXTURES, 'js-model'), '--steps', '50', '--out', out, '--no-report', '--quiet']);
    expect(run.code, run.stderr).to.equal(0);
    expect(summaryRow(run.stdout, 'mu')).to.not.equal(undefined);
    expect(readJson(path.join(out, 'losses.json')).losses).to.have.length(50);
  });

  it('layers settings: module < --config < flags', async () => {
    const out = path.join(tmp.dir, 'out');
    const config = path.join(tmp.dir, 'run.json');
    writeFileSync(config, JSON.stringify({ steps: 40, optim: { name: 'sgd', lr: 0.01 }, report: false }));
    const run = await runInProcess(['fit', MODEL, '--config', config, '--steps', '30', '--out', out, '--every', '10']);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr).to.include('optim sgd {"lr":0.01}');
    expect(readJson(path.join(out, 'losses.json')).losses).to.have.length(30);
    expect(existsSync(path.join(out, 'report.html'))).to.equal(false);
  });

  it('merges --lr and --particles into the optimiser and loss', async () => {
    const out = path.join(tmp.dir, 'out');
    const run = await runInProcess(['fit', MODEL, '--steps', '5', '--lr', '0.2', '--particles', '3', '--out', out, '--no-report']);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr).to.include('loss Trace_ELBO {"numParticles":3}').and.include('optim adam {"lr":0.2}');
  });

  it('--backend wasm --loss --guide --checkpoint DIR --every: each reaches the run (child process, 50 steps) @slow', async () => {
    // A child process: in this one tfjs runs in test mode (IS_TEST), whose per-kernel leak check
    // misreads the tensors customGrad saves on wasm; a real run has no such check.
    const out = path.join(tmp.dir, 'out');
    const ckpt = path.join(tmp.dir, 'ckpt');
    const run = await spawnCli([
      'fit', MODEL, '--backend', 'wasm', '--loss', 'TraceMeanField_ELBO', '--guide', 'AutoDiagonalNormal',
      '--checkpoint', ckpt, '--every', '25', '--steps', '50', '--out', out, '--no-report',
    ]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr).to.include('guide AutoDiagonalNormal').and.include('loss TraceMeanField_ELBO').and.include('backend wasm');
    // The model has one scalar latent (mu): the flat latent has a single coordinate.
    expect(Object.keys(readJson(path.join(out, 'params.json'))).sort()).to.deep.equal(['auto_loc', 'auto_scale']);
    expect(readJson(path.join(ckpt, 'latest.json')).step).to.equal(50);
    expect(existsSync(path.join(out, 'checkpoints')), 'no default checkpoint directory when --checkpoint is given').to.equal(false);
  });

  it('--seed: the same seed gives the same losses, another seed different ones', async () => {
    const losses = async (seed: string, dir: string): Promise<number[]> => {
      const out = path.join(tmp.dir, dir);
      const run = await runInProcess(['fit', MODEL, '--seed', seed, '--steps', '20', '--out', out, '--no-report', '--quiet']);
      expect(run.code, run.stderr).to.equal(0);
      return readJson(path.join(out, 'losses.json')).losses as number[];
    };
    const a = await losses('3', 'a');
    expect(await losses('3', 'b')).to.deep.equal(a);
    expect(await losses('4', 'c')).to.not.deep.equal(a);
  });

  it('uses a guide that a user plugins.json adds, from the command line', async () => {
    const out = path.join(tmp.dir, 'out');
    const run = await runInProcess(['fit', MODEL, '--plugins', PLUGINS, '--guide', 'FixedScaleNormal', '--steps', '300', '--out', out, '--no-report']);
    expect(run.code, run.stderr).to.equal(0);
    expect(Object.keys(readJson(path.join(out, 'params.json')))).to.deep.equal(['mu_loc']);
    // The plugin's scale comes from its plugins.json options (0.2). The sd of n = 1000 draws has
    // a standard error of about 0.2 / sqrt(2 (n - 1)) = 0.0045; 4 standard errors: 0.018.
    const row = summaryRow(run.stdout, 'mu')!;
    expect(row.sd).to.be.closeTo(0.2, 0.018);
    expect(row.mean).to.be.closeTo(0.8, 0.2);
  });

  it('lists the plugins a user plugins.json adds', async () => {
    const run = await runInProcess(['list', '--plugins', PLUGINS]);
    expect(run.code).to.equal(0);
    expect(run.stdout).to.include('Guides:').and.include('AutoNormal (default)').and.include('FixedScaleNormal  options {"scale":0.2}');
    expect(run.stdout).to.include('Optimizers:').and.include('Callbacks:').and.include('Losses:');
  });

  it('attaches callbacks named in the config (EarlyStopping) and still writes the results', async () => {
    const out = path.join(tmp.dir, 'out');
    const config = path.join(tmp.dir, 'run.json');
    writeFileSync(config, JSON.stringify({ callbacks: [{ name: 'EarlyStopping', patience: 5, minDelta: 100 }], report: false }));
    const run = await runInProcess(['fit', MODEL, '--config', config, '--steps', '500', '--out', out]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr).to.include('Stopped early at step');
    expect(readJson(path.join(out, 'losses.json')).losses.length).to.be.below(500);
    expect(existsSync(path.join(out, 'params.json'))).to.equal(true);
  });

  it('leaks no tensors: a second identical in-process fit leaves tf.memory().numTensors unchanged', async () => {
    const args = ['fit', MODEL, '--out', path.join(tmp.dir, 'out'), '--steps', '20', '--samples', '10', '--quiet', '--no-report'];
    await runInProcess(args); // first run: one-time allocations (backend set-up)
    await expectNoTensorLeakAsync(async () => {
      expect((await runInProcess(args)).code).to.equal(0);
    });
  });

  it('a NaN loss stops the fit with exit code 1 (TerminateOnNaN is attached unless --stable-update)', async () => {
    const out = path.join(tmp.dir, 'out');
    const run = await runInProcess(['fit', path.join(FIXTURES, 'nan-model.ts'), '--out', out]);
    expect(run.code, run.stderr).to.equal(1);
    expect(run.stderr).to.match(/vinfer: fit stopped at step 1: the loss is NaN at step 1/);
    expect(existsSync(path.join(out, 'params.json'))).to.equal(false);
  });

  it('prints the help of fit', async () => {
    const run = await runInProcess(['fit', '--help']);
    expect(run.code).to.equal(0);
    expect(run.stdout).to.include('--resume DIR').and.include('--checkpoint DIR');
  });

  it('a model that throws: names the site and step, keeps the last checkpoint, exits 1 @slow', async () => {
    const out = path.join(tmp.dir, 'out');
    const run = await spawnCli(['fit', path.join(FIXTURES, 'throwing-model.ts'), '--out', out]);
    expect(run.code, run.stderr).to.equal(1);
    const last = run.stderr.trimEnd().split('\n').pop()!;
    const m = /fit failed at step (\d+), in the model after sample\('mu'\): the data ran out\. The last checkpoint \(step (\d+)\)/.exec(last);
    expect(m, last).to.not.equal(null);
    expect(Number(m![2])).to.equal(Number(m![1]) - 1);
    expect(last).to.include('--resume');
    expect(run.stderr).not.to.match(/\n\s+at /);
    expect(readJson(path.join(out, 'checkpoints', 'latest.json')).step).to.equal(Number(m![2]));
  });
});
