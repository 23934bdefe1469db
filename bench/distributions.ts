/**
 * Distribution micro-benchmarks, ms per call (median of reps) on the cpu and wasm backends:
 * Normal.logProb over 1e6 values, MultivariateNormal(d=50).logProb over 1e4 points, and Gamma
 * rsample plus the gradient of the draws' sum with respect to the concentration for 1e5 draws.
 *   npx tsx bench/distributions.ts [--backends cpu,wasm] [--reps 5]
 */
import * as tf from '@tensorflow/tfjs';

import { Gamma, MultivariateNormal, Normal } from '../src/distributions/index.js';
import { setBackend } from '../src/kernel/backend.js';
import { PRNGKey, normal } from '../src/kernel/rng.js';
import '../src/index.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const backends = arg('backends', 'cpu,wasm').split(',');
const reps = Number(arg('reps', '5'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function time(f: () => void): number {
  f(); // warm-up
  const ts: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    f();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

const rows: Record<string, Record<string, number>> = {};
for (const backend of backends) {
  await setBackend(backend);
  const x = normal(PRNGKey(1), [1_000_000]);
  rows['Normal.logProb, 1e6 values'] ??= {};
  rows['Normal.logProb, 1e6 values']![backend] = time(() =>
    tf.tidy(() => {
      tf.sum(new Normal(0.3, 1.7).logProb(x)).dataSync();
    }),
  );
  const d = 50;
  const A = normal(PRNGKey(2), [d, d]);
  const cov = tf.tidy(() => tf.add(tf.div(tf.matMul(A, A, false, true), d), tf.mul(tf.eye(d), 0.5)));
  const pts = normal(PRNGKey(3), [10_000, d]);
  const mvn = new MultivariateNormal(tf.zeros([d]), { covarianceMatrix: cov });
  rows['MultivariateNormal(d=50).logProb, 1e4 points'] ??= {};
  rows['MultivariateNormal(d=50).logProb, 1e4 points']![backend] = time(() =>
    tf.tidy(() => {
      tf.sum(mvn.logProb(pts)).dataSync();
    }),
  );
  rows['Gamma(2.5, 1) rsample + gradient, 1e5 draws'] ??= {};
  rows['Gamma(2.5, 1) rsample + gradient, 1e5 draws']![backend] = time(() =>
    tf.tidy(() => {
      tf.grad((a: tf.Tensor) => tf.sum(new Gamma(a, 1).rsample(PRNGKey(4), [100_000])))(tf.scalar(2.5)).dataSync();
    }),
  );
  tf.dispose([x, A, cov, pts]);
}

console.log(`| benchmark | ${backends.map((b) => `${b} ms`).join(' | ')} |`);
console.log(`|---|${backends.map(() => '---').join('|')}|`);
for (const [name, r] of Object.entries(rows)) console.log(`| ${name} | ${backends.map((b) => r[b]?.toFixed(1) ?? '—').join(' | ')} |`);
