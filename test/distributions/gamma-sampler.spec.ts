import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { dLogGammaDraw, logStandardGammaRsample, standardGammaRsample } from '../../src/distributions/gamma-sampler.js';
import { ValueError } from '../../src/kernel/errors.js';
import { PRNGKey, split } from '../../src/kernel/rng.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';
import { digamma64, gammaDLogQuantile64, gammaQuantile64, trigamma64 } from '../helpers/special-ref.js';
import { meanVar } from '../helpers/stats.js';

const SEED = 314159; // fixed for reproducible CI; any seed must pass
const N = 20_000;
const K = 4; // standard errors: two-sided false-failure rate ~6e-5 per check

const fdLogQuantile = gammaDLogQuantile64;

describe('gamma sampler', () => {
  describe('dLogGammaDraw (implicit gradient, double precision)', () => {
    // Quantile levels across both tails and concentrations from 0.01 to 2e6 (the last uses the
    // Wilson–Hilferty map); the finite differences are accurate to ~1e-9.
    const cases: [number, number[]][] = [
      [0.01, [0.01, 0.5, 0.99, 1 - 1e-6]],
      [0.3, [1e-6, 0.2, 0.8, 1 - 1e-6]],
      [1, [1e-6, 0.5, 1 - 1e-6]],
      [7.5, [1e-6, 0.3, 0.7, 1 - 1e-6]],
      [1e4, [1e-6, 0.5, 1 - 1e-6]],
      [2e6, [0.01, 0.5, 0.99]],
    ];
    for (const [alpha, levels] of cases) {
      it(`matches finite differences of the inverse CDF for alpha = ${alpha}`, () => {
        for (const u of levels) {
          const z = u > 0.5 ? gammaQuantile64(alpha, 1 - u, true) : gammaQuantile64(alpha, u);
          const fd = fdLogQuantile(alpha, z);
          const tol = alpha > 1e6 ? 2e-7 : 1e-8;
          expect(dLogGammaDraw(alpha, Math.log(z)), `u = ${u}`).to.be.closeTo(fd, tol * (1 + Math.abs(fd)));
        }
      });
    }
  });

  describe('standardGammaRsample', () => {
    for (const alpha of [0.3, 1, 4.5]) {
      it(`has mean and variance alpha = ${alpha} within ${K} standard errors (N=${N})`, () => {
        const z = tf.tidy(() => standardGammaRsample(PRNGKey(SEED), tf.scalar(alpha), [N]).dataSync());
        const { mean, variance } = meanVar(z);
        expect(mean).to.be.closeTo(alpha, K * Math.sqrt(alpha / N));
        // Var(s^2) ~ (mu4 - sigma^4) / N with central fourth moment mu4 = 3 alpha^2 + 6 alpha.
        expect(variance).to.be.closeTo(alpha, K * Math.sqrt((2 * alpha * alpha + 6 * alpha) / N));
      });
    }

    for (const alpha of [0.05, 2]) {
      it(`has pathwise gradients averaging dE[z]/d alpha = 1 within ${K} standard errors (alpha = ${alpha}, N=${N})`, () => {
        const g = tf.tidy(() => {
          const a = tf.fill([N], alpha);
          return tf.grad((t: tf.Tensor) => tf.sum(standardGammaRsample(PRNGKey(SEED + 1), t, [N])))(a).dataSync();
        });
        const { mean, variance } = meanVar(g);
        expect(mean).to.be.closeTo(1, K * Math.sqrt(variance / N));
      });
    }

    it('gives, for fixed draws, the gradient of the inverse-CDF map (finite differences, 16 draws)', () => {
      for (const alpha of [0.05, 0.7, 3, 50]) {
        const a = tf.scalar(alpha);
        const z = standardGammaRsample(PRNGKey(SEED + 2), a, [4]).dataSync();
        for (let i = 0; i < 4; i++) {
          const dy = tf.tensor1d([0, 1, 2, 3].map((j) => (j === i ? 1 : 0)));
          const gi = tf.grads((t: tf.Tensor) => standardGammaRsample(PRNGKey(SEED + 2), t, [4]))([a], dy)[0]!.dataSync()[0]!;
          const fd = z[i]! * fdLogQuantile(alpha, z[i]!);
          expect(gi, `alpha = ${alpha}, draw ${i}`).to.be.closeTo(fd, 1e-5 * Math.abs(fd) + 1e-30);
        }
      }
    });

    it('is deterministic in the key, broadcasts alpha and sums its gradient over the sample dims', () => {
      const a = tf.tensor1d([0.5, 2, 9]);
      const x1 = standardGammaRsample(PRNGKey(SEED), a, [2, 3]);
      const x2 = standardGammaRsample(PRNGKey(SEED), a, [2, 3]);
      expectClose(x1, x2, { atol: 0, rtol: 0 });
      const [k1] = split(PRNGKey(SEED), 2);
      const x3 = standardGammaRsample(k1!, a, [2, 3]).dataSync();
      expect(Array.from(x3)).to.not.deep.equal(Array.from(x1.dataSync()));
      const g = tf.grad((t: tf.Tensor) => tf.sum(standardGammaRsample(PRNGKey(SEED), t, [2, 3])))(a);
      expect(g.shape).to.deep.equal([3]);
      const xs = x1.dataSync();
      // per-element gradients summed over the leading sample dim
      const want = [0, 1, 2].map((j) => [0, 1].reduce((s, i) => s + xs[i * 3 + j]! * dLogGammaDraw(a.dataSync()[j]!, Math.log(xs[i * 3 + j]!)), 0));
      expectClose(g, want, { rtol: 1e-5 });
    });

    it('returns NaN draws for alpha <= 0 and rejects shapes alpha does not broadcast to', () => {
      expectClose(standardGammaRsample(PRNGKey(1), tf.tensor1d([0, -1]), [2]), [NaN, NaN]);
      expectVinferError(() => standardGammaRsample(PRNGKey(1), tf.ones([3]), [4]), ValueError, 'standardGammaRsample', '[3]', '[4]');
    });
  });

  describe('logStandardGammaRsample', () => {
    it(`has E[log z] = digamma(alpha) within ${K} standard errors where draws underflow float32 (alpha = 0.01, N=${N})`, () => {
      const alpha = 0.01;
      const lz = tf.tidy(() => logStandardGammaRsample(PRNGKey(SEED + 3), tf.scalar(alpha), [N]).dataSync());
      expect(lz.every((v) => Number.isFinite(v))).to.equal(true);
      const { mean } = meanVar(lz);
      // Var(log z) = trigamma(alpha) for a Gamma(alpha) variable.
      expect(mean).to.be.closeTo(digamma64(alpha), K * Math.sqrt(trigamma64(alpha) / N));
    });

    it('gives the logs of the same draws as standardGammaRsample, with gradient d(log z)/d(alpha)', () => {
      const a = tf.tensor1d([0.4, 3]);
      const lz = logStandardGammaRsample(PRNGKey(SEED), a, [2]);
      expectClose(tf.exp(lz), standardGammaRsample(PRNGKey(SEED), a, [2]), { rtol: 1e-6 });
      const g = tf.grad((t: tf.Tensor) => tf.sum(logStandardGammaRsample(PRNGKey(SEED), t, [2])))(a);
      const l = lz.dataSync();
      expectClose(g, [dLogGammaDraw(0.4, l[0]!), dLogGammaDraw(3, l[1]!)], { rtol: 1e-5 });
    });
  });

  it('leaks no tensors in draws and gradients', () => {
    const a = tf.tensor1d([0.5, 3]);
    expectNoTensorLeak(() => {
      standardGammaRsample(PRNGKey(1), a, [4, 2]).dispose();
      logStandardGammaRsample(PRNGKey(1), a, [4, 2]).dispose();
      tf.tidy(() => {
        tf.grad((t: tf.Tensor) => tf.sum(standardGammaRsample(PRNGKey(1), t, [4, 2])))(a);
        tf.grad((t: tf.Tensor) => tf.sum(logStandardGammaRsample(PRNGKey(1), t, [4, 2])))(a);
      });
    });
    a.dispose();
  });
});
