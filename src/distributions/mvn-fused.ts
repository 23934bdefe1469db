/**
 * Fused operations of the Gaussian parameterised by a lower Cholesky factor L of its covariance:
 * the log-density log N(x; loc, L Lᵀ), the affine draw loc + L ε, and the log-density of such a
 * draw written in terms of its own noise ε. Composed from tfjs ops, each of these records many
 * ops on the gradient tape (each cloning the inputs it saves) and backpropagates through all of
 * them; on the small graphs of a variational step that per-op overhead dominates the arithmetic.
 * Here each forward pass is one double-precision loop over the tensor data (one read of each
 * input, no tfjs kernel) inside tf.customGrad, and each backward pass applies the closed-form
 * derivatives with ordinary differentiable ops, so nested gradients still work.
 *
 * Shapes: x [..., d], loc [..., d] and L [..., d, d], with numpy broadcasting of the batch dims.
 * As in the compositions they replace, a draw uses all of L and a density reads only its lower
 * triangle.
 */
import * as tf from '@tensorflow/tfjs';

import { ValueError, fmtShape } from '../kernel/errors.js';
import { type PRNGKey, isPRNGKey, normals } from '../kernel/rng.js';
import { customOp, sumToShape } from './grad-utils.js';
import { batchOffsets, triangularSolve } from './linalg.js';
import { broadcastShapes, sameShape, shapeSize } from './tensor-like.js';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** Constant d×d matrices as typed arrays, made once per size (tensors are made from them per use: no kernel runs). */
const EYE = new Map<number, Float32Array>();
const OFF_DIAGONAL = new Map<number, Float32Array>();
const LOWER = new Map<number, Float32Array>();
const NEG_EYE = new Map<number, Float32Array>();

function constantMatrix(cache: Map<number, Float32Array>, d: number, entry: (i: number, j: number) => number): tf.Tensor {
  let a = cache.get(d);
  if (a === undefined) {
    a = new Float32Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) a[i * d + j] = entry(i, j);
    cache.set(d, a);
  }
  // A copy: the cpu backend keeps the array it is given as the tensor's storage.
  return tf.tensor2d(a.slice(), [d, d]);
}
const eye = (d: number) => constantMatrix(EYE, d, (i, j) => (i === j ? 1 : 0));
const offDiagonalOnes = (d: number) => constantMatrix(OFF_DIAGONAL, d, (i, j) => (i === j ? 0 : 1));
const lowerMask = (d: number) => constantMatrix(LOWER, d, (i, j) => (j <= i ? 1 : 0));
const negEye = (d: number) => constantMatrix(NEG_EYE, d, (i, j) => (i === j ? -1 : 0));

/** Σ_i log L_ii of each matrix of `l` (shape [..., d, d]), from its data. */
function halfLogDets(lv: ArrayLike<number>, count: number, d: number): Float64Array {
  const out = new Float64Array(count);
  for (let m = 0; m < count; m++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += Math.log(lv[m * d * d + i * d + i]!);
    out[m] = s;
  }
  return out;
}

/**
 * `−g · diag(1 / diag L)` for each matrix, as g (−I) / (L ∘ I + (1 − I)): every off-diagonal
 * denominator is exactly 1, so a zero or non-finite off-diagonal entry of L cannot leak in.
 * @param g - shape [...B]
 * @param l - shape [..., d, d]
 */
function negInverseDiagonal(g: tf.Tensor, l: tf.Tensor): tf.Tensor {
  const d = l.shape[l.rank - 1]!;
  const inv = tf.div(negEye(d), tf.add(tf.mul(l, eye(d)), offDiagonalOnes(d)));
  return tf.mul(g.rank === 0 ? g : tf.reshape(g, [...g.shape, 1, 1]), inv);
}

function readF32(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

/**
 * log N(x; loc, L Lᵀ) = −½|L⁻¹(x − loc)|² − Σ log L_ii − (d/2) log 2π, shape of the broadcast batch
 * dims. With z = L⁻¹(x − loc) and u = L⁻ᵀ z the derivatives are −u in x, u in loc and
 * tril(u zᵀ) − diag(1/L_ii) in L.
 */
const logDensityOp = customOp((x: tf.Tensor, loc: tf.Tensor, l: tf.Tensor) => ({
  value: logDensityForward(x, loc, l),
  gradFunc: (dy, [xs, ls, ts]) => logDensityBackward(dy, xs!, ls!, ts!),
}));

function logDensityForward(x: tf.Tensor, loc: tf.Tensor, l: tf.Tensor): tf.Tensor {
  const d = l.shape[l.rank - 1]!;
  const bx = x.shape.slice(0, -1);
  const bl = loc.shape.slice(0, -1);
  const bL = l.shape.slice(0, -2);
  const batch = broadcastShapes(bx, bl, bL)!;
  const ox = batchOffsets(batch, bx);
  const ol = batchOffsets(batch, bl);
  const oL = batchOffsets(batch, bL);
  const xv = readF32(x);
  const lv = readF32(loc);
  const tv = readF32(l);
  const logDet = halfLogDets(tv, shapeSize(bL), d);
  const out = new Float32Array(ox.length);
  const z = new Float64Array(d);
  for (let b = 0; b < ox.length; b++) {
    const xb = ox[b]! * d;
    const lb = ol[b]! * d;
    const tb = oL[b]! * d * d;
    let maha = 0;
    // Forward substitution L z = x − loc, reading only the lower triangle.
    for (let i = 0; i < d; i++) {
      let s = xv[xb + i]! - lv[lb + i]!;
      for (let j = 0; j < i; j++) {
        const a = tv[tb + i * d + j]!;
        if (a !== 0) s -= a * z[j]!;
      }
      const zi = s / tv[tb + i * d + i]!;
      z[i] = zi;
      maha += zi * zi;
    }
    out[b] = -0.5 * maha - logDet[oL[b]!]! - d * HALF_LOG_2PI;
  }
  return tf.tensor(out, batch, 'float32');
}

function logDensityBackward(dy: tf.Tensor, x: tf.Tensor, loc: tf.Tensor, l: tf.Tensor): tf.Tensor[] {
  const d = l.shape[l.rank - 1]!;
  const z = triangularSolve(l, tf.expandDims(tf.sub(x, loc), -1)); // [...B, d, 1]
  const u = triangularSolve(l, z, { transpose: true });
  const w = tf.mul(tf.reshape(dy, [...dy.shape, 1, 1]), u);
  const wv = tf.squeeze(w, [w.rank - 1]);
  const gl = tf.add(tf.mul(tf.matMul(w, z, false, true), lowerMask(d)), negInverseDiagonal(dy, l));
  return [sumToShape(tf.neg(wv), x.shape), sumToShape(wv, loc.shape), sumToShape(gl, l.shape)];
}

/**
 * log N(x; loc, L Lᵀ) for a lower-triangular L with a positive diagonal, as one fused op.
 * @param x - values, shape [..., d]
 * @param loc - means, shape [..., d]
 * @param scaleTril - lower Cholesky factors of the covariance, shape [..., d, d]
 * @returns shape broadcast(batch dims of the three)
 */
export function mvnTrilLogProb(x: tf.Tensor, loc: tf.Tensor, scaleTril: tf.Tensor): tf.Tensor {
  return logDensityOp(x, loc, scaleTril);
}

/** Standard normal noise of `shape` in float32, from `key` (the stream of rng.normal). */
export function standardNormalNoise(key: PRNGKey, shape: readonly number[]): Float32Array {
  if (!isPRNGKey(key)) {
    throw new ValueError(`normal: expected a PRNGKey (two uint32 words, as made by PRNGKey(seed)), got ${JSON.stringify(key)}`);
  }
  return Float32Array.from(normals(key, shapeSize(shape)));
}

/**
 * The draw `loc + L ε` for constant noise ε, as one fused op. The map is linear in (loc, L), so
 * its backward pass needs no saved input: the gradient is dy in loc and Σ dy εᵀ in L (summed over
 * the dims L is broadcast along), and every second derivative is zero.
 * @param loc - shape [..., d]
 * @param scaleTril - shape [..., d, d] (all of it is used, as a matrix product would)
 * @param eps - the noise, row-major, of shape `shape`
 * @param shape - sampleShape ++ batchShape ++ [d], with loc's and L's batch dims broadcasting into it
 */
export function trilAffine(loc: tf.Tensor, scaleTril: tf.Tensor, eps: Float32Array, shape: readonly number[]): tf.Tensor {
  const d = scaleTril.shape[scaleTril.rank - 1]!;
  const batch = shape.slice(0, -1);
  const locShape = [...loc.shape];
  const trilShape = [...scaleTril.shape];
  const op = tf.customGrad(((l: tf.Tensor, t: tf.Tensor) => ({
    value: affineForward(l, t, eps, batch, d),
    gradFunc: (dy: tf.Tensor) => {
      let gt: tf.Tensor;
      if (trilShape.length === 2) {
        // Σ over every draw of dy εᵀ, one matrix product over the draws as rows.
        const rows = shapeSize(batch);
        const dy2 = dy.rank === 2 ? dy : tf.reshape(dy, [rows, d]);
        gt = tf.matMul(dy2, tf.tensor2d(eps, [rows, d]), true, false);
      } else {
        const noise = tf.tensor(eps, [...shape], 'float32');
        gt = sumToShape(tf.mul(tf.expandDims(dy, -1), tf.expandDims(noise, -2)), trilShape);
      }
      return [sumToShape(dy, locShape), gt];
    },
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(loc, scaleTril);
}

function affineForward(loc: tf.Tensor, l: tf.Tensor, eps: Float32Array, batch: readonly number[], d: number): tf.Tensor {
  const ol = batchOffsets(batch, loc.shape.slice(0, -1));
  const oL = batchOffsets(batch, l.shape.slice(0, -2));
  const lv = readF32(loc);
  const tv = readF32(l);
  const out = new Float32Array(ol.length * d);
  for (let b = 0; b < ol.length; b++) {
    const lb = ol[b]! * d;
    const tb = oL[b]! * d * d;
    const eb = b * d;
    for (let i = 0; i < d; i++) {
      let s = lv[lb + i]!;
      for (let j = 0; j < d; j++) s += tv[tb + i * d + j]! * eps[eb + j]!;
      out[eb + i] = s;
    }
  }
  return tf.tensor(out, [...batch, d], 'float32');
}

/**
 * For the draws x = loc + L ε of {@link trilAffine}: the constant part of log N(x; loc, L Lᵀ),
 * −½|ε|² − (d/2) log 2π, per draw.
 * @param eps - the noise, shape sampleShape ++ batchShape ++ [d], row-major
 * @param count - the number of draws, the size of sampleShape ++ batchShape
 */
export function noiseLogDensity(eps: Float32Array, d: number, count: number): Float64Array {
  const out = new Float64Array(count);
  for (let b = 0; b < count; b++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += eps[b * d + j]! ** 2;
    out[b] = -0.5 * s - d * HALF_LOG_2PI;
  }
  return out;
}

/**
 * log N(x; loc, L Lᵀ) at a draw x = loc + L ε made by {@link trilAffine}: since L⁻¹(x − loc) = ε,
 * it is the constant c = −½|ε|² − (d/2) log 2π minus Σ log L_ii, with no solve. As a function
 * of (loc, L) with ε fixed its derivatives are the total derivatives of log q(x(loc, L); loc, L),
 * which is what a reparameterised ELBO needs; it has no derivative in x itself.
 * @param scaleTril - shape [..., d, d]
 * @param c - from {@link noiseLogDensity}, one entry per element of `batch`
 * @param batch - sampleShape ++ batchShape of the draw, into which L's batch dims broadcast
 */
export function drawLogDensity(scaleTril: tf.Tensor, c: Float64Array, batch: readonly number[]): tf.Tensor {
  const d = scaleTril.shape[scaleTril.rank - 1]!;
  const bL = scaleTril.shape.slice(0, -2);
  const joint = broadcastShapes(batch, bL);
  if (joint === undefined || !sameShape(joint, batch)) {
    throw new ValueError(`drawLogDensity: the factor's batch dims ${fmtShape(bL)} must broadcast into the draw's batch shape ${fmtShape(batch)}`);
  }
  if (c.length !== shapeSize(batch)) {
    throw new ValueError(`drawLogDensity: expected one constant per draw of batch shape ${fmtShape(batch)} (${shapeSize(batch)}), got ${c.length}`);
  }
  const op = customOp((t: tf.Tensor) => {
    const oL = batchOffsets(batch, bL);
    const logDet = halfLogDets(readF32(t), shapeSize(bL), d);
    const out = new Float32Array(c.length);
    for (let b = 0; b < c.length; b++) out[b] = c[b]! - logDet[oL[b]!]!;
    return {
      value: tf.tensor(out, [...batch], 'float32'),
      gradFunc: (dy, [ts]) => negInverseDiagonal(sumToShape(dy, bL), ts!),
    };
  });
  return op(scaleTril);
}
