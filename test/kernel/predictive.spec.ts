import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { Normal } from '../../src/distributions/normal.js';
import { ValueError } from '../../src/kernel/errors.js';
import { Importance } from '../../src/kernel/importance.js';
import { Predictive } from '../../src/kernel/predictive.js';
import { deterministic, param, plate, sample } from '../../src/kernel/primitives.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';
import { meanVar } from '../helpers/stats.js';

// y_i ~ N(w * x_i, 1) with w ~ N(0, 1); y absent → resampled.
const X = tf.keep(tf.tensor1d([-1, 0, 2]));
function model(y?: tf.Tensor) {
  const w = sample('w', new Normal(0, 1));
  deterministic('w2', tf.mul(w, 2));
  return plate('data', 3, () => sample('y', new Normal(tf.mul(w, X), 1), y === undefined ? {} : { obs: y }));
}
function guide() {
  sample('w', new Normal(param('w_loc', 0), 0.5));
}

describe('Predictive', () => {
  const N = 4000;

  it(`with guide + params resamples absent observations: moments within 4 SE (N=${N})`, () => {
    const params = { w_loc: tf.scalar(1.5) };
    const out = new Predictive(model, { guide, params, numSamples: N }).run(PRNGKey(0));
    expect(Object.keys(out).sort()).to.deep.equal(['w2', 'y']);
    expect(out.y!.shape).to.deep.equal([N, 3]);
    // y_3 = 2 w + e: mean 3, variance 4 * 0.25 + 1 = 2.
    const y3 = tf.tidy(() => tf.squeeze(tf.slice(out.y!, [0, 2], [N, 1])).dataSync());
    const { mean, variance } = meanVar(y3);
    expect(mean).to.be.closeTo(3, 4 * Math.sqrt(2 / N));
    expect(variance).to.be.closeTo(2, 4 * 2 * Math.sqrt(2 / N));
    tf.dispose([...Object.values(out), params.w_loc]);
  });

  it('parallel draws match looped draws in distribution', () => {
    const params = { w_loc: tf.scalar(1.5) };
    const out = new Predictive(model, { guide, params, numSamples: N, parallel: true }).run(PRNGKey(1));
    expect(out.y!.shape).to.deep.equal([N, 3]);
    expect(out.w2!.shape).to.deep.equal([N]);
    const y3 = tf.tidy(() => tf.squeeze(tf.slice(out.y!, [0, 2], [N, 1])).dataSync());
    const { mean, variance } = meanVar(y3);
    expect(mean).to.be.closeTo(3, 4 * Math.sqrt(2 / N));
    expect(variance).to.be.closeTo(2, 4 * 2 * Math.sqrt(2 / N));
    tf.dispose([...Object.values(out), params.w_loc]);
  });

  it('with posteriorSamples uses them in order and returns deterministic sites', () => {
    const w = tf.tensor1d([0, 1, -1]);
    const out = new Predictive(model, { posteriorSamples: { w } }).run(PRNGKey(2));
    expect(Array.from(out.w2!.dataSync())).to.deep.equal([0, 2, -2]);
    expect(out.y!.shape).to.deep.equal([3, 3]);
    tf.dispose([...Object.values(out), w]);
  });

  it('with batchNdims 2 treats posteriorSamples of shape [2 chains, 3 draws] as 6 draws and keeps [2, 3] leading dims', () => {
    const w = tf.tensor2d([
      [0, 1, -1],
      [2, 0.5, 3],
    ]);
    const out = new Predictive(model, { posteriorSamples: { w }, batchNdims: 2 }).run(PRNGKey(2));
    expect(out.w2!.shape).to.deep.equal([2, 3]);
    expect(Array.from(out.w2!.dataSync())).to.deep.equal([0, 2, -2, 4, 1, 6]);
    expect(out.y!.shape).to.deep.equal([2, 3, 3]);
    tf.dispose([...Object.values(out), w]);
  });

  it('rejects a batchNdims that is not an integer >= 1, and posteriorSamples whose leading dims disagree', () => {
    const w = tf.tensor2d([
      [0, 1, -1],
      [2, 0.5, 3],
    ]);
    const v = tf.tensor1d([1, 2]);
    for (const bad of [0, -1, 1.5]) {
      expectVinferError(() => new Predictive(model, { posteriorSamples: { w }, batchNdims: bad }), ValueError, "Predictive: option 'batchNdims'", String(bad));
    }
    expectVinferError(() => new Predictive(model, { posteriorSamples: { w, v }, batchNdims: 2 }), ValueError, "posteriorSamples['v']", 'leading shape');
    tf.dispose([w, v]);
  });

  it('prior predictive without guide or samples; returnSites picks sites', () => {
    const out = new Predictive(model, { numSamples: 10, returnSites: ['w'] }).run(PRNGKey(3));
    expect(Object.keys(out)).to.deep.equal(['w']);
    expect(out.w!.shape).to.deep.equal([10]);
    tf.dispose(Object.values(out));
  });

  it('rejects bad options and unknown return sites', () => {
    expectVinferError(() => new Predictive(model, {}), ValueError, 'numSamples');
    expectVinferError(() => new Predictive(model, { numSamples: 2, returnSites: ['nope'] }).run(PRNGKey(0)), ValueError, 'nope');
  });

  it('leaks no tensors', () => {
    const p = new Predictive(model, { numSamples: 5 });
    tf.dispose(Object.values(p.run(PRNGKey(0))));
    expectNoTensorLeak(() => tf.dispose(Object.values(p.run(PRNGKey(1)))));
  });
});

describe('Importance', () => {
  // mu ~ N(0,1), x ~ N(mu, 1) with x = 1: evidence N(1; 0, 2), posterior N(0.5, 0.5).
  const m = () => {
    const mu = sample('mu', new Normal(0, 1));
    sample('x', new Normal(mu, 1), { obs: 1 });
  };
  const logEvidence = -0.5 * Math.log(2 * Math.PI * 2) - 1 / 4;

  it('estimates the log evidence with the prior as proposal (within 0.05, N=4000)', () => {
    const r = new Importance(m, { numSamples: 4000 }).run(PRNGKey(0));
    // Relative SE of the mean weight is about sqrt(Var(w)/N)/E(w) < 0.015 here; 0.05 is > 3 SE.
    expect(r.logMarginal()).to.be.closeTo(logEvidence, 0.05);
    expect(r.ess()).to.be.within(1000, 4000);
    expect(r.samples.mu!.shape).to.deep.equal([4000]);
    tf.dispose([r.logWeights, ...Object.values(r.samples)]);
  });

  it('with the exact posterior as proposal every weight equals the evidence and ESS = N', () => {
    const g = () => sample('mu', new Normal(0.5, Math.sqrt(0.5)));
    const r = new Importance(m, { guide: g, numSamples: 200 }).run(PRNGKey(1));
    expect(r.logMarginal()).to.be.closeTo(logEvidence, 1e-4);
    expect(r.ess()).to.be.closeTo(200, 1e-2);
    tf.dispose([r.logWeights, ...Object.values(r.samples)]);
  });

  it('rejects a bad numSamples', () => {
    expectVinferError(() => new Importance(m, { numSamples: 0 }), ValueError, 'numSamples');
  });
});

describe('Predictive.dispose', () => {
  it('releases the tensors made from posteriorSamples given as arrays', () => {
    const before = tf.memory().numTensors;
    const p = new Predictive(model, { posteriorSamples: { w: [0, 1, -1] } });
    tf.dispose(Object.values(p.run(PRNGKey(0))));
    p.dispose();
    expect(tf.memory().numTensors).to.equal(before);
  });
});
