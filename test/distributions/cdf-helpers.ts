/**
 * Checks shared by the cdf/icdf specs of the families whose CDFs are incomplete gamma or beta
 * functions (Gamma, Chi2, InverseGamma, Beta, StudentT).
 *
 * Tolerances come from float32 rounding: a float32 CDF value F carries a relative rounding error
 * of at most 2^-24, which moves the quantile by F 2^-24 / p(x); a float32 quantile carries its own
 * 2^-24 relative rounding. The checks allow twice the sum (p varies over the interval, and
 * logProb, used for p, is itself a float32 composition).
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import type { Distribution } from '../../src/distributions/distribution.js';
import { ValueError } from '../../src/kernel/errors.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';

export const EPS32 = 2 ** -24;

/** cdf at float32 points against double-precision references, within `rtol` and `atol`. */
export function checkCdf(d: Distribution, xs: number[], expected: (x: number) => number, { rtol = 1e-6, atol = 1e-7 } = {}): void {
  tf.tidy(() => {
    const x32 = xs.map(Math.fround);
    expectClose(d.cdf(tf.tensor1d(x32)), x32.map(expected), { rtol, atol });
  });
}

/** cdf is non-decreasing along the sorted points and stays in [0, 1]. */
export function checkMonotone(d: Distribution, xs: number[]): void {
  tf.tidy(() => {
    const f = Array.from(d.cdf(tf.tensor1d(xs)).dataSync());
    for (let i = 0; i < f.length; i++) {
      expect(f[i], `cdf(${xs[i]})`).to.be.within(0, 1);
      if (i > 0) expect(f[i]!, `cdf non-decreasing at ${xs[i]}`).to.be.at.least(f[i - 1]!);
    }
  });
}

/**
 * icdf(cdf(x)) = x within 2 (F 2^-24 / p(x) + |x| 2^-24) (see the file comment), for a
 * distribution with batch shape [] and points where F(x) < 1 - 1e-6 (F = 1 in float32 loses x).
 */
export function checkRoundTrip(d: Distribution, xs: number[]): void {
  tf.tidy(() => {
    const x = tf.tensor1d(xs.map(Math.fround));
    const f = d.cdf(x);
    const back = d.icdf(f).dataSync();
    const fv = f.dataSync();
    const pdf = tf.exp(d.logProb(x)).dataSync();
    const xv = x.dataSync();
    for (let i = 0; i < xv.length; i++) {
      const tol = 2 * ((fv[i]! * EPS32) / pdf[i]! + Math.abs(xv[i]!) * EPS32);
      expect(back[i]!, `icdf(cdf(${xv[i]})) with cdf = ${fv[i]}`).to.be.closeTo(xv[i]!, tol);
    }
  });
}

/**
 * d cdf / d value equals exp(logProb(value)); 2e-5 relative covers the float32 logProb
 * composition (~1e-7 of its largest term, for the moderate shapes used here).
 */
export function checkCdfGradIsDensity(d: Distribution, xs: number[]): void {
  tf.tidy(() => {
    const x = tf.tensor1d(xs.map(Math.fround));
    const g = tf.grad((v: tf.Tensor) => tf.sum(d.cdf(v)))(x);
    expectClose(g, tf.exp(d.logProb(x)), { atol: 1e-12, rtol: 2e-5 });
  });
}

/**
 * Gradients of sum(cdf(xs)) and sum(icdf(qs)) with respect to each scalar parameter against
 * central finite differences of the same float32 functions. Step h = 1e-2 (relative): truncation
 * O(h^2) ~ 1e-4 relative, float32 rounding of the sums ~ 1e-7 |f| / h ~ 1e-5; tolerance 2e-3.
 */
export function checkParamGrads(make: (ps: tf.Tensor[]) => Distribution, params: number[], xs: number[], qs: number[]): void {
  tf.tidy(() => {
    for (const method of ['cdf', 'icdf'] as const) {
      const arg = tf.tensor1d(method === 'cdf' ? xs : qs);
      const f = (ps: tf.Tensor[]): tf.Tensor => tf.sum(make(ps)[method](arg));
      const grads = tf.grads((...ps: tf.Tensor[]) => f(ps))(params.map((p) => tf.scalar(p)));
      params.forEach((p, i) => {
        const h = 1e-2 * Math.max(1, Math.abs(p));
        const at = (v: number): number => f(params.map((q, j) => tf.scalar(j === i ? v : q))).dataSync()[0]!;
        const fd = (at(p + h) - at(p - h)) / (2 * h);
        const g = grads[i]!.dataSync()[0]!;
        expect(g, `${method}: d/d(param ${i}) vs finite difference ${fd}`).to.be.closeTo(fd, 2e-3 * Math.max(1, Math.abs(fd)));
      });
    }
  });
}

/** icdf rejects q outside [0, 1] with a ValueError naming `Family.icdf`, and gives NaN without validation. */
export function checkIcdfValidation(make: (validateArgs: boolean) => Distribution, family: string): void {
  tf.tidy(() => {
    const d = make(true);
    expectVinferError(() => d.icdf(1.5), ValueError, `${family}.icdf`, '[0, 1]', '1.5');
    expectVinferError(() => d.icdf([0.5, -0.25]), ValueError, `${family}.icdf`, '[0, 1]', '-0.25');
    expectVinferError(() => d.icdf(NaN), ValueError, `${family}.icdf`);
    const out = make(false).icdf([1.5, -0.25]).dataSync();
    expect(Array.from(out).every(Number.isNaN), 'NaN without validation').to.equal(true);
  });
}

/** cdf, icdf and their gradients release every intermediate. */
export function checkCdfNoLeak(make: (p: tf.Tensor) => Distribution, param: number, xs: number[], qs: number[]): void {
  const p = tf.scalar(param);
  const x = tf.tensor1d(xs);
  const q = tf.tensor1d(qs);
  expectNoTensorLeak(() => {
    tf.tidy(() => {
      const d = make(p);
      d.cdf(x);
      d.icdf(q);
      d.cdf(xs);
      d.icdf(0.3);
      tf.grads((s: tf.Tensor, v: tf.Tensor) => tf.sum(make(s).cdf(v)))([p, x]);
      tf.grads((s: tf.Tensor, v: tf.Tensor) => tf.sum(make(s).icdf(v)))([p, q]);
    });
  });
  tf.dispose([p, x, q]);
}
