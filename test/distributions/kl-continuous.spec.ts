import * as tf from '@tensorflow/tfjs';

import { Beta } from '../../src/distributions/beta.js';
import { Dirichlet } from '../../src/distributions/dirichlet.js';
import { Gamma } from '../../src/distributions/gamma.js';
import { klDivergence } from '../../src/distributions/kl.js';
import { LowRankMultivariateNormal } from '../../src/distributions/low-rank-multivariate-normal.js';
import { MultivariateNormal } from '../../src/distributions/multivariate-normal.js';
import { Normal } from '../../src/distributions/normal.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { expectClose, expectNoTensorLeak } from '../helpers/assert.js';
import { K_SE, N_MC, expectGradMatchesFD, expectKLMatchesMC, seededUniform } from './kl-helpers.js';

const SEED = 8101;

/** `rows` random lower-triangular [d, d] factors with diagonals in [0.5, 1.5], from `key`. */
function seededTril(seed: number, rows: number, d: number): number[][][] {
  const u = seededUniform(PRNGKey(seed), rows * d * d, -0.8, 0.8);
  return Array.from({ length: rows }, (_, r) =>
    Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (j > i ? 0 : j === i ? 1 + u[(r * d + i) * d + j]! * 0.6 : u[(r * d + i) * d + j]!))),
  );
}

describe('klDivergence: multivariate normals', () => {
  const d = 3;
  const loc = (seed: number) => {
    const u = seededUniform(PRNGKey(seed), 2 * d, -1, 1);
    return [u.slice(0, d), u.slice(d)];
  };
  const lowRank = (seed: number) =>
    new LowRankMultivariateNormal(
      loc(seed),
      [0, 1].map((r) => seededUniform(PRNGKey(seed + 1 + r), d * 2, -0.7, 0.7)).map((w) => [[w[0]!, w[1]!], [w[2]!, w[3]!], [w[4]!, w[5]!]]),
      [0, 1].map((r) => seededUniform(PRNGKey(seed + 3 + r), d, 0.3, 1.2)),
    );

  it(`MultivariateNormal–MultivariateNormal matches Monte Carlo (N=${N_MC}, ${K_SE} SE)`, () => {
    const p = new MultivariateNormal(loc(SEED + 30), { scaleTril: seededTril(SEED + 31, 2, d) });
    const q = new MultivariateNormal(loc(SEED + 32), { scaleTril: seededTril(SEED + 33, 2, d) });
    expectKLMatchesMC(p, q, PRNGKey(SEED + 34), 'MVN–MVN');
    // Diagonal covariances reduce to a sum of univariate Normal KLs.
    const pd = new MultivariateNormal([0, 1], { covarianceMatrix: [[4, 0], [0, 0.25]] });
    const qd = new MultivariateNormal([1, -1], { covarianceMatrix: [[1, 0], [0, 9]] });
    const want = tf.sum(klDivergence(new Normal([0, 1], [2, 0.5]), new Normal([1, -1], [1, 3])));
    expectClose(klDivergence(pd, qd), want, { atol: 1e-6, rtol: 1e-5 });
  });

  it(`LowRank–MVN, MVN–LowRank and LowRank–LowRank match Monte Carlo (N=${N_MC}, ${K_SE} SE)`, () => {
    const lr1 = lowRank(SEED + 40);
    const lr2 = lowRank(SEED + 50);
    const mvn = new MultivariateNormal(loc(SEED + 60), { scaleTril: seededTril(SEED + 61, 2, d) });
    expectKLMatchesMC(lr1, mvn, PRNGKey(SEED + 62), 'LowRank–MVN');
    expectKLMatchesMC(mvn, lr1, PRNGKey(SEED + 63), 'MVN–LowRank');
    expectKLMatchesMC(lr1, lr2, PRNGKey(SEED + 64), 'LowRank–LowRank');
    // The same Gaussian written both ways has KL 0.
    const dense = new MultivariateNormal(lr1.loc, { covarianceMatrix: lr1.covarianceMatrix });
    expectClose(klDivergence(lr1, dense), [0, 0], { atol: 2e-5 });
  });
});

describe('klDivergence: Beta, Gamma, Dirichlet', () => {
  it(`Beta–Beta matches Monte Carlo (N=${N_MC}, ${K_SE} SE)`, () => {
    const [a1, b1, a2, b2] = [0, 1, 2, 3].map((i) => seededUniform(PRNGKey(SEED + i), 3, 0.6, 5));
    expectKLMatchesMC(new Beta(a1!, b1!), new Beta(a2!, b2!), PRNGKey(SEED + 4), 'Beta');
    // KL(Beta(1,1) ‖ Beta(2,1)) = ∫ log(1 / 2x) dx = -log 2 + 1
    expectClose(klDivergence(new Beta(1, 1), new Beta(2, 1)), 1 - Math.log(2), { atol: 1e-6 });
  });

  it(`Gamma–Gamma matches Monte Carlo (N=${N_MC}, ${K_SE} SE)`, () => {
    const [a1, r1, a2, r2] = [0, 1, 2, 3].map((i) => seededUniform(PRNGKey(SEED + 10 + i), 3, 0.7, 6));
    expectKLMatchesMC(new Gamma(a1!, r1!), new Gamma(a2!, r2!), PRNGKey(SEED + 14), 'Gamma');
    // Exponential(1) vs Exponential(2) as Gammas: log(1/2) + 2 - 1
    expectClose(klDivergence(new Gamma(1, 1), new Gamma(1, 2)), 1 - Math.log(2), { atol: 1e-6 });
  });

  it(`Dirichlet–Dirichlet matches Monte Carlo (N=${N_MC}, ${K_SE} SE)`, () => {
    const c1 = seededUniform(PRNGKey(SEED + 20), 8, 0.7, 4);
    const c2 = seededUniform(PRNGKey(SEED + 21), 8, 0.7, 4);
    const p = new Dirichlet([c1.slice(0, 4), c1.slice(4)]);
    const q = new Dirichlet([c2.slice(0, 4), c2.slice(4)]);
    expectKLMatchesMC(p, q, PRNGKey(SEED + 22), 'Dirichlet');
    // Dirichlet([a, b]) is Beta(a, b) on the first coordinate.
    expectClose(klDivergence(new Dirichlet([2, 3]), new Dirichlet([1.5, 0.8])), klDivergence(new Beta(2, 3), new Beta(1.5, 0.8)), { atol: 1e-6 });
  });

  it('leaks no tensors', () => {
    const [b1, b2] = [new Beta(2, 3), new Beta(1, 4)];
    const [g1, g2] = [new Gamma(2, 3), new Gamma(1, 4)];
    const [d1, d2] = [new Dirichlet([1, 2, 3]), new Dirichlet([2, 2, 2])];
    expectNoTensorLeak(() => {
      klDivergence(b1, b2).dispose();
      klDivergence(g1, g2).dispose();
      klDivergence(d1, d2).dispose();
    });
  });

  it('closed forms are differentiable (tf.grad vs central finite differences)', () => {
    expectGradMatchesFD((x) => tf.sum(klDivergence(new Beta(x, 2), new Beta(1.5, 0.7))), [0.9, 3], 'Beta');
    expectGradMatchesFD((x) => tf.sum(klDivergence(new Gamma(x.slice(0, 1), x.slice(1, 1)), new Gamma(2, 3))), [1.3, 0.8], 'Gamma');
    expectGradMatchesFD((x) => tf.sum(klDivergence(new Dirichlet(x), new Dirichlet([1, 2, 3]))), [0.8, 1.7, 2.2], 'Dirichlet');
    expectGradMatchesFD(
      (x) => tf.sum(klDivergence(new MultivariateNormal(x.slice(0, 2), { scaleTril: tf.reshape(tf.mul(x.slice(2, 4), tf.tensor1d([1, 0, 1, 1])), [2, 2]) }), new MultivariateNormal([0, 0], { covarianceMatrix: [[2, 0.3], [0.3, 1]] }))),
      [0.3, -0.2, 1.1, 0, 0.4, 0.9],
      'MVN',
    );
  });
});
