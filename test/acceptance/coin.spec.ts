import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

import { expect } from 'chai';

import { betaMoments } from '../../examples/coin.js';
import { ROOT, spawnCli, spawnScript, summaryRow, tempDir } from '../cli/helpers.js';

describe('examples/coin.ts (acceptance)', () => {
  let tmp: ReturnType<typeof tempDir>;
  before(() => (tmp = tempDir()));
  after(() => tmp.cleanup());

  it('vinfer fit end to end: exit 0, latent_fairness within 0.02 of the exact 0.533, params.json and report.html written @slow', async () => {
    const out = path.join(tmp.dir, 'out');
    const run = await spawnCli(['fit', 'examples/coin.ts', '--out', out], ROOT);
    expect(run.code, run.stderr).to.equal(0);
    // Exact posterior Beta(16, 14): mean 16/30 = 0.5333, sd 0.0896. The summary row is the mean of
    // 1000 guide draws: Monte Carlo error 0.09/sqrt(1000) = 0.003, plus the fit's own error after
    // 2000 Adam steps at lr 0.0005 (Pyro's tutorial reaches 0.532).
    const row = summaryRow(run.stdout, 'latent_fairness');
    expect(row, run.stdout).to.not.equal(undefined);
    expect(row!.mean).to.be.closeTo(16 / 30, 0.02);
    expect(row!.sd).to.be.closeTo(0.0896, 0.015);
    expect(existsSync(path.join(out, 'report.html'))).to.equal(true);
    const params = JSON.parse(readFileSync(path.join(out, 'params.json'), 'utf8')) as { alpha_q: number; beta_q: number };
    // The fitted guide itself, in closed form: within 0.01 of the exact mean and sd.
    const { mean, sd } = betaMoments(params.alpha_q, params.beta_q);
    expect(mean).to.be.closeTo(16 / 30, 0.01);
    expect(sd).to.be.closeTo(0.0896, 0.01);
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).to.include('data-site="latent_fairness"').and.include('id="loss-curve"');
  });

  it('npx tsx examples/coin.ts: its own SVI loop (2000 steps) prints a fairness within 0.01 of 0.533 and an sd within 0.01 of 0.0896 @slow', async () => {
    const run = await spawnScript(path.join(ROOT, 'examples', 'coin.ts'));
    expect(run.code, run.stderr).to.equal(0);
    const m = /the fairness of the coin is ([\d.]+) ± ([\d.]+)/.exec(run.stdout);
    expect(m, run.stdout).to.not.equal(null);
    // The guide's closed-form moments after Pyro's tutorial settings, as in the test above.
    expect(Number(m![1])).to.be.closeTo(16 / 30, 0.01);
    expect(Number(m![2])).to.be.closeTo(0.0896, 0.01);
    expect(summaryRow(run.stdout, 'latent_fairness'), run.stdout).to.not.equal(undefined);
  });
});
