import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { Bernoulli } from '../../src/distributions/bernoulli.js';
import { Binomial } from '../../src/distributions/binomial.js';
import { Categorical } from '../../src/distributions/categorical.js';
import { Delta } from '../../src/distributions/delta.js';
import { Geometric } from '../../src/distributions/geometric.js';
import { klDivergence, registerKL } from '../../src/distributions/kl.js';
import { Normal } from '../../src/distributions/normal.js';
import { OneHotCategorical } from '../../src/distributions/one-hot-categorical.js';
import { Poisson } from '../../src/distributions/poisson.js';
import { ValueError } from '../../src/kernel/errors.js';
import { PRNGKey, split } from '../../src/kernel/rng.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';
import { K_SE, N_MC, expectGradMatchesFD, expectKLMatchesMC, seededSimplex, seededUniform } from './kl-helpers.js';

const SEED = 7601;
const keys = split(PRNGKey(SEED), 16);
const key = (i: number) => keys[i]!;

describe('klDivergence: registry and wrappers', () => {
  it('fails with a ValueError naming both families and how to register a pair', () => {
    expectVinferError(
      () => klDivergence(new Bernoulli(0.3), new Normal(0, 1)),
      ValueError,
      'no KL divergence is registered for (Bernoulli, Normal)',
      'registerKL(Bernoulli, Normal, (p, q) => ...)',
    );
    expectVinferError(() => klDivergence(new Normal([0, 0]).toEvent(1), new Normal(0, 1)), ValueError, 'event shapes differ');
    expectVinferError(() => klDivergence(new Normal([0, 0]), new Normal([0, 0, 0])), ValueError, 'batch shapes do not broadcast');
    expectVinferError(() => registerKL(Object as never, Normal, () => tf.scalar(0)), ValueError, 'registerKL', "'P'");
  });

  it('dispatches to the most specific registered pair along the prototype chains', () => {
    class WideNormal extends Normal {}
    class WiderNormal extends WideNormal {}
    registerKL(WideNormal, Normal, () => tf.scalar(42));
    expectClose(klDivergence(new WiderNormal(0, 1), new Normal(0, 1)), 42);
    // (Normal, Normal) is closer than (WideNormal, Normal) for a plain Normal as p.
    expectClose(klDivergence(new Normal(0, 1), new WiderNormal(0, 1)), 0);
    registerKL(WiderNormal, WideNormal, () => tf.scalar(7));
    expectClose(klDivergence(new WiderNormal(0, 1), new WiderNormal(0, 1)), 7);
    expectClose(klDivergence(new WiderNormal(0, 1), new Normal(0, 1)), 42);
  });

  it(`Independent: sums the base KL over the reinterpreted dims; matches Monte Carlo (N=${N_MC}, ${K_SE} SE)`, () => {
    const [l1, s1, l2, s2] = [0, 1, 2, 3].map((i) => seededUniform(key(i), 6, i % 2 === 0 ? -1 : 0.5, i % 2 === 0 ? 1 : 2));
    const p = new Normal(tf.tensor(l1!, [2, 3]), tf.tensor(s1!, [2, 3])).toEvent(1);
    const q = new Normal(tf.tensor(l2!, [2, 3]), tf.tensor(s2!, [2, 3])).toEvent(1);
    const kl = klDivergence(p, q);
    expect(kl.shape).to.deep.equal([2]);
    const base = klDivergence(new Normal(tf.tensor(l1!, [2, 3]), tf.tensor(s1!, [2, 3])), new Normal(tf.tensor(l2!, [2, 3]), tf.tensor(s2!, [2, 3])));
    expectClose(kl, tf.sum(base, -1), { rtol: 1e-6 });
    expectKLMatchesMC(p, q, key(4), 'Independent(Normal)');
    expectVinferError(
      () => klDivergence(new Normal(tf.zeros([2, 3])).toEvent(2), new Normal(tf.zeros([2, 3])).toEvent(1).toEvent(1)),
      ValueError,
      'different numbers of batch dims',
    );
  });

  it(`ExpandedDistribution on either side broadcasts the base KL (N=${N_MC}, ${K_SE} SE)`, () => {
    const p = new Normal(0.3, 1.5).expand([4]);
    const q = new Normal(seededUniform(key(5), 4, -1, 1), seededUniform(key(6), 4, 0.5, 2));
    expect(klDivergence(p, q).shape).to.deep.equal([4]);
    expectKLMatchesMC(p, q, key(7), 'Expanded–Normal');
    expectKLMatchesMC(q, p, key(8), 'Normal–Expanded');
    const r = new Normal([0.1, 0.2, 0.3, 0.4], 1).expand([2, 4]);
    expect(klDivergence(p, r).shape).to.deep.equal([2, 4]);
    expectKLMatchesMC(r, p, key(9), 'Expanded–Expanded');
  });

  it('leaks no tensors', () => {
    const p = new Normal([0, 1], [1, 2]).toEvent(1);
    const q = new Normal([1, 1], [1, 1]).toEvent(1);
    expectNoTensorLeak(() => klDivergence(p, q).dispose());
  });
});

describe('klDivergence: closed forms vs Monte Carlo', () => {
  it(`Normal–Normal (N=${N_MC}, ${K_SE} SE), and the textbook value`, () => {
    const p = new Normal(seededUniform(key(10), 3, -1, 1), seededUniform(key(11), 3, 0.3, 2));
    const q = new Normal(seededUniform(key(12), 3, -1, 1), seededUniform(key(13), 3, 0.3, 2));
    expectKLMatchesMC(p, q, key(14), 'Normal–Normal');
    // KL(N(0,1) ‖ N(1,2)) = log 2 + (1 + 1)/(2·4) - ½
    expectClose(klDivergence(new Normal(0, 1), new Normal(1, 2)), Math.log(2) + 2 / 8 - 0.5, { rtol: 1e-6 });
  });

  it(`Bernoulli–Bernoulli for probs and logits (N=${N_MC}, ${K_SE} SE); 0 log 0 = 0`, () => {
    const pp = seededUniform(PRNGKey(SEED + 1), 3, 0.05, 0.95);
    const qp = seededUniform(PRNGKey(SEED + 2), 3, 0.05, 0.95);
    const logit = (p: number) => Math.log(p / (1 - p));
    expectKLMatchesMC(new Bernoulli(pp), new Bernoulli(qp), PRNGKey(SEED + 3), 'probs–probs');
    expectKLMatchesMC(new Bernoulli({ logits: pp.map(logit) }), new Bernoulli(qp), PRNGKey(SEED + 4), 'logits–probs');
    expectKLMatchesMC(new Bernoulli(pp), new Bernoulli({ logits: qp.map(logit) }), PRNGKey(SEED + 5), 'probs–logits');
    // p = 0 or 1: KL(δ0 ‖ Bern(q)) = -log(1 - q), KL(δ1 ‖ Bern(q)) = -log q.
    expectClose(klDivergence(new Bernoulli([0, 1]), new Bernoulli([0.3, 0.3])), [-Math.log(0.7), -Math.log(0.3)], { rtol: 1e-6 });
  });

  it(`Categorical–Categorical and OneHotCategorical–OneHotCategorical (N=${N_MC}, ${K_SE} SE)`, () => {
    const P = seededSimplex(PRNGKey(SEED + 6), 2, 5);
    const Q = seededSimplex(PRNGKey(SEED + 7), 2, 5);
    expectKLMatchesMC(new Categorical(P), new Categorical(Q), PRNGKey(SEED + 8), 'Categorical probs');
    expectKLMatchesMC(
      new Categorical({ logits: P.map((r) => r.map(Math.log)) }),
      new Categorical(Q),
      PRNGKey(SEED + 9),
      'Categorical logits–probs',
    );
    expectKLMatchesMC(new OneHotCategorical(P), new OneHotCategorical({ logits: Q.map((r) => r.map((x) => Math.log(x) + 3)) }), PRNGKey(SEED + 10), 'OneHot');
    // A zero-probability category of p contributes nothing.
    const kl = klDivergence(new Categorical([0.5, 0.5, 0]), new Categorical([0.25, 0.25, 0.5]));
    expectClose(kl, Math.log(2), { rtol: 1e-6 });
  });

  it(`Geometric–Geometric for probs and logits (N=${N_MC}, ${K_SE} SE)`, () => {
    const pp = seededUniform(PRNGKey(SEED + 11), 3, 0.2, 0.9);
    const qp = seededUniform(PRNGKey(SEED + 12), 3, 0.2, 0.9);
    expectKLMatchesMC(new Geometric(pp), new Geometric(qp), PRNGKey(SEED + 13), 'probs');
    expectKLMatchesMC(new Geometric({ logits: pp.map((p) => Math.log(p / (1 - p))) }), new Geometric(qp), PRNGKey(SEED + 14), 'logits');
  });

  it(`Binomial–Binomial with equal totalCount (N=${N_MC}, ${K_SE} SE); unequal counts are refused`, () => {
    const pp = seededUniform(PRNGKey(SEED + 15), 2, 0.1, 0.9);
    const qp = seededUniform(PRNGKey(SEED + 16), 2, 0.1, 0.9);
    expectKLMatchesMC(new Binomial([5, 12], pp), new Binomial([5, 12], { logits: qp.map((q) => Math.log(q / (1 - q))) }), PRNGKey(SEED + 17), 'Binomial');
    expectVinferError(() => klDivergence(new Binomial(3, 0.5), new Binomial(4, 0.5)), ValueError, 'equal totalCount');
  });

  it(`Poisson–Poisson (N=${N_MC}, ${K_SE} SE)`, () => {
    const p = new Poisson(seededUniform(PRNGKey(SEED + 18), 3, 0.5, 30));
    const q = new Poisson(seededUniform(PRNGKey(SEED + 19), 3, 0.5, 30));
    expectKLMatchesMC(p, q, PRNGKey(SEED + 20), 'Poisson');
  });

  it('Delta–any: log-density of the point mass minus log q(v)', () => {
    const v = [0.5, -1.2];
    const ld = [0.3, -0.2];
    const p = new Delta(v, ld);
    const q = new Normal([0, 1], [1, 2]);
    const logq = (x: number, m: number, s: number) => -0.5 * ((x - m) / s) ** 2 - Math.log(s) - 0.5 * Math.log(2 * Math.PI);
    expectClose(klDivergence(p, q), [ld[0]! - logq(0.5, 0, 1), ld[1]! - logq(-1.2, 1, 2)], { rtol: 1e-6 });
    // Draws from a point mass are v itself, so the Monte Carlo estimate is exact (zero standard error).
    expectKLMatchesMC(p, q, PRNGKey(SEED + 21), 'Delta–Normal', 100);
    const pv = new Delta([1, 2, 3], 0, { eventDim: 1 });
    expectClose(klDivergence(pv, new Normal([0, 0, 0], 1).toEvent(1)), 14 / 2 + 1.5 * Math.log(2 * Math.PI), { rtol: 1e-6 });
  });

  it('closed forms are differentiable (tf.grad vs central finite differences)', () => {
    expectGradMatchesFD((x) => tf.sum(klDivergence(new Normal(x.slice(0, 1), tf.exp(x.slice(1, 1))), new Normal(0.3, 1.4))), [0.2, -0.1], 'Normal');
    expectGradMatchesFD((x) => tf.sum(klDivergence(new Bernoulli({ logits: x }), new Bernoulli(0.3))), [0.4, -1.2], 'Bernoulli logits');
    expectGradMatchesFD((x) => tf.sum(klDivergence(new Bernoulli(0.6), new Bernoulli(x))), [0.2, 0.7], 'Bernoulli probs (q)');
    expectGradMatchesFD((x) => tf.sum(klDivergence(new Categorical({ logits: x }), new Categorical([0.2, 0.3, 0.5]))), [0.1, 0.5, -0.3], 'Categorical');
    expectGradMatchesFD((x) => tf.sum(klDivergence(new Poisson(x), new Poisson(2))), [1.5, 3], 'Poisson');
  });
});
