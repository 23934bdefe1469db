/**
 * The reference workloads of the benchmark (model, guide, optimiser, loss, steps), as described in
 * the project's benchmark notes: W1 coin, W2 linear regression (four guides), W3 logistic
 * regression (full batch, subsampled), W4 eight schools, W5 high-dimensional linear-Gaussian, W7
 * vectorised particles.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs';

import {
  AutoDelta,
  AutoLowRankMultivariateNormal,
  AutoMultivariateNormal,
  AutoNormal,
  initToValue,
} from '../src/guides/index.js';
import * as dist from '../src/distributions/index.js';
import { param, plate, sample } from '../src/kernel/primitives.js';
import type { ModelFn } from '../src/guides/guide.js';
import type { ELBO } from '../src/losses/elbo.js';
import { TraceELBO } from '../src/losses/trace-elbo.js';
import { Adam } from '../src/optim/adam.js';
import type { Optimizer } from '../src/optim/optimizer.js';

const DATA = fileURLToPath(new URL('../examples/data/', import.meta.url));

export interface Workload {
  id: string;
  label: string;
  /** Pyro 1.8.6 ms per step on the reference machine (benchmark notes). */
  pyroMs: number;
  /** Steps of the reference optimisation loop. */
  steps: number;
  build(): { model: ModelFn; guide: ModelFn | { forward: ModelFn }; optim: Optimizer; loss: ELBO; args: unknown[] };
}

function coin(): ReturnType<Workload['build']> {
  const data = tf.keep(tf.tensor1d([1, 1, 1, 1, 1, 1, 0, 0, 0, 0]));
  const model = () => {
    const f = sample('latent_fairness', new dist.Beta(10, 10));
    plate('data', 10, () => sample('obs', new dist.Bernoulli(f), { obs: data }));
  };
  const guide = () => {
    const a = param('alpha_q', 15, { constraint: dist.constraints.positive });
    const b = param('beta_q', 15, { constraint: dist.constraints.positive });
    sample('latent_fairness', new dist.Beta(a, b));
  };
  return { model, guide, optim: new Adam({ lr: 5e-4, betas: [0.9, 0.999] }), loss: new TraceELBO(), args: [] };
}

function linreg() {
  const d = JSON.parse(readFileSync(`${DATA}linreg10.json`, 'utf8')) as { x: number[]; y: number[] };
  const x = tf.keep(tf.tensor1d(d.x));
  const y = tf.keep(tf.tensor1d(d.y));
  const model = () => {
    const w = sample('w', new dist.Normal(0, 10));
    const b = sample('b', new dist.Normal(0, 10));
    const s = sample('s', new dist.HalfCauchy(10));
    plate('data', d.x.length, () => sample('y', new dist.Normal(tf.add(tf.mul(x, w), b), s), { obs: y }));
  };
  return { model };
}

function linregHand(): ReturnType<Workload['build']> {
  const { model } = linreg();
  const pos = dist.constraints.positive;
  const guide = () => {
    sample('w', new dist.Normal(param('w_loc', 0), param('w_scale', 0.1, { constraint: pos })));
    sample('b', new dist.Normal(param('b_loc', 0), param('b_scale', 0.1, { constraint: pos })));
    sample('s', new dist.LogNormal(param('s_loc', 0), param('s_scale', 0.1, { constraint: pos })));
  };
  return { model, guide, optim: new Adam({ lr: 0.01 }), loss: new TraceELBO(), args: [] };
}

function linregAuto(kind: 'delta' | 'mvn' | 'normal' | 'normal10'): ReturnType<Workload['build']> {
  const { model } = linreg();
  const guide =
    kind === 'delta'
      ? new AutoDelta(model, { initLocFn: initToValue({ values: { w: 0, b: 0, s: 1 } }) })
      : kind === 'mvn'
        ? new AutoMultivariateNormal(model)
        : new AutoNormal(model);
  const loss = kind === 'normal10' ? new TraceELBO({ numParticles: 10, vectorizeParticles: true }) : new TraceELBO();
  return { model, guide, optim: new Adam({ lr: 0.01 }), loss, args: [] };
}

function logreg(subsampleSize?: number): ReturnType<Workload['build']> {
  const d = JSON.parse(readFileSync(`${DATA}logreg_10000x20.json`, 'utf8')) as { X: number[]; y: number[]; shape: [number, number] };
  const [n, p] = d.shape;
  const X = tf.keep(tf.tensor2d(d.X, [n, p]));
  const Y = tf.keep(tf.tensor1d(d.y));
  const model = () => {
    const beta = sample('beta', new dist.Normal(tf.zeros([p]), 1).toEvent(1));
    const b = sample('b', new dist.Normal(0, 5));
    plate(
      'data',
      n,
      (idx) => {
        const xs = subsampleSize ? tf.gather(X, idx) : X;
        const ys = subsampleSize ? tf.gather(Y, idx) : Y;
        const logits = tf.add(tf.squeeze(tf.matMul(xs, tf.reshape(beta, [p, 1])), [1]), b);
        sample('y', new dist.Bernoulli({ logits }), { obs: ys });
      },
      subsampleSize ? { subsampleSize } : {},
    );
  };
  return { model, guide: new AutoNormal(model), optim: new Adam({ lr: 0.01 }), loss: new TraceELBO(), args: [] };
}

function eightSchools(kind: 'normal' | 'mvn'): ReturnType<Workload['build']> {
  const y = tf.keep(tf.tensor1d([28, 8, -3, 7, -1, 1, 18, 12]));
  const sigma = tf.keep(tf.tensor1d([15, 10, 16, 11, 9, 11, 10, 18]));
  const model = () => {
    const mu = sample('mu', new dist.Normal(0, 5));
    const tau = sample('tau', new dist.HalfCauchy(5));
    plate('schools', 8, () => {
      const th = sample('theta_tilde', new dist.Normal(0, 1));
      sample('y', new dist.Normal(tf.add(mu, tf.mul(tau, th)), sigma), { obs: y });
    });
  };
  const guide = kind === 'normal' ? new AutoNormal(model) : new AutoMultivariateNormal(model);
  return { model, guide, optim: new Adam({ lr: 0.01 }), loss: new TraceELBO(), args: [] };
}

function highdim(kind: 'normal' | 'lowrank'): ReturnType<Workload['build']> {
  const buf = readFileSync(`${DATA}highdim_500x1000.f32`);
  const f = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const A = tf.keep(tf.tensor2d(f.slice(0, 500 * 1000), [500, 1000]));
  const y = tf.keep(tf.tensor1d(f.slice(500 * 1000, 500 * 1000 + 500)));
  const model = () => {
    const z = sample('z', new dist.Normal(tf.zeros([1000]), 1).toEvent(1));
    const mean = tf.squeeze(tf.matMul(A, tf.reshape(z, [1000, 1])), [1]);
    plate('data', 500, () => sample('y', new dist.Normal(mean, 0.5), { obs: y }));
  };
  const guide = kind === 'normal' ? new AutoNormal(model) : new AutoLowRankMultivariateNormal(model, { rank: 10 });
  return { model, guide, optim: new Adam({ lr: 0.01 }), loss: new TraceELBO(), args: [] };
}

export const WORKLOADS: Workload[] = [
  { id: 'W1', label: 'coin (plate), hand-written Beta guide', pyroMs: 1.14, steps: 2000, build: coin },
  { id: 'W2a', label: 'linear regression, hand-written guide', pyroMs: 1.78, steps: 1000, build: linregHand },
  { id: 'W2b', label: 'linear regression, AutoDelta', pyroMs: 1.29, steps: 300, build: () => linregAuto('delta') },
  { id: 'W2c', label: 'linear regression, AutoMultivariateNormal', pyroMs: 2.05, steps: 4000, build: () => linregAuto('mvn') },
  { id: 'W2d', label: 'linear regression, AutoNormal', pyroMs: 2.11, steps: 2000, build: () => linregAuto('normal') },
  { id: 'W3a', label: 'logistic regression 10000x20, AutoNormal, full batch', pyroMs: 1.88, steps: 1000, build: () => logreg() },
  { id: 'W3b', label: 'logistic regression, AutoNormal, subsample 256', pyroMs: 1.7, steps: 1000, build: () => logreg(256) },
  { id: 'W4a', label: 'eight schools, AutoNormal', pyroMs: 2.22, steps: 5000, build: () => eightSchools('normal') },
  { id: 'W4b', label: 'eight schools, AutoMultivariateNormal', pyroMs: 2.05, steps: 5000, build: () => eightSchools('mvn') },
  { id: 'W5a', label: 'high-dim linear-Gaussian, AutoNormal', pyroMs: 1.47, steps: 500, build: () => highdim('normal') },
  { id: 'W5b', label: 'high-dim linear-Gaussian, AutoLowRankMVN(10)', pyroMs: 2.35, steps: 500, build: () => highdim('lowrank') },
  { id: 'W7', label: 'W2d with 10 vectorised particles', pyroMs: 2.44, steps: 2000, build: () => linregAuto('normal10') },
];
