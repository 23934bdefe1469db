/**
 * Differentiable tensor ops for the regularised incomplete gamma and beta functions, Student's t
 * CDF and their inverses (names as in SciPy): gammainc, gammaincc, betainc, stdtr, gammaincinv,
 * gammainccinv, betaincinv, stdtrit. They back the cdf and icdf methods of Gamma, Chi2,
 * InverseGamma, Beta and StudentT.
 *
 * Forward passes read the inputs (dataSync), broadcast them, and evaluate the double-precision
 * functions of special-incomplete.ts and special-quantile.ts element by element; results are
 * rounded once to float32. Gradients:
 * - with respect to the argument x (or the probability p), closed forms: the density for the
 *   CDFs and 1 / density(quantile) for the quantiles (the quantile recomputed from the saved
 *   inputs), with the densities of special-density.ts, which are differentiable ops themselves,
 *   so these gradients can be differentiated again;
 * - with respect to the shape parameters (a, b, df), values computed in double precision in
 *   JavaScript (see special-incomplete.ts: the series derivative of the gamma sampler for P(a, x),
 *   central differences of log-tails for the beta and t functions), and for the quantiles by
 *   implicit differentiation, dz/dθ = -(dF/dθ) / p(z). These are constants of the backward
 *   pass: second derivatives with respect to shape parameters are not available (they read 0).
 *
 * Invalid shapes (<= 0) and probabilities outside [0, 1] give NaN. Every op broadcasts its inputs.
 */
import * as tf from '@tensorflow/tfjs';

import { dLogGammaDraw } from './gamma-sampler.js';
import { customOp } from './grad-utils.js';
import { constantGrad, float32Tensor, mapElements, readBroadcast, tensorGrad } from './js-elementwise.js';
import { betaDensity, gammaDensity, studentTDensity } from './special-density.js';
import {
  betaDab64,
  betaLogDensity64,
  betaTails64,
  gammaDa64,
  gammaLogDensity64,
  gammaTails64,
  studentTDdf64,
  studentTLogDensity64,
  studentTTails64,
} from './special-incomplete.js';
import { betaQuantile64, gammaQuantile64, studentTQuantile64 } from './special-quantile.js';
import { type TensorLike, toTensor } from './tensor-like.js';

/** Above this shape dLogGammaDraw is an approximation (see gamma-sampler.ts). */
const SERIES_DERIVATIVE_LIMIT = 1e6;

// ---------------------------------------------------------------------------------------------
// CDFs

function gammaincOp(upper: boolean): (a: tf.Tensor, x: tf.Tensor) => tf.Tensor {
  const name = upper ? 'gammaincc' : 'gammainc';
  return customOp((a: tf.Tensor, x: tf.Tensor) => {
    const { shape, values } = readBroadcast(name, [a, x]);
    const side = upper ? 1 : 0;
    return {
      value: float32Tensor(mapElements(values, (s, v) => gammaTails64(s, v)[side]), shape),
      gradFunc: (dy: tf.Tensor, [as, xs]: tf.Tensor[]) => {
        const da = mapElements(values, (s, v) => (upper ? -1 : 1) * gammaDa64(s, v));
        const dens = gammaDensity(as!, xs!);
        return [constantGrad(dy, da, shape, as!), tensorGrad(dy, upper ? tf.neg(dens) : dens, xs!)];
      },
    };
  });
}

const gammaincT = gammaincOp(false);
const gammainccT = gammaincOp(true);

/**
 * The regularised lower incomplete gamma function P(a, x) = γ(a, x) / Γ(a), the CDF of
 * Gamma(a, 1) at x (0 for x <= 0). d/dx is the density; d/da is computed in double precision.
 * @param a - shapes > 0 (NaN otherwise)
 * @param x - arguments, broadcast with `a`
 * @returns a float32 tensor of the broadcast shape
 */
export function gammainc(a: TensorLike, x: TensorLike): tf.Tensor {
  return gammaincT(toTensor(a), toTensor(x));
}

/**
 * The regularised upper incomplete gamma function Q(a, x) = 1 - P(a, x), computed directly where
 * it is small (so the upper tail keeps its relative accuracy).
 * @returns a float32 tensor of the broadcast shape of `a` and `x`
 */
export function gammaincc(a: TensorLike, x: TensorLike): tf.Tensor {
  return gammainccT(toTensor(a), toTensor(x));
}

const betaincT = customOp((a: tf.Tensor, b: tf.Tensor, x: tf.Tensor) => {
  const { shape, values } = readBroadcast('betainc', [a, b, x]);
  // 1 - x is exact in double for a float32 x, so both tails keep their digits.
  return {
    value: float32Tensor(mapElements(values, (p, q, v) => betaTails64(p, q, v, 1 - v)[0]), shape),
    gradFunc: (dy: tf.Tensor, [as, bs, xs]: tf.Tensor[]) => {
      const da = mapElements(values, (p, q, v) => betaDab64(p, q, v, 1 - v)[0]);
      const db = mapElements(values, (p, q, v) => betaDab64(p, q, v, 1 - v)[1]);
      const dens = betaDensity(as!, bs!, xs!);
      return [constantGrad(dy, da, shape, as!), constantGrad(dy, db, shape, bs!), tensorGrad(dy, dens, xs!)];
    },
  };
});

/**
 * The regularised incomplete beta function I_x(a, b), the CDF of Beta(a, b) at x (0 below 0,
 * 1 above 1). d/dx is the density; d/da and d/db are computed in double precision.
 * @param a - shapes > 0 (NaN otherwise)
 * @param b - shapes > 0 (NaN otherwise)
 * @param x - arguments; all three broadcast together
 * @returns a float32 tensor of the broadcast shape
 */
export function betainc(a: TensorLike, b: TensorLike, x: TensorLike): tf.Tensor {
  return betaincT(toTensor(a), toTensor(b), toTensor(x));
}

const stdtrT = customOp((df: tf.Tensor, t: tf.Tensor) => {
  const { shape, values } = readBroadcast('stdtr', [df, t]);
  return {
    value: float32Tensor(mapElements(values, (d, v) => studentTTails64(d, v)[0]), shape),
    gradFunc: (dy: tf.Tensor, [dfs, ts]: tf.Tensor[]) => {
      const ddf = mapElements(values, studentTDdf64);
      return [constantGrad(dy, ddf, shape, dfs!), tensorGrad(dy, studentTDensity(dfs!, ts!), ts!)];
    },
  };
});

/**
 * The CDF of the standard Student t distribution with df degrees of freedom at t. d/dt is the
 * density; d/d(df) is computed in double precision.
 * @param df - degrees of freedom > 0 (NaN otherwise)
 * @param t - arguments, broadcast with `df`
 * @returns a float32 tensor of the broadcast shape
 */
export function stdtr(df: TensorLike, t: TensorLike): tf.Tensor {
  return stdtrT(toTensor(df), toTensor(t));
}

// ---------------------------------------------------------------------------------------------
// Quantiles

/** dz/da at fixed P(a, z) (equivalently fixed Q) for the Gamma(a, 1) quantile z. */
function gammaQuantileDa64(a: number, z: number): number {
  if (!(z > 0) || z === Infinity) return 0;
  if (a <= SERIES_DERIVATIVE_LIMIT) return z * dLogGammaDraw(a, Math.log(z));
  return -gammaDa64(a, z) / Math.exp(gammaLogDensity64(a, z));
}

function gammaincinvOp(upper: boolean): (a: tf.Tensor, p: tf.Tensor) => tf.Tensor {
  const name = upper ? 'gammainccinv' : 'gammaincinv';
  const op: (a: tf.Tensor, p: tf.Tensor) => tf.Tensor = customOp((a: tf.Tensor, p: tf.Tensor) => {
    const { shape, values } = readBroadcast(name, [a, p]);
    const z = mapElements(values, (s, q) => gammaQuantile64(s, q, upper));
    return {
      value: float32Tensor(z, shape),
      gradFunc: (dy: tf.Tensor, [as, ps]: tf.Tensor[]) => {
        const da = mapElements([values[0]!, z], gammaQuantileDa64);
        // dz/dp = +-1 / density(z), with z recomputed on the tape so that this can be
        // differentiated again.
        const inv = tf.reciprocal(gammaDensity(as!, op(as!, ps!)));
        return [constantGrad(dy, da, shape, as!), tensorGrad(dy, upper ? tf.neg(inv) : inv, ps!)];
      },
    };
  });
  return op;
}

const gammaincinvT = gammaincinvOp(false);
const gammainccinvT = gammaincinvOp(true);

/**
 * The inverse of P(a, ·): the z >= 0 with P(a, z) = p, i.e. the Gamma(a, 1) quantile (0 at p = 0,
 * +Infinity at p = 1). d/dp = 1 / density(z); d/da = -(dP/da) / density(z), in double precision.
 * @param a - shapes > 0 (NaN otherwise)
 * @param p - probabilities in [0, 1] (NaN otherwise), broadcast with `a`
 * @returns a float32 tensor of the broadcast shape
 */
export function gammaincinv(a: TensorLike, p: TensorLike): tf.Tensor {
  return gammaincinvT(toTensor(a), toTensor(p));
}

/**
 * The inverse of Q(a, ·): the z >= 0 with Q(a, z) = q (+Infinity at q = 0, 0 at q = 1). Solving
 * for the upper tail directly keeps small q accurate, which 1 - q in float32 would not.
 * @returns a float32 tensor of the broadcast shape of `a` and `q`
 */
export function gammainccinv(a: TensorLike, q: TensorLike): tf.Tensor {
  return gammainccinvT(toTensor(a), toTensor(q));
}

const betaincinvT: (a: tf.Tensor, b: tf.Tensor, p: tf.Tensor) => tf.Tensor = customOp((a: tf.Tensor, b: tf.Tensor, p: tf.Tensor) => {
  const { shape, values } = readBroadcast('betaincinv', [a, b, p]);
  const [av, bv, pv] = values;
  const n = av!.length;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) [x[i], y[i]] = betaQuantile64(av![i]!, bv![i]!, pv![i]!);
  return {
    value: float32Tensor(x, shape),
    gradFunc: (dy: tf.Tensor, [as, bs, ps]: tf.Tensor[]) => {
      const da = new Float64Array(n);
      const db = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const [ai, bi, xi, yi] = [av![i]!, bv![i]!, x[i]!, y[i]!];
        if (!(xi > 0 && yi > 0)) continue;
        const dens = Math.exp(betaLogDensity64(ai, bi, xi, yi));
        const [dIa, dIb] = betaDab64(ai, bi, xi, yi);
        if (Number.isFinite(dens) && dens > 0) [da[i], db[i]] = [-dIa / dens, -dIb / dens];
      }
      const inv = tf.reciprocal(betaDensity(as!, bs!, betaincinvT(as!, bs!, ps!)));
      return [constantGrad(dy, da, shape, as!), constantGrad(dy, db, shape, bs!), tensorGrad(dy, inv, ps!)];
    },
  };
});

/**
 * The inverse of I_·(a, b): the x in [0, 1] with I_x(a, b) = p, i.e. the Beta(a, b) quantile.
 * d/dp = 1 / density(x); d/da and d/db = -(dI/dθ) / density(x), in double precision.
 * @param a - shapes > 0 (NaN otherwise)
 * @param b - shapes > 0 (NaN otherwise)
 * @param p - probabilities in [0, 1] (NaN otherwise); all three broadcast together
 * @returns a float32 tensor of the broadcast shape
 */
export function betaincinv(a: TensorLike, b: TensorLike, p: TensorLike): tf.Tensor {
  return betaincinvT(toTensor(a), toTensor(b), toTensor(p));
}

const stdtritT: (df: tf.Tensor, p: tf.Tensor) => tf.Tensor = customOp((df: tf.Tensor, p: tf.Tensor) => {
  const { shape, values } = readBroadcast('stdtrit', [df, p]);
  const t = mapElements(values, studentTQuantile64);
  return {
    value: float32Tensor(t, shape),
    gradFunc: (dy: tf.Tensor, [dfs, ps]: tf.Tensor[]) => {
      const ddf = mapElements([values[0]!, t], (d, ti) => {
        const dens = Number.isFinite(ti) ? Math.exp(studentTLogDensity64(d, ti)) : 0;
        return dens > 0 ? -studentTDdf64(d, ti) / dens : 0;
      });
      const inv = tf.reciprocal(studentTDensity(dfs!, stdtritT(dfs!, ps!)));
      return [constantGrad(dy, ddf, shape, dfs!), tensorGrad(dy, inv, ps!)];
    },
  };
});

/**
 * The quantile of the standard Student t distribution with df degrees of freedom (the inverse of
 * stdtr in t; -Infinity at p = 0, +Infinity at p = 1). d/dp = 1 / density(t); d/d(df) by
 * implicit differentiation in double precision.
 * @param df - degrees of freedom > 0 (NaN otherwise)
 * @param p - probabilities in [0, 1] (NaN otherwise), broadcast with `df`
 * @returns a float32 tensor of the broadcast shape
 */
export function stdtrit(df: TensorLike, p: TensorLike): tf.Tensor {
  return stdtritT(toTensor(df), toTensor(p));
}
