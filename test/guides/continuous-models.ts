/**
 * Models with closed-form posteriors shared by the specs of the guides over the flat latent
 * space, and a fitting helper.
 */
import * as tf from '@tensorflow/tfjs';

import { HalfNormal } from '../../src/distributions/half-normal.js';
import { Normal } from '../../src/distributions/normal.js';
import type { ModelFn } from '../../src/guides/guide.js';
import { plate, sample } from '../../src/kernel/primitives.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { SVI } from '../../src/kernel/svi.js';
import type { SVIState } from '../../src/kernel/svi-state.js';
import { TraceELBO } from '../../src/losses/trace-elbo.js';
import { Adam } from '../../src/optim/adam.js';
import type { Guide } from '../../src/guides/guide.js';
import type { LearningRate } from '../../src/optim/options.js';

/** Known observation noise and prior scale of the regression. */
export const SIGMA = 0.5;
export const TAU = 10;
/**
 * Ten inputs centred at 2 with spread ~0.6: far from 0 compared with their spread, so intercept
 * and slope are strongly (negatively) correlated a posteriori.
 */
export const XS = Array.from({ length: 10 }, (_, i) => 1.1 + (0.2 * i));
/** Fixed noise (a hand-picked list, so the data are the same everywhere). */
const NOISE = [0.31, -0.42, 0.12, 0.55, -0.18, -0.61, 0.27, 0.04, -0.33, 0.21];
/** y = 1 + 2x + noise. */
export const YS = XS.map((x, i) => 1 + 2 * x + NOISE[i]!);

/** a ~ N(0, τ²), b ~ N(0, τ²), y_i ~ N(a + b x_i, σ²). */
export function regression(x: tf.Tensor, y: tf.Tensor): void {
  const a = sample('a', new Normal(0, TAU));
  const b = sample('b', new Normal(0, TAU));
  plate('data', x.shape[0]!, () => sample('obs', new Normal(tf.add(a, tf.mul(b, x)), SIGMA), { obs: y }));
}

export interface Gaussian2 {
  readonly mean: [number, number];
  readonly sd: [number, number];
  readonly corr: number;
}

/**
 * The exact posterior of (a, b): precision Λ = I/τ² + XᵀX/σ² with X = [1, x], mean Λ⁻¹ Xᵀy/σ²
 * (conjugate Normal linear regression).
 */
export function exactRegressionPosterior(): Gaussian2 {
  const n = XS.length;
  const sx = XS.reduce((s, x) => s + x, 0);
  const sxx = XS.reduce((s, x) => s + x * x, 0);
  const sy = YS.reduce((s, y) => s + y, 0);
  const sxy = XS.reduce((s, x, i) => s + x * YS[i]!, 0);
  const s2 = SIGMA ** 2;
  const l00 = 1 / TAU ** 2 + n / s2;
  const l01 = sx / s2;
  const l11 = 1 / TAU ** 2 + sxx / s2;
  const det = l00 * l11 - l01 * l01;
  const [c00, c01, c11] = [l11 / det, -l01 / det, l00 / det];
  const [r0, r1] = [sy / s2, sxy / s2];
  return {
    mean: [c00 * r0 + c01 * r1, c01 * r0 + c11 * r1],
    sd: [Math.sqrt(c00), Math.sqrt(c11)],
    corr: c01 / Math.sqrt(c00 * c11),
  };
}

/** The regression's data as tensors (the caller disposes them). */
export function regressionData(): [tf.Tensor, tf.Tensor] {
  return [tf.tensor1d(XS), tf.tensor1d(YS)];
}

/** A model with one positive latent: s ~ HalfNormal(1), obs_i ~ N(0, s²) for fixed data. */
export function positiveScale(y: tf.Tensor): void {
  const s = sample('s', new HalfNormal(1));
  const m = sample('m', new Normal(0, 1));
  plate('data', y.shape[0]!, () => sample('obs', new Normal(m, s), { obs: y }));
}
export const POSITIVE_DATA = [0.8, -1.3, 0.4, 2.1, -0.7, 1.5, -0.2, 0.9];

/** Fits `guide` with SVI + TraceELBO + Adam and returns the engine and final state. */
export function fit<A extends unknown[]>(
  model: ModelFn<A>,
  guide: Guide<A>,
  args: A,
  opts: { steps: number; lr: LearningRate; seed?: number; numParticles?: number },
): { svi: SVI<A>; state: SVIState } {
  const svi = new SVI(model, guide, new Adam({ lr: opts.lr }), new TraceELBO({ numParticles: opts.numParticles ?? 1 }));
  let state = svi.init(PRNGKey(opts.seed ?? 0), ...args);
  for (let i = 0; i < opts.steps; i++) [state] = svi.update(state, ...args);
  return { svi, state };
}
