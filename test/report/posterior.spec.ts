import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { PRNGKey, dist, param, sample } from '../../src/index.js';
import { posteriorDraws, posteriorSummary } from '../../src/report/posterior.js';
import { expectNoTensorLeak } from '../helpers/assert.js';

function guide(): void {
  const loc = param('loc', 0);
  sample('z', new dist.Normal(loc, 2));
  sample('v', new dist.Normal(tf.zeros([3]), 1).toEvent(1));
  sample('aux', new dist.Normal(0, 1), { infer: { isAuxiliary: true } });
}

describe('posteriorDraws / posteriorSummary', () => {
  it('runs a hand-written guide at the fitted params, one draw per key, skipping auxiliary sites', () => {
    const params = { loc: tf.scalar(3) };
    const draws = posteriorDraws(guide, params, [], PRNGKey(0), 50);
    expect(Object.keys(draws)).to.deep.equal(['z', 'v']);
    expect(draws['z']!.shape).to.deep.equal([50]);
    expect(draws['v']!.shape).to.deep.equal([50, 3]);
    tf.dispose([...Object.values(draws), params.loc]);
  });

  it('summarises N = 4000 draws of N(3, 2): mean within 4 standard errors (4 * 2 / sqrt(N) = 0.13), sd within 4 SE (0.09)', () => {
    const params = { loc: tf.scalar(3) };
    const rows = posteriorSummary(guide, params, [], { key: PRNGKey(11), numSamples: 4000 });
    params.loc.dispose();
    const z = rows.find((r) => r.label === 'z')!;
    expect(z.mean).to.be.closeTo(3, 0.13);
    expect(z.sd).to.be.closeTo(2, 4 * 2 / Math.sqrt(2 * 3999));
    // 5% and 95% quantiles of N(3, 2): 3 ± 1.645·2.
    expect(z.q05).to.be.closeTo(3 - 3.29, 0.25);
    expect(z.q95).to.be.closeTo(3 + 3.29, 0.25);
    expect(rows.map((r) => r.label)).to.deep.equal(['z', 'v[0]', 'v[1]', 'v[2]']);
  });

  it('uses a guide\'s own samplePosterior when it has one, and leaks no tensors', () => {
    const params = { loc: tf.scalar(1) };
    const auto = { forward: guide, samplePosterior: (_k: unknown, p: Record<string, tf.Tensor>, o?: { sampleShape?: number[] }) => ({ z: tf.fill(o!.sampleShape!, p['loc']!.dataSync()[0]!) }) };
    expectNoTensorLeak(() => {
      const rows = posteriorSummary(auto, params, [], { numSamples: 10 });
      expect(rows).to.have.length(1);
      expect(rows[0]).to.include({ label: 'z', mean: 1, sd: 0 });
    });
    params.loc.dispose();
  });
});
