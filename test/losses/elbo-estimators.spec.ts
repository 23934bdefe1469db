import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { Bernoulli } from '../../src/distributions/bernoulli.js';
import * as constraints from '../../src/distributions/constraints.js';
import { Normal } from '../../src/distributions/normal.js';
import { ModelError, ValueError } from '../../src/kernel/errors.js';
import { mask, scale } from '../../src/kernel/handlers/index.js';
import { param, plate, sample } from '../../src/kernel/primitives.js';
import { PRNGKey, split } from '../../src/kernel/rng.js';
import type { ELBO } from '../../src/losses/elbo.js';
import { RenyiELBO } from '../../src/losses/renyi-elbo.js';
import { TraceELBO } from '../../src/losses/trace-elbo.js';
import { TraceEnumELBO } from '../../src/losses/trace-enum-elbo.js';
import { TraceGraphELBO } from '../../src/losses/trace-graph-elbo.js';
import { TraceMeanFieldELBO } from '../../src/losses/trace-mean-field-elbo.js';
import { expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';
import { meanVar } from '../helpers/stats.js';

const DATA = [0.9, 1.4, 0.2, 1.1, 0.7];
const obs = tf.keep(tf.tensor1d(DATA));
const model = () => {
  const mu = sample('mu', new Normal(0, 1));
  plate('data', DATA.length, () => sample('x', new Normal(mu, 1), { obs }));
};
const guide = () => {
  const loc = param('loc', 0);
  const scale = param('scale', 1, { constraint: constraints.positive });
  sample('mu', new Normal(loc, scale));
};
const PARAMS = { loc: tf.keep(tf.scalar(0.4)), scale: tf.keep(tf.scalar(0.6)) };

/** Exact ELBO of the Normal–Normal model for the Normal(0.4, 0.6) guide, by closed forms. */
function exactElbo(): number {
  const [m, s] = [0.4, 0.6];
  const ll = DATA.reduce((a, x) => a - 0.5 * Math.log(2 * Math.PI) - 0.5 * ((x - m) ** 2 + s * s), 0);
  const kl = Math.log(1 / s) + (s * s + m * m) / 2 - 0.5;
  return ll - kl;
}

function lossSamples(loss: ELBO, n: number, seed: number): number[] {
  return split(PRNGKey(seed), n).map((k) => tf.tidy(() => loss.loss(k, PARAMS, model, guide).dataSync()[0]!));
}

describe('ELBO estimators', () => {
  const N = 2000;

  it(`Trace_ELBO is unbiased for -ELBO (mean within 4 SE, N=${N})`, () => {
    const xs = lossSamples(new TraceELBO(), N, 1);
    const { mean, variance } = meanVar(xs);
    expect(mean).to.be.closeTo(-exactElbo(), 4 * Math.sqrt(variance / N));
  });

  it(`TraceMeanField_ELBO agrees with Trace_ELBO in expectation and, with a weak likelihood, has lower variance (N=${N})`, () => {
    // The analytic KL removes the Monte Carlo noise of log p(mu) - log q(mu); it lowers the variance
    // when that term dominates (weak likelihood, guide away from the prior), as here with noise sd 5.
    const weak = () => {
      const mu = sample('mu', new Normal(0, 1));
      plate('data', DATA.length, () => sample('x', new Normal(mu, 5), { obs }));
    };
    const draws = (loss: ELBO, seed: number) =>
      split(PRNGKey(seed), N).map((k) => tf.tidy(() => loss.loss(k, PARAMS, weak, guide).dataSync()[0]!));
    const a = meanVar(draws(new TraceELBO(), 2));
    const b = meanVar(draws(new TraceMeanFieldELBO(), 3));
    expect(b.mean).to.be.closeTo(a.mean, 4 * Math.sqrt(a.variance / N + b.variance / N));
    expect(b.variance).to.be.lessThan(a.variance / 2);
    // On the original model both are unbiased for the exact ELBO.
    const c = meanVar(lossSamples(new TraceMeanFieldELBO(), N, 11));
    expect(c.mean).to.be.closeTo(-exactElbo(), 4 * Math.sqrt(c.variance / N));
  });

  it(`vectorised particles estimate the same loss as looped particles (10 particles, N=${N / 4})`, () => {
    const a = meanVar(lossSamples(new TraceELBO({ numParticles: 10 }), N / 4, 4));
    const b = meanVar(lossSamples(new TraceELBO({ numParticles: 10, vectorizeParticles: true }), N / 4, 5));
    expect(b.mean).to.be.closeTo(a.mean, 4 * Math.sqrt(a.variance / (N / 4) + b.variance / (N / 4)));
    expect(b.mean).to.be.closeTo(-exactElbo(), 4 * Math.sqrt(b.variance / (N / 4)));
  });

  it(`RenyiELBO(alpha=0, 8 particles) gives a loss no larger than Trace_ELBO on average (N=${N / 4})`, () => {
    const renyi = meanVar(lossSamples(new RenyiELBO({ alpha: 0, numParticles: 8 }), N / 4, 6));
    const elbo = meanVar(lossSamples(new TraceELBO(), N / 4, 7));
    // The IWAE bound is tighter: its loss is smaller, by more than the estimators' noise here.
    expect(renyi.mean).to.be.lessThan(elbo.mean);
    // And it is still a bound on -log p(x): log evidence of this model computed in closed form.
    const n = DATA.length;
    const s = DATA.reduce((a, b) => a + b, 0);
    const ss = DATA.reduce((a, b) => a + b * b, 0);
    const logEvidence = -0.5 * n * Math.log(2 * Math.PI) - 0.5 * Math.log(1 + n) - 0.5 * (ss - (s * s) / (1 + n));
    expect(renyi.mean).to.be.at.least(-logEvidence - 4 * Math.sqrt(renyi.variance / (N / 4)));
  });

  it('RenyiELBO rejects alpha = 1 and non-reparameterisable guide sites', () => {
    expectVinferError(() => new RenyiELBO({ alpha: 1 }), ValueError, 'alpha', 'Trace_ELBO');
    const m = () => sample('z', new Bernoulli(0.3));
    const g = () => sample('z', new Bernoulli(0.5));
    expectVinferError(() => new RenyiELBO().loss(PRNGKey(0), {}, m, g), ValueError, "'z'", 'reparameterisable');
  });

  it('rejects numParticles that is not a positive integer', () => {
    expectVinferError(() => new TraceELBO({ numParticles: 0 }), ValueError, 'numParticles');
  });

  it('rejects a misspelt option key with the known ones and a did-you-mean, and a non-boolean vectorizeParticles', () => {
    expectVinferError(
      () => new TraceELBO({ numParticle: 4 } as object),
      ValueError,
      "TraceELBO: unknown option 'numParticle'. Known options: numParticles, vectorizeParticles. Did you mean 'numParticles'?",
    );
    expectVinferError(() => new TraceMeanFieldELBO({ vectorizeParticles: true } as object), ValueError, "TraceMeanFieldELBO: unknown option 'vectorizeParticles'");
    expectVinferError(() => new RenyiELBO({ alfa: 0.5 } as object), ValueError, "unknown option 'alfa'", "Did you mean 'alpha'?");
    expectVinferError(() => new TraceELBO({ vectorizeParticles: 'yes' } as object), ValueError, "option 'vectorizeParticles' must be true or false");
    expectVinferError(() => new TraceELBO([] as object), ValueError, 'TraceELBO: options must be an object');
  });

  it('Trace_ELBO score-function surrogate gives an unbiased gradient for a Bernoulli guide', () => {
    // Model: z ~ Bernoulli(0.3), x ~ N(z, 1) with x = 0.8. Guide: q(z = 1) = sigmoid(theta).
    const m = () => {
      const z = sample('z', new Bernoulli(0.3));
      sample('x', new Normal(z, 1), { obs: 0.8 });
    };
    const g = () => sample('z', new Bernoulli({ logits: param('theta', 0) }));
    const theta = 0.2;
    const logN = (x: number, mu: number) => -0.5 * Math.log(2 * Math.PI) - 0.5 * (x - mu) ** 2;
    const elbo = (t: number) => {
      const q1 = 1 / (1 + Math.exp(-t));
      const term = (z: number, qz: number, pz: number) => qz * (Math.log(pz) + logN(0.8, z) - Math.log(qz));
      return term(1, q1, 0.3) + term(0, 1 - q1, 0.7);
    };
    const h = 1e-5;
    const exactGrad = -(elbo(theta + h) - elbo(theta - h)) / (2 * h); // gradient of the loss = -ELBO
    const loss = new TraceELBO();
    const M = 4000;
    const grads = split(PRNGKey(8), M).map((k) =>
      tf.tidy(() => tf.grad((t: tf.Tensor) => loss.loss(k, { theta: t }, m, g))(tf.scalar(theta)).dataSync()[0]!),
    );
    const { mean, variance } = meanVar(grads);
    expect(mean).to.be.closeTo(exactGrad, 4 * Math.sqrt(variance / M));
  });

  it('respects subsample scaling: a subsampled plate estimates the full-data log-likelihood', () => {
    const big = Array.from({ length: 40 }, (_, i) => Math.sin(i));
    const bigObs = tf.tensor1d(big);
    const full = () => {
      const mu = sample('mu', new Normal(0, 1));
      plate('data', 40, () => sample('x', new Normal(mu, 1), { obs: bigObs }));
    };
    const sub = () => {
      const mu = sample('mu', new Normal(0, 1));
      plate('data', 40, (idx) => sample('x', new Normal(mu, 1), { obs: tf.gather(bigObs, idx) }), { subsampleSize: 8 });
    };
    const g = () => sample('mu', new Normal(0.1, 0.01));
    // Paired keys: the guide draws the same mu for both, so the difference is only the subsampling noise.
    const M = 1500;
    const diffs = split(PRNGKey(9), M).map((k) =>
      tf.tidy(() => new TraceELBO().loss(k, {}, sub, g).dataSync()[0]! - new TraceELBO().loss(k, {}, full, g).dataSync()[0]!),
    );
    const { mean, variance } = meanVar(diffs);
    expect(mean).to.be.closeTo(0, 4 * Math.sqrt(variance / M));
    expect(variance).to.be.greaterThan(0);
    bigObs.dispose();
  });

  it('TraceMeanField_ELBO scales the closed-form KL of local latents by size / subsampleSize (plate of 4, subsample [1, 3])', () => {
    // z_i ~ N(0, 1) in a plate of 4, no data; q(z_i) = N(loc_i, 0.5). With the subsample [1, 3]
    // the loss is exactly (4/2) · (KL_1 + KL_3), KL(N(m, s) ‖ N(0, 1)) = −log s + (s² + m²)/2 − 1/2.
    const locs = [0.3, -1.2, 0.8, 2.0];
    const idx = [1, 3];
    const m = () => plate('data', 4, () => sample('z', new Normal(0, 1)), { subsample: idx });
    const g = () => {
      const loc = param('loc', tf.zeros([4]));
      plate('data', 4, (i) => sample('z', new Normal(tf.gather(loc, i), 0.5)), { subsample: idx });
    };
    const kl = (mu: number, s: number): number => -Math.log(s) + (s * s + mu * mu) / 2 - 0.5;
    const expected = 2 * (kl(locs[1]!, 0.5) + kl(locs[3]!, 0.5));
    const value = tf.tidy(() => {
      const loc = tf.tensor1d(locs);
      return new TraceMeanFieldELBO().loss(PRNGKey(0), { loc }, m, g).dataSync()[0]!;
    });
    expect(value).to.be.closeTo(expected, 1e-5 * Math.abs(expected) + 1e-6);
  });

  it('every estimator leaks no tensors', () => {
    for (const l of [new TraceELBO(), new TraceMeanFieldELBO(), new RenyiELBO(), new TraceELBO({ numParticles: 3, vectorizeParticles: true })]) {
      tf.tidy(() => l.loss(PRNGKey(0), PARAMS, model, guide)).dispose();
      expectNoTensorLeak(() => tf.tidy(() => l.loss(PRNGKey(1), PARAMS, model, guide)).dispose());
    }
  });

  it('checks the model/guide pair', () => {
    const g = () => sample('nu', new Normal(0, 1));
    expectVinferError(() => new TraceELBO().loss(PRNGKey(0), {}, model, g), ModelError, "'nu'");
  });
});

describe('Trace_ELBO score function under subsampling', () => {
  it('gives an unbiased gradient for local Bernoulli latents in a subsampled plate (N=6, subsample 2)', () => {
    // z_i ~ Bernoulli(0.4), x_i ~ N(z_i, 1); guide q(z_i = 1) = sigmoid(theta_i). The ELBO is a sum
    // over data points, so its exact gradient for theta_i is the single-point one.
    const xs = [0.1, 1.3, -0.4, 0.9, 2.0, 0.5];
    const thetas = [0.3, -0.2, 0.8, 0.0, -0.5, 0.4];
    const xT = tf.tensor1d(xs);
    const m = () =>
      plate('data', 6, (idx) => {
        const z = sample('z', new Bernoulli(0.4));
        sample('x', new Normal(z, 1), { obs: tf.gather(xT, idx) });
      }, { subsampleSize: 2 });
    const g = () => {
      const theta = param('theta', tf.zeros([6]));
      plate('data', 6, (idx) => sample('z', new Bernoulli({ logits: tf.gather(theta, idx) })), { subsampleSize: 2 });
    };
    const logN = (x: number, mu: number) => -0.5 * Math.log(2 * Math.PI) - 0.5 * (x - mu) ** 2;
    const pointElbo = (t: number, x: number) => {
      const q1 = 1 / (1 + Math.exp(-t));
      return q1 * (Math.log(0.4) + logN(x, 1) - Math.log(q1)) + (1 - q1) * (Math.log(0.6) + logN(x, 0) - Math.log(1 - q1));
    };
    const h = 1e-5;
    const exact = thetas.map((t, i) => -(pointElbo(t + h, xs[i]!) - pointElbo(t - h, xs[i]!)) / (2 * h));
    const loss = new TraceELBO();
    const M = 6000;
    const sums = new Float64Array(6);
    const sq = new Float64Array(6);
    for (const k of split(PRNGKey(21), M)) {
      const gr = tf.tidy(() => tf.grad((t: tf.Tensor) => loss.loss(k, { theta: t }, m, g))(tf.tensor1d(thetas)).dataSync());
      for (let i = 0; i < 6; i++) {
        sums[i] = sums[i]! + gr[i]!;
        sq[i] = sq[i]! + gr[i]! ** 2;
      }
    }
    for (let i = 0; i < 6; i++) {
      const mean = sums[i]! / M;
      const se = Math.sqrt((sq[i]! / M - mean * mean) / M);
      expect(mean, `theta_${i}`).to.be.closeTo(exact[i]!, 4 * se + 1e-3);
    }
    xT.dispose();
  });
});

describe('every built-in loss respects the scale and mask handlers', () => {
  // mu ~ N(0, 1); x_i ~ N(mu, 1) observed, the likelihood wrapped in a handler. For one key the
  // guide draws the same mu in every variant, so the estimates differ only by the likelihood term:
  // loss = −(log p(mu) + c · Σ log p(x_i | mu) − log q(mu)), exactly linear in the weight c when
  // one particle is used (RenyiELBO with one particle is Trace_ELBO's estimate).
  const makeModel = (wrap: (f: () => void) => () => void) => () => {
    const mu = sample('mu', new Normal(0, 1));
    wrap(() => plate('data', DATA.length, () => sample('x', new Normal(mu, 1), { obs })))();
  };
  const losses = (numParticles: number): [string, ELBO][] => [
    ['Trace_ELBO', new TraceELBO({ numParticles })],
    ['TraceMeanField_ELBO', new TraceMeanFieldELBO({ numParticles })],
    ['RenyiELBO', new RenyiELBO({ numParticles })],
    ['TraceGraph_ELBO', new TraceGraphELBO({ numParticles })],
    ['TraceEnum_ELBO', new TraceEnumELBO({ numParticles })],
  ];
  const value = (loss: ELBO, m: () => void, k: number): number => tf.tidy(() => loss.loss(PRNGKey(k), PARAMS, m, guide).dataSync()[0]!);

  for (const [name, loss] of losses(1)) {
    it(`${name}: scale(likelihood, 3) triples the likelihood term; mask(likelihood, false) removes it (one particle, 3 keys)`, () => {
      for (const k of [31, 32, 33]) {
        const unit = value(loss, makeModel((f) => f), k);
        const tripled = value(loss, makeModel((f) => scale(f, 3)), k);
        const masked = value(loss, makeModel((f) => mask(f, false)), k);
        // The likelihood term is ~ −10 here; float32 sums of a few terms agree to ~1e-5 relative.
        expect(tripled - masked, `key ${k}`).to.be.closeTo(3 * (unit - masked), 1e-3);
        expect(unit - masked, `key ${k}: the likelihood term is not zero`).to.be.greaterThan(1);
      }
    });
  }

  for (const [name, loss] of losses(2)) {
    it(`${name}: a [1, 0, 1, 0, 1] mask gives the loss of the model that observes only x_0, x_2, x_4 (two particles)`, () => {
      const keep = [0, 2, 4];
      const sub = tf.keep(tf.tensor1d(keep.map((i) => DATA[i]!)));
      const subset = () => {
        const mu = sample('mu', new Normal(0, 1));
        plate('data', keep.length, () => sample('x', new Normal(mu, 1), { obs: sub }));
      };
      const m = tf.keep(tf.tensor1d([1, 0, 1, 0, 1], 'bool'));
      const masked = value(loss, makeModel((f) => mask(f, m)), 34);
      expect(masked).to.be.closeTo(value(loss, subset, 34), 1e-4);
      tf.dispose([sub, m]);
    });
  }
});
