/**
 * The Gaussian N(loc, diag(s) (W Wᵀ + I) diag(s)) in the parameterisation of
 * AutoLowRankMultivariateNormal (covariance factor s ⊙ W, diagonal s²): its reparameterised draw
 * x = loc + s ⊙ (W ε₁ + ε₂) and the log-density of exactly that draw, each as one fused op.
 * Parameters have no batch dims: loc [d], W [d, r], s [d]; n draws share them.
 *
 * At its own draw the density needs no subtraction of loc: (x − loc)/s = y = W ε₁ + ε₂, and with
 * C = I + WᵀW (s cancels from the capacitance), g = Wᵀy and c = C⁻¹g,
 *   log q = −½ (|y|² − gᵀc) − Σ log s − ½ log det C − (d/2) log 2π.
 * As a function of (W, s) with the noise fixed this is log q(x(loc, W, s); loc, W, s), so its
 * derivatives are the total ones a reparameterised ELBO takes: with β = y − W c (= (WWᵀ + I)⁻¹y),
 *   ∂/∂W = β (c − ε₁)ᵀ − W C⁻¹,   ∂/∂s = −1/s,   ∂/∂loc = 0,
 * and it has no derivative in x itself (the draw's own backward pass carries what the model
 * sends to x). Forward passes are double-precision loops over the data; the backward passes use
 * the forward's constants unless a tape records them (nested gradients), in which case they are
 * recomputed from the inputs with differentiable ops.
 */
import * as tf from '@tensorflow/tfjs';

import { customOp } from './grad-utils.js';
import { cholesky, choleskyInverse } from './linalg.js';
import { addColumns, capacitance, choleskyInPlace, choleskySolveInPlace, columnDots, columnsOf, halfLogDet, inverseFromCholesky } from './low-rank-js.js';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** The standard normal noise of n draws: ε₁ of shape [n, r] and ε₂ of shape [n, d], row-major. */
export interface LowRankNoise {
  readonly eps1: Float32Array;
  readonly eps2: Float32Array;
  readonly n: number;
}

/** y = W ε₁ + ε₂ for each draw, [n, d] row-major. */
function noiseImage(wv: ArrayLike<number>, noise: LowRankNoise, d: number, r: number): Float64Array {
  const { eps1, eps2, n } = noise;
  const y = new Float64Array(n * d);
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < d; i++) {
      let t = eps2[k * d + i]!;
      for (let p = 0; p < r; p++) t += wv[i * r + p]! * eps1[k * r + p]!;
      y[k * d + i] = t;
    }
  }
  return y;
}

/** The draws' y as a tensor [n, d]: a constant, or (under a recording tape) differentiable in W. */
function noiseImageTensor(w: tf.Tensor, noise: LowRankNoise, y: Float64Array | null, d: number, r: number): tf.Tensor {
  const { n } = noise;
  if (y !== null) return tf.tensor2d(Float32Array.from(y), [n, d]);
  return tf.add(tf.matMul(tf.tensor2d(noise.eps1, [n, r]), w, false, true), tf.tensor2d(noise.eps2, [n, d]));
}

/**
 * The draws loc + s ⊙ (W ε₁ + ε₂), shape `shape` (= [...sampleShape, d]). Backward:
 * ∂loc = Σ dx, ∂s = Σ dx ⊙ y, ∂W = Σ (dx ⊙ s) ε₁ᵀ.
 */
export function scaledLowRankDraw(loc: tf.Tensor, w: tf.Tensor, s: tf.Tensor, noise: LowRankNoise, shape: readonly number[]): tf.Tensor {
  const [d, r] = w.shape as [number, number];
  const { n } = noise;
  const op = customOp((l: tf.Tensor, wt: tf.Tensor, st: tf.Tensor) => {
    const y = noiseImage(wt.dataSync(), noise, d, r);
    const lv = l.dataSync();
    const sv = st.dataSync();
    const out = new Float32Array(n * d);
    for (let k = 0; k < n; k++) for (let i = 0; i < d; i++) out[k * d + i] = lv[i]! + sv[i]! * y[k * d + i]!;
    return {
      value: tf.tensor(out, [...shape], 'float32'),
      gradFunc: (dx, [, ws, ss]) => {
        const dx2 = tf.reshape(dx, [n, d]);
        const yt = noiseImageTensor(ws!, noise, tf.engine().isTapeOn() ? null : y, d, r);
        const dloc = n === 1 ? tf.reshape(dx, [d]) : tf.sum(dx2, 0);
        const ds = n === 1 ? tf.reshape(tf.mul(dx2, yt), [d]) : tf.sum(tf.mul(dx2, yt), 0);
        const dw = tf.matMul(tf.mul(dx2, ss!), tf.tensor2d(noise.eps1, [n, r]), true, false);
        return [dloc, dw, ds];
      },
    };
  });
  return op(loc, w, s);
}

/** What the log-density's forward pass keeps for its backward pass. */
interface DensityParts {
  readonly value: Float32Array;
  /** β = y − W c per draw, [n, d]. */
  readonly beta: Float32Array;
  /** c − ε₁ per draw, [n, r]. */
  readonly cMinusEps: Float32Array;
  /** C⁻¹, [r, r]. */
  readonly capInv: Float32Array;
}

function densityForward(wv: ArrayLike<number>, sv: ArrayLike<number>, noise: LowRankNoise, d: number, r: number, wShape: readonly number[]): DensityParts {
  const { n, eps1, eps2 } = noise;
  let logS = 0;
  for (let i = 0; i < d; i++) logS += Math.log(sv[i]!);
  const cols = columnsOf(wv, d, r);
  const l = capacitance(cols, d, r); // C = I + WᵀW (s cancels)
  choleskyInPlace(l, r, wShape, 'I + WᵀW');
  const halfLogDetC = halfLogDet(l, r);
  const value = new Float32Array(n);
  const beta = new Float32Array(n * d);
  const cMinusEps = new Float32Array(n * r);
  const y = new Float64Array(d);
  const c = new Float64Array(r);
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < d; i++) y[i] = eps2[k * d + i]!;
    addColumns(cols, d, r, eps1, k * r, 1, y, 0); // y = W ε₁ + ε₂
    let yy = 0;
    for (let i = 0; i < d; i++) yy += y[i]! ** 2;
    columnDots(cols, d, r, y, 0, c); // g = Wᵀy
    yy -= choleskySolveInPlace(l, r, c); // |y|² − gᵀC⁻¹g, and c = C⁻¹g
    for (let p = 0; p < r; p++) cMinusEps[k * r + p] = c[p]! - eps1[k * r + p]!;
    addColumns(cols, d, r, c, 0, -1, y, 0); // β = y − W c
    beta.set(y, k * d);
    value[k] = -0.5 * yy - logS - halfLogDetC - d * HALF_LOG_2PI;
  }
  return { value, beta, cMinusEps, capInv: inverseFromCholesky(l, r) };
}

/** β [n, d], c − ε₁ [n, r] and C⁻¹ [r, r] as differentiable functions of W (for a recorded backward pass). */
function differentiableParts(w: tf.Tensor, noise: LowRankNoise, d: number, r: number): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const capInv = choleskyInverse(cholesky(tf.add(tf.eye(r), tf.matMul(w, w, true, false))));
  const y = noiseImageTensor(w, noise, null, d, r);
  const c = tf.matMul(tf.matMul(y, w), capInv);
  const beta = tf.sub(y, tf.matMul(c, w, false, true));
  return [beta, tf.sub(c, tf.tensor2d(noise.eps1, [noise.n, r])), capInv];
}

/**
 * log q of the draws made by {@link scaledLowRankDraw} with the same noise, shape `batch`
 * (= sampleShape). Differentiable in W and s (total derivatives, see above).
 * @throws {NumericalError} when I + WᵀW is not positive definite (W not finite)
 */
export function scaledLowRankDrawLogDensity(w: tf.Tensor, s: tf.Tensor, noise: LowRankNoise, batch: readonly number[]): tf.Tensor {
  const [d, r] = w.shape as [number, number];
  const { n } = noise;
  const op = customOp((wt: tf.Tensor, st: tf.Tensor) => {
    const parts = densityForward(wt.dataSync(), st.dataSync(), noise, d, r, wt.shape);
    return {
      value: tf.tensor(parts.value, [...batch], 'float32'),
      gradFunc: (dy, [ws, ss]) => {
        const [beta, cMinusEps, capInv] = tf.engine().isTapeOn()
          ? differentiableParts(ws!, noise, d, r)
          : [tf.tensor2d(parts.beta, [n, d]), tf.tensor2d(parts.cMinusEps, [n, r]), tf.tensor2d(parts.capInv, [r, r])];
        const dySum = n === 1 ? tf.reshape(dy, []) : tf.sum(dy);
        const weighted = n === 1 ? beta : tf.mul(beta, tf.reshape(dy, [n, 1]));
        const outer = tf.matMul(weighted, cMinusEps, true, false); // Σ dy β (c − ε₁)ᵀ
        const wCapInv = tf.matMul(ws!, capInv);
        const dw = n === 1 ? tf.mul(tf.sub(outer, wCapInv), dySum) : tf.sub(outer, tf.mul(wCapInv, dySum));
        return [dw, tf.neg(tf.div(dySum, ss!))];
      },
    };
  });
  return op(w, s);
}
