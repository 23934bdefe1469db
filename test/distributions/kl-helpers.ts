/** Monte Carlo checks of closed-form KL divergences, shared by the KL specs. */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import type { Distribution } from '../../src/distributions/distribution.js';
import { klDivergence } from '../../src/distributions/kl.js';
import { type PRNGKey, uniforms } from '../../src/kernel/rng.js';

/** Tolerance in Monte Carlo standard errors (two-sided false-failure rate ~6e-5 per element). */
export const K_SE = 4;
/** Draws per Monte Carlo estimate. */
export const N_MC = 20_000;

/**
 * Checks klDivergence(p, q) against the Monte Carlo mean of log p(x) - log q(x), x ~ p, per batch
 * element, within K_SE standard errors of that mean (plus a float32 allowance of 1e-5·(1 + |KL|)),
 * and checks that KL(p, p) = 0.
 */
export function expectKLMatchesMC(p: Distribution, q: Distribution, key: PRNGKey, label: string, n = N_MC): void {
  const { kl, est, se } = tf.tidy(() => {
    const x = p.sample(key, [n]);
    const d = tf.sub(p.logProb(x), q.logProb(x));
    const mean = tf.mean(d, 0);
    const sd = tf.sqrt(tf.div(tf.sum(tf.square(tf.sub(d, mean)), 0), n - 1));
    return { kl: Array.from(klDivergence(p, q).dataSync()), est: Array.from(mean.dataSync()), se: Array.from(sd.dataSync()).map((s) => s / Math.sqrt(n)) };
  });
  expect(kl.length, `${label}: KL size`).to.equal(est.length);
  kl.forEach((v, i) => {
    expect(Number.isFinite(v), `${label}[${i}] KL is finite (${v})`).to.equal(true);
    const tol = K_SE * se[i]! + 1e-5 * (1 + Math.abs(v));
    expect(v, `${label}[${i}]: closed form vs Monte Carlo ${est[i]} ± ${tol}`).to.be.closeTo(est[i]!, tol);
  });
  const self = tf.tidy(() => Array.from(klDivergence(p, p).dataSync()));
  self.forEach((v, i) => expect(Math.abs(v), `${label}[${i}]: KL(p, p)`).to.be.at.most(2e-5));
}

/** `n` numbers uniform on [lo, hi) from `key` (seeded test parameters). */
export function seededUniform(key: PRNGKey, n: number, lo: number, hi: number): number[] {
  return Array.from(uniforms(key, n), (u) => lo + (hi - lo) * u);
}

/** `rows` random points of the (k-1)-simplex from `key`, each component at least `floor`. */
export function seededSimplex(key: PRNGKey, rows: number, k: number, floor = 0.02): number[][] {
  const u = seededUniform(key, rows * k, floor, 1);
  return Array.from({ length: rows }, (_, r) => {
    const row = u.slice(r * k, (r + 1) * k);
    const s = row.reduce((a, b) => a + b, 0);
    return row.map((x) => x / s);
  });
}

/**
 * Checks tf.grad of a scalar function against central finite differences (step 1e-2 in float32:
 * truncation error ~1e-4 times the third derivative, rounding ~1e-5, hence the 2e-3 tolerance).
 */
export function expectGradMatchesFD(f: (x: tf.Tensor) => tf.Tensor, x0: number[], label: string): void {
  const g = tf.tidy(() => Array.from(tf.grad(f)(tf.tensor1d(x0)).dataSync()));
  const h = 1e-2;
  x0.forEach((_, i) => {
    const at = (delta: number) => tf.tidy(() => f(tf.tensor1d(x0.map((v, j) => (j === i ? v + delta : v)))).dataSync()[0]!);
    const fd = (at(h) - at(-h)) / (2 * h);
    expect(g[i]!, `${label}: d/dx${i}`).to.be.closeTo(fd, 2e-3 * (1 + Math.abs(fd)));
  });
}
