import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { Multinomial } from '../../src/distributions/multinomial.js';
import { ValueError } from '../../src/kernel/errors.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';
import { K, column, expectMatchesPmf, expectMoments, logFactorialRef } from './discrete-helpers.js';

const SEED = 8001;
function logPmf(n: number, p: number[], x: number[]): number {
  return logFactorialRef(n) + x.reduce((a, xi, i) => a + (xi === 0 ? 0 : xi * Math.log(p[i]!)) - logFactorialRef(xi), 0);
}

describe('Multinomial', () => {
  const P = [
    [0.2, 0.3, 0.5],
    [0.6, 0, 0.4],
  ];

  it('has event shape [K] and batch broadcast(totalCount.shape, probs.shape[:-1])', () => {
    const d = new Multinomial([5, 8], P);
    expect(d.batchShape).to.deep.equal([2]);
    expect(d.eventShape).to.deep.equal([3]);
    expect(new Multinomial([[4], [6]], P).batchShape).to.deep.equal([2, 2]);
    expect(d.sample(PRNGKey(1), [7]).shape).to.deep.equal([7, 2, 3]);
    expectVinferError(() => new Multinomial([1, 2, 3], P), ValueError, 'Multinomial', 'do not broadcast');
  });

  it('logProb equals log n! + Σ (x log p - log x!), probs and logits', () => {
    const x = [
      [1, 1, 3],
      [5, 0, 3],
    ];
    const want = [logPmf(5, P[0]!, x[0]!), logPmf(8, P[1]!, x[1]!)];
    expectClose(new Multinomial([5, 8], P).logProb(x), want, { atol: 1e-5, rtol: 1e-5 });
    const logits = P.map((r) => r.map((p) => Math.log(p) + 1));
    expectClose(new Multinomial([5, 8], { logits }).logProb(x), want, { atol: 1e-5, rtol: 1e-5 });
    // A count in a zero-probability category is impossible.
    expectClose(new Multinomial(2, [0.5, 0, 0.5]).logProb([1, 1, 0]), -Infinity);
  });

  it('logProb is differentiable: d/dlogits = x - n softmax(logits)', () => {
    const l = [0.2, -0.5, 1];
    const g = tf.grad((t: tf.Tensor) => tf.sum(new Multinomial(6, { logits: t }).logProb([1, 2, 3])))(tf.tensor1d(l));
    const z = l.reduce((a, v) => a + Math.exp(v), 0);
    expectClose(g, l.map((v, i) => [1, 2, 3][i]! - (6 * Math.exp(v)) / z), { atol: 1e-5 });
  });

  it('rejects counts that do not sum to n or are not integers, or gives -Infinity without validation', () => {
    const d = new Multinomial(4, [0.5, 0.5]);
    expectVinferError(() => d.logProb([1, 2]), ValueError, 'Multinomial.logProb', 'multinomial(4)');
    expectVinferError(() => d.logProb([1.5, 2.5]), ValueError, 'Multinomial.logProb');
    expectVinferError(() => d.logProb([-1, 5]), ValueError, 'Multinomial.logProb');
    const lp = new Multinomial(4, [0.5, 0.5], { validateArgs: false }).logProb([
      [1, 2],
      [-1, 5],
      [2, 2],
    ]);
    expectClose(lp, [-Infinity, -Infinity, Math.log(6 / 16)], { rtol: 1e-5 });
  });

  it('rejects bad totalCount and probs, naming the argument', () => {
    expectVinferError(() => new Multinomial(-2, [0.5, 0.5]), ValueError, 'Multinomial', "'totalCount'");
    expectVinferError(() => new Multinomial(2.5, [0.5, 0.5]), ValueError, 'Multinomial', "'totalCount'");
    expectVinferError(() => new Multinomial(3, [0.5, 0.6]), ValueError, 'Multinomial', "'probs'", 'simplex');
  });

  it('mean n p and variance n p (1 - p)', () => {
    const d = new Multinomial([5, 8], P);
    expectClose(d.mean, [1, 1.5, 2.5, 4.8, 0, 3.2], { rtol: 1e-6 });
    expectClose(d.variance, P.flatMap((r, i) => r.map((p) => [5, 8][i]! * p * (1 - p))), { rtol: 1e-5, atol: 1e-7 });
  });

  const N = 20_000;
  it(`each count has Binomial(n, p_k) moments and frequencies; counts sum to n (N=${N}, k=${K}; chi-square at 1e-4)`, () => {
    const ns = [5, 40];
    const data = new Multinomial(ns, { logits: P.map((r) => r.map((p) => Math.log(p))) }).sample(PRNGKey(SEED), [N]).dataSync();
    let sumsOk = true;
    for (let i = 0; i < N * 2; i++) if (data[i * 3]! + data[i * 3 + 1]! + data[i * 3 + 2]! !== ns[i % 2]) sumsOk = false;
    expect(sumsOk, 'every draw sums to totalCount').to.equal(true);
    for (let r = 0; r < 2; r++) {
      const n = ns[r]!;
      for (let c = 0; c < 3; c++) {
        const p = P[r]![c]!;
        const counts = column(data, 6, r * 3 + c);
        expectMoments(counts, n * p, n * p * (1 - p), `row ${r} cat ${c}`);
        const binom = (k: number) =>
          k > n ? 0 : Math.exp(logFactorialRef(n) - logFactorialRef(k) - logFactorialRef(n - k)) * p ** k * (1 - p) ** (n - k);
        expectMatchesPmf(counts, binom, n, `row ${r} cat ${c}`);
      }
    }
  });

  it('sample and logProb leak no tensors', () => {
    const d = new Multinomial(3, P);
    expectNoTensorLeak(() => {
      const x = d.sample(PRNGKey(2), [4]);
      tf.dispose([x, d.logProb(x), d.mean, d.variance]);
    });
  });
});
