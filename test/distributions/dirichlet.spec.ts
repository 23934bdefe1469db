import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { Dirichlet } from '../../src/distributions/dirichlet.js';
import { logStandardGammaRsample } from '../../src/distributions/gamma-sampler.js';
import { ValueError } from '../../src/kernel/errors.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';
import { expectMeanGradient, pathwiseGrads } from '../helpers/reparam.js';
import { digamma64, gammaDLogQuantile64, lgamma64 } from '../helpers/special-ref.js';
import { meanVar } from '../helpers/stats.js';

const K = 4; // standard errors: two-sided false-failure rate ~6e-5 per check
const N = 20_000;

const logNorm = (a: number[]): number => a.reduce((s, v) => s + lgamma64(v), 0) - lgamma64(a.reduce((s, v) => s + v, 0));
const logPdf = (a: number[], x: number[]): number => a.reduce((s, v, i) => s + (v - 1) * Math.log(x[i]!), 0) - logNorm(a);

describe('Dirichlet', () => {
  it('logProb matches the closed form computed in double precision, batched [2] x event [3]', () => {
    tf.tidy(() => {
      const a = [
        [1.5, 2, 0.5],
        [1, 1, 1],
      ];
      const x = [0.2, 0.5, 0.3];
      const d = new Dirichlet(a);
      expect(d.batchShape).to.deep.equal([2]);
      expect(d.eventShape).to.deep.equal([3]);
      expectClose(d.logProb(x), a.map((r) => logPdf(r, x)), { atol: 1e-6, rtol: 1e-6 });
    });
  });

  it('mean a/a0, variance a(a0 - a)/(a0^2 (a0 + 1)), entropy from the closed form', () => {
    tf.tidy(() => {
      const a = [2, 3, 5];
      const d = new Dirichlet(a);
      expectClose(d.mean, [0.2, 0.3, 0.5], { rtol: 1e-6 });
      expectClose(d.variance, a.map((v) => (v * (10 - v)) / (100 * 11)), { rtol: 1e-6 });
      const h = logNorm(a) + (10 - 3) * digamma64(10) - a.reduce((s, v) => s + (v - 1) * digamma64(v), 0);
      expectClose(d.entropy(), h, { atol: 1e-6, rtol: 1e-6 });
    });
  });

  it(`has component means and variances within ${K} standard errors, and entropy -E[logProb] (N=${N})`, () => {
    tf.tidy(() => {
      const a = [2, 3, 5];
      const d = new Dirichlet(a);
      const x = d.sample(PRNGKey(1601), [N]);
      expect(x.shape).to.deep.equal([N, 3]);
      const cols = tf.unstack(x, 1).map((c) => c.dataSync());
      a.forEach((ai, i) => {
        // The marginal of component i is Beta(ai, a0 - ai), whose excess kurtosis sets the SE of s^2.
        const [p, q] = [ai, 10 - ai];
        const v = (p * q) / (100 * 11);
        const kurt = (6 * ((p - q) ** 2 * (p + q + 1) - p * q * (p + q + 2))) / (p * q * (p + q + 2) * (p + q + 3));
        const { mean, variance } = meanVar(cols[i]!);
        expect(mean, `mean ${i}`).to.be.closeTo(ai / 10, K * Math.sqrt(v / N));
        expect(variance, `variance ${i}`).to.be.closeTo(v, K * v * Math.sqrt(2 / (N - 1) + kurt / N));
      });
      const lp = meanVar(d.logProb(x).dataSync());
      expect(-lp.mean, 'Monte Carlo entropy').to.be.closeTo(d.entropy().dataSync()[0]!, K * Math.sqrt(lp.variance / N));
    });
  });

  it(`has pathwise gradients with mean dE[x_0]/da_j = (delta_0j a0 - a_0)/a0^2 within ${K} SE (a = [0.6, 1.5, 3], N=${N})`, () => {
    const a = [0.6, 1.5, 3];
    const a0 = 5.1;
    const g = pathwiseGrads((t) => new Dirichlet(t), a, N, 1602, (x) => tf.slice(x, [0, 0], [-1, 1]));
    for (let j = 0; j < 3; j++) {
      const gj = Float32Array.from({ length: N }, (_, i) => g[i * 3 + j]!);
      expectMeanGradient(gj, ((j === 0 ? a0 : 0) - a[0]!) / a0 ** 2, `d/da_${j}`);
    }
  });

  it('differentiates a fixed draw like the inverse-CDF maps of its gamma draws (finite differences)', () => {
    tf.tidy(() => {
      const a = [0.3, 2, 4.5];
      const key = PRNGKey(1603);
      // The draw normalises exp(log G) for the log-gamma draws made with the same key.
      const logG = logStandardGammaRsample(key, tf.tensor1d(a), [3]).dataSync();
      const x = new Dirichlet(a).rsample(key).dataSync();
      const g = tf.grad((t: tf.Tensor) => tf.slice(new Dirichlet(t).rsample(key), [0], [1]))(tf.tensor1d(a));
      // dx_0/da_j = x_0 (delta_0j - x_j) d(log G_j)/da_j, each G_j held at its own CDF level.
      const want = a.map((aj, j) => x[0]! * ((j === 0 ? 1 : 0) - x[j]!) * gammaDLogQuantile64(aj, Math.exp(logG[j]!)));
      expectClose(g, want, { atol: 1e-7, rtol: 1e-5 });
    });
  });

  it('gives draws on the simplex with finite logProb for tiny concentrations (a = 0.01, N=2000), batched', () => {
    tf.tidy(() => {
      const d = new Dirichlet(tf.fill([2, 4], 0.01));
      const x = d.sample(PRNGKey(1604), [1000]);
      expect(x.shape).to.deep.equal([1000, 2, 4]);
      const sums = tf.sum(x, -1).dataSync();
      expect(sums.every((s) => Math.abs(s - 1) < 1e-6)).to.equal(true);
      expect(d.logProb(x).dataSync().every((v) => Number.isFinite(v))).to.equal(true);
      expect(d.expand([3, 2]).sample(PRNGKey(1), [5]).shape).to.deep.equal([5, 3, 2, 4]);
      expect(d.toEvent(1).logProb(x).shape).to.deep.equal([1000]);
    });
  });

  it('rejects bad concentrations and values off the simplex with ValueErrors naming Dirichlet', () => {
    expectVinferError(() => new Dirichlet([1, 0, 2]), ValueError, 'Dirichlet', "'concentration'", '> 0');
    expectVinferError(() => new Dirichlet(2), ValueError, 'Dirichlet', "'concentration'", '[]');
    tf.tidy(() => {
      expectVinferError(() => new Dirichlet([1, 2, 3]).logProb([0.5, 0.6, 0.1]), ValueError, 'Dirichlet.logProb', 'simplex');
    });
  });

  it('leaks no tensors in sample, logProb, moments and gradients', () => {
    const a = tf.tensor2d([
      [0.5, 1, 2],
      [3, 4, 5],
    ]);
    const d = new Dirichlet(a);
    const v = tf.tensor1d([0.2, 0.3, 0.5]);
    expectNoTensorLeak(() => {
      tf.dispose([d.sample(PRNGKey(1), [3]), d.logProb(v), d.mean, d.variance, d.entropy()]);
      tf.tidy(() => {
        tf.grad((t: tf.Tensor) => tf.sum(new Dirichlet(t).rsample(PRNGKey(2), [3])))(a);
        tf.grad((t: tf.Tensor) => tf.sum(new Dirichlet(t).logProb(v)))(a);
      });
    });
    tf.dispose([a, v]);
  });
});
