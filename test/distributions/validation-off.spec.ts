import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import * as dist from '../../src/distributions/index.js';

describe('logProb with validateArgs: false', () => {
  const off = { validateArgs: false };
  const cases: [string, dist.Distribution, number | number[]][] = [
    ['Exponential below 0', new dist.Exponential(1, off), -1],
    ['Gamma below 0', new dist.Gamma(2, 1, off), -1],
    ['InverseGamma below 0', new dist.InverseGamma(2, 1, off), -0.5],
    ['Beta above 1', new dist.Beta(2, 2, off), 1.5],
    ['LogNormal below 0', new dist.LogNormal(0, 1, off), -2],
    ['HalfNormal below 0', new dist.HalfNormal(1, off), -1],
    ['HalfCauchy below 0', new dist.HalfCauchy(1, off), -1],
    ['Uniform above high', new dist.Uniform(0, 1, off), 2],
    ['Dirichlet off the simplex', new dist.Dirichlet([1, 2, 3], off), [0.5, 0.6, -0.1]],
    ['Bernoulli at 2', new dist.Bernoulli(0.3, off), 2],
    ['Poisson at -1', new dist.Poisson(2, off), -1],
  ];
  for (const [name, d, v] of cases) {
    it(`is -Infinity outside the support: ${name}`, () => {
      expect(tf.tidy(() => d.logProb(v).dataSync()[0])).to.equal(-Infinity);
    });
  }
  it('is the usual density inside the support, and unchanged for real supports', () => {
    expect(tf.tidy(() => new dist.Exponential(2, off).logProb(0.5).dataSync()[0]!)).to.be.closeTo(Math.log(2) - 1, 1e-6);
    expect(tf.tidy(() => new dist.Normal(0, 1, off).logProb(3).dataSync()[0]!)).to.be.closeTo(-4.5 - 0.5 * Math.log(2 * Math.PI), 1e-5);
  });
  it('masks element by element in a batch', () => {
    const lp = tf.tidy(() => Array.from(new dist.Gamma(2, 1, off).logProb([-1, 1]).dataSync()));
    expect(lp[0]).to.equal(-Infinity);
    expect(lp[1]).to.be.closeTo(-1, 1e-6); // log(x e^-x) at x = 1
  });
});
