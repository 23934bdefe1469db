/**
 * Checks shared by the continuous family specs: Monte Carlo moments, quantiles and entropy
 * within K standard errors, rsample gradients against finite differences, shapes through the
 * wrappers (expand, toEvent, mask) and tensor leaks.
 *
 * Tolerance: K = 4 standard errors, a two-sided false-failure rate of ~6e-5 per assertion under
 * the normal approximation (STYLE.md 2.10); the checks pass for any seed at that rate.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { PRNGKey, normals, split } from '../../src/kernel/rng.js';
import type { Distribution } from '../../src/distributions/distribution.js';
import { ValueError } from '../../src/kernel/errors.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from './assert.js';
import { meanVar } from './stats.js';

export const K = 4;

/** Flat values of `n` draws of a scalar-batch distribution (batch shape []). */
export function draws(d: Distribution, seed: number, n: number): Float32Array {
  return tf.tidy(() => d.sample(PRNGKey(seed), [n]).dataSync() as Float32Array);
}

/**
 * Sample mean and variance of `n` draws against d.mean / d.variance. The variance's standard
 * error uses the excess kurtosis κ: Var(s²) ≈ σ⁴ (2/(n-1) + κ/n).
 */
export function checkMoments(d: Distribution, seed: number, n: number, excessKurtosis: number): void {
  const xs = draws(d, seed, n);
  const { mean, variance } = meanVar(xs);
  const [mu, sigma2] = tf.tidy(() => [d.mean.dataSync()[0]!, d.variance.dataSync()[0]!]);
  expect(mean, 'sample mean').to.be.closeTo(mu, K * Math.sqrt(sigma2 / n));
  const seVar = sigma2 * Math.sqrt(2 / (n - 1) + excessKurtosis / n);
  expect(variance, 'sample variance').to.be.closeTo(sigma2, K * seVar);
}

/**
 * For each q: the fraction of n draws below icdf(q) is q within K binomial standard errors
 * sqrt(q(1-q)/n), and cdf(icdf(q)) = q (float32 round trip).
 */
export function checkQuantiles(d: Distribution, seed: number, n: number, qs: number[] = [0.05, 0.25, 0.5, 0.75, 0.95]): void {
  const xs = draws(d, seed, n);
  tf.tidy(() => {
    const t = d.icdf(tf.tensor1d(qs)).dataSync();
    expectClose(d.cdf(tf.tensor1d(Array.from(t))), qs, { atol: 2e-6, rtol: 1e-5 });
    qs.forEach((q, i) => {
      let below = 0;
      for (const x of xs) if (x <= t[i]!) below++;
      expect(below / n, `fraction below icdf(${q})`).to.be.closeTo(q, K * Math.sqrt((q * (1 - q)) / n));
    });
  });
}

/** -mean(logProb(draws)) against entropy(), within K standard errors of that mean. */
export function checkEntropy(d: Distribution, seed: number, n: number): void {
  const { mean, variance } = tf.tidy(() => meanVar(d.logProb(d.sample(PRNGKey(seed), [n])).dataSync()));
  const h = tf.tidy(() => d.entropy().dataSync()[0]!);
  expect(-mean, 'Monte Carlo entropy').to.be.closeTo(h, K * Math.sqrt(variance / n) + 1e-6);
}

/**
 * Gradient of f(θ) = Σ w ⊙ rsample(key, [n]) (fixed key, fixed random weights w) with respect to
 * each parameter, against central finite differences of the same float32 function. With the key
 * fixed, draws are smooth functions of θ. Step h = 1e-2 (relative): truncation error O(h²) ~ 1e-4
 * relative, float32 rounding of f ~ 1e-7 |f| / h ~ 1e-5; tolerance 2e-3 covers both.
 */
export function checkRsampleGrad(make: (params: tf.Tensor[]) => Distribution, params: number[], seed: number, n = 16): void {
  tf.tidy(() => {
    const key = PRNGKey(seed);
    const w = tf.tensor1d(Float32Array.from(normals(split(key)[1]!, n)));
    const f = (ps: tf.Tensor[]): tf.Tensor => tf.sum(tf.mul(make(ps).rsample(key, [n]), w));
    const grads = tf.grads((...ps: tf.Tensor[]) => f(ps))(params.map((p) => tf.scalar(p)));
    params.forEach((p, i) => {
      const h = 1e-2 * Math.max(1, Math.abs(p));
      const at = (v: number): number => f(params.map((q, j) => tf.scalar(j === i ? v : q))).dataSync()[0]!;
      const fd = (at(p + h) - at(p - h)) / (2 * h);
      expectClose(grads[i]!, fd, { atol: 2e-3, rtol: 2e-3 });
    });
  });
}

/**
 * Shapes through sample/logProb for a distribution with batch shape [2, 3], its expand([4, 2, 3]),
 * toEvent(1) and mask(); `scalar` has batch shape []. logProb of toEvent is the sum of the base's.
 */
export function checkShapes(scalar: Distribution, batched: Distribution, seed: number): void {
  tf.tidy(() => {
    const key = PRNGKey(seed);
    expect(scalar.batchShape).to.deep.equal([]);
    expect(scalar.sample(key).shape).to.deep.equal([]);
    const s5 = scalar.sample(key, [5]);
    expect(s5.shape).to.deep.equal([5]);
    expect(scalar.logProb(s5).shape).to.deep.equal([5]);

    expect(batched.batchShape).to.deep.equal([2, 3]);
    expect(batched.eventShape).to.deep.equal([]);
    const b = batched.sample(key, [7]);
    expect(b.shape).to.deep.equal([7, 2, 3]);
    const lp = batched.logProb(b);
    expect(lp.shape).to.deep.equal([7, 2, 3]);

    const ex = batched.expand([4, 2, 3]);
    expect(ex.batchShape).to.deep.equal([4, 2, 3]);
    const exs = ex.sample(key, [5]);
    expect(exs.shape).to.deep.equal([5, 4, 2, 3]);
    expect(ex.logProb(exs).shape).to.deep.equal([5, 4, 2, 3]);
    expect(ex.hasRsample).to.equal(batched.hasRsample);

    const ind = batched.toEvent(1);
    expect(ind.batchShape).to.deep.equal([2]);
    expect(ind.eventShape).to.deep.equal([3]);
    expect(ind.sample(key, [7]).shape).to.deep.equal([7, 2, 3]);
    expectClose(ind.logProb(b), tf.sum(lp, -1), { atol: 1e-4, rtol: 1e-5 });

    const masked = batched.mask(tf.tensor1d([1, 0, 1]));
    const mlp = masked.logProb(b);
    expect(mlp.shape).to.deep.equal([7, 2, 3]);
    expectClose(mlp, tf.mul(lp, tf.tensor1d([1, 0, 1])), { atol: 1e-6, rtol: 1e-6 });
    expect(masked.sample(key, [7]).shape).to.deep.equal([7, 2, 3]);
  });
}

/** sample, rsample (when available), logProb and the moment methods release every intermediate. */
export function checkNoLeak(d: Distribution, value: tf.Tensor, methods: ('mean' | 'variance' | 'entropy' | 'cdf' | 'icdf')[]): void {
  const q = tf.scalar(0.3);
  expectNoTensorLeak(() => {
    const out: tf.Tensor[] = [d.sample(PRNGKey(1), [3]), d.logProb(value)];
    if (d.hasRsample) out.push(d.rsample(PRNGKey(2), [3]));
    for (const m of methods) {
      if (m === 'mean') out.push(d.mean);
      else if (m === 'variance') out.push(d.variance);
      else if (m === 'entropy') out.push(d.entropy());
      else if (m === 'cdf') out.push(d.cdf(value));
      else out.push(d.icdf(q));
    }
    tf.dispose(out);
  });
  q.dispose();
}

/** What a continuous family spec declares; describeFamily turns it into the standard checks. */
export interface FamilyCase {
  /** Class name, as errors name it. */
  family: string;
  /** A distribution with batch shape [] used for the Monte Carlo checks. */
  scalar: () => Distribution;
  /** The same family with batch shape [2, 3]. */
  batched: () => Distribution;
  /** logProb of `values` (shape [n]) under a distribution with batch [n], and the double-precision closed form. */
  logProb: { dist: () => Distribution; values: number[]; expected: number[] };
  /** Moment check with the family's excess kurtosis; omitted for families without finite variance. */
  moments?: { excessKurtosis: number };
  quantiles?: boolean;
  entropy?: boolean;
  /** Parameters (as scalars) for the rsample gradient check. */
  rsample?: { make: (params: tf.Tensor[]) => Distribution; params: number[] };
  /** Constructions that must fail, with message fragments (family and argument). */
  invalid: { make: () => unknown; fragments: string[] }[];
  /** A value outside the support of `scalar()`, and the support's name. */
  outside?: { value: number; support: string };
  /** Methods with closed forms that the leak check calls. */
  methods: ('mean' | 'variance' | 'entropy' | 'cdf' | 'icdf')[];
  seed: number;
}

/** Monte Carlo sample size for the statistical checks. */
export const N_MC = 20_000;

export function describeFamily(c: FamilyCase): void {
  describe(`${c.family} (standard checks)`, () => {
    it('logProb matches the closed form computed in double precision', () => {
      tf.tidy(() => expectClose(c.logProb.dist().logProb(tf.tensor1d(c.logProb.values)), c.logProb.expected, { atol: 2e-5, rtol: 2e-5 }));
    });
    if (c.moments !== undefined) {
      const kurt = c.moments.excessKurtosis;
      it(`sample mean and variance match mean/variance within ${K} standard errors (N=${N_MC})`, () => {
        checkMoments(c.scalar(), c.seed, N_MC, kurt);
      });
    }
    if (c.quantiles === true) {
      it(`cdf(icdf(q)) = q, and draws fall below icdf(q) with frequency q within ${K} SE (N=${N_MC})`, () => {
        checkQuantiles(c.scalar(), c.seed + 1, N_MC);
      });
    }
    if (c.entropy === true) {
      it(`entropy matches -E[logProb] within ${K} standard errors (N=${N_MC})`, () => {
        checkEntropy(c.scalar(), c.seed + 2, N_MC);
      });
    }
    if (c.rsample !== undefined) {
      const r = c.rsample;
      it('rsample gradients match central finite differences', () => {
        expect(c.scalar().hasRsample).to.equal(true);
        checkRsampleGrad(r.make, r.params, c.seed + 3);
      });
    }
    it('keeps sample/batch/event shapes through expand, toEvent and mask', () => {
      checkShapes(c.scalar(), c.batched(), c.seed + 4);
    });
    for (const bad of c.invalid) {
      it(`rejects invalid arguments with a ValueError naming ${bad.fragments.join(' and ')}`, () => {
        expectVinferError(bad.make, ValueError, ...bad.fragments);
      });
    }
    if (c.outside !== undefined) {
      const o = c.outside;
      it(`rejects logProb(${o.value}) outside the support ${o.support}`, () => {
        tf.tidy(() => {
          expectVinferError(() => c.scalar().logProb(tf.scalar(o.value)), ValueError, `${c.family}.logProb`, o.support);
        });
      });
    }
    it('leaks no tensors in sample, rsample, logProb and the closed-form methods', () => {
      const d = c.scalar();
      const v = tf.tidy(() => d.sample(PRNGKey(5), [4]));
      checkNoLeak(d, v, c.methods);
      v.dispose();
    });
  });
}
