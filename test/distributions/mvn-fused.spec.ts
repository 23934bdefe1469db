import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { diagPart, triangularSolve } from '../../src/distributions/linalg.js';
import { drawLogDensity, mvnTrilLogProb, noiseLogDensity, standardNormalNoise, trilAffine } from '../../src/distributions/mvn-fused.js';
import { setBackend } from '../../src/kernel/backend.js';
import { ValueError } from '../../src/kernel/errors.js';
import { PRNGKey, normals } from '../../src/kernel/rng.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';
import { jacobianFD } from '../helpers/numdiff.js';

const LOG_2PI = Math.log(2 * Math.PI);
const D = 3;

/** Two lower-triangular 3×3 factors with positive diagonals (row-major), batch [2, 3, 3]. */
const TRILS = [
  [1.2, 0, 0, -0.4, 0.8, 0, 0.3, 0.5, 0.6],
  [0.7, 0, 0, 0.2, 1.5, 0, -0.6, 0.1, 0.9],
];
const LOC = [0.5, -1, 0.25];
/** Values of shape [4, 1, 3]: they broadcast against the factors' batch dim of 2. */
const XS = Array.from(normals(PRNGKey(11), 12), (v) => 1.3 * v);

/** log N(x; loc, L Lᵀ) in double precision by forward substitution. */
function logPdf64(x: readonly number[], loc: readonly number[], l: readonly number[]): number {
  const z: number[] = [];
  let out = -0.5 * D * LOG_2PI;
  for (let i = 0; i < D; i++) {
    let r = x[i]! - loc[i]!;
    for (let j = 0; j < i; j++) r -= l[i * D + j]! * z[j]!;
    z.push(r / l[i * D + i]!);
    out -= 0.5 * z[i]! ** 2 + Math.log(l[i * D + i]!);
  }
  return out;
}

/** The [4, 2] table of densities for XS ([4, 1, 3]), LOC ([3]) and TRILS ([2, 3, 3]). */
function table64(xs: readonly number[], loc: readonly number[], trils: readonly number[]): number[] {
  const out: number[] = [];
  for (let s = 0; s < 4; s++) for (let b = 0; b < 2; b++) out.push(logPdf64(xs.slice(3 * s, 3 * s + 3), loc, trils.slice(9 * b, 9 * b + 9)));
  return out;
}

/** The composition the fused op replaces (a triangular solve and the diagonal's logs). */
function composed(x: tf.Tensor, loc: tf.Tensor, l: tf.Tensor): tf.Tensor {
  const z = triangularSolve(l, tf.expandDims(tf.sub(x, loc), -1));
  const maha = tf.sum(tf.square(z), [-2, -1]);
  return tf.sub(tf.mul(-0.5, maha), tf.add(tf.sum(tf.log(diagPart(l)), -1), 0.5 * D * LOG_2PI));
}

const W = Array.from(normals(PRNGKey(12), 8)); // weights of the [4, 2] outputs in scalar objectives

describe('mvn-fused', () => {
  const trilT = (): tf.Tensor => tf.tensor3d(TRILS.flat(), [2, 3, 3]);
  const xT = (): tf.Tensor => tf.tensor3d(XS, [4, 1, 3]);
  const locT = (): tf.Tensor => tf.tensor1d(LOC);

  describe('mvnTrilLogProb', () => {
    it('equals the double-precision density for broadcast shapes x [4, 1, 3], loc [3], L [2, 3, 3] (output [4, 2])', () => {
      tf.tidy(() => {
        const lp = mvnTrilLogProb(xT(), locT(), trilT());
        expect(lp.shape).to.deep.equal([4, 2]);
        // Double-precision loop, one float32 rounding: relative error ~1e-7.
        expectClose(lp, table64(XS, LOC, TRILS.flat()), { atol: 1e-6, rtol: 1e-6 });
      });
    });

    it('has gradients in x, loc and the lower triangle of L matching central finite differences (h = 1e-6) of the float64 density', () => {
      tf.tidy(() => {
        const wt = tf.tensor2d(W, [4, 2]);
        const f = (x: tf.Tensor, loc: tf.Tensor, l: tf.Tensor) => tf.sum(tf.mul(mvnTrilLogProb(x, loc, l), wt));
        const [gx, gloc, gl] = tf.grads(f)([xT(), locT(), trilT()]);
        const obj = (xs: number[], loc: number[], trils: number[]) => table64(xs, loc, trils).reduce((s, v, i) => s + v * W[i]!, 0);
        const fdX = jacobianFD((v) => [obj(v, LOC, TRILS.flat())], XS)[0]!;
        const fdLoc = jacobianFD((v) => [obj(XS, v, TRILS.flat())], LOC)[0]!;
        const fdL = jacobianFD((v) => [obj(XS, LOC, v)], TRILS.flat())[0]!;
        // float32 gradients of O(1) terms against FD with truncation error ~1e-9: 1e-4 relative.
        const tol = { atol: 1e-4, rtol: 1e-4 };
        expectClose(gx!, fdX, tol);
        expectClose(gloc!, fdLoc, tol);
        // The density reads only the lower triangle: the upper one gets a zero gradient (FD agrees).
        expectClose(gl!, fdL, tol);
      });
    });

    it('is differentiable twice: Hessian-vector products in x, loc and L match those of the unfused composition', () => {
      tf.tidy(() => {
        const args = [xT(), locT(), trilT()];
        const wt = tf.tensor2d(W, [4, 2]);
        const vs = args.map((a, i) => tf.tensor(Array.from(normals(PRNGKey(20 + i), a.size)), a.shape));
        // Only the lower triangle of L is a free coordinate of the composition's solve.
        vs[2] = tf.mul(vs[2]!, tf.tensor2d([1, 0, 0, 1, 1, 0, 1, 1, 1], [3, 3]));
        const hvp = (lp: (x: tf.Tensor, loc: tf.Tensor, l: tf.Tensor) => tf.Tensor) =>
          args.map((_, i) =>
            tf.grad((t: tf.Tensor) => {
              const a = args.map((x, j) => (j === i ? t : x));
              const g = tf.grads((x: tf.Tensor, loc: tf.Tensor, l: tf.Tensor) => tf.sum(tf.mul(lp(x, loc, l), wt)))(a as [tf.Tensor, tf.Tensor, tf.Tensor]);
              return g.reduce((s: tf.Tensor, gi, j) => tf.add(s, tf.sum(tf.mul(gi, vs[j]!))), tf.scalar(0));
            })(args[i]!),
          );
        const fused = hvp(mvnTrilLogProb);
        const plain = hvp(composed);
        fused.forEach((h, i) => expectClose(h, plain[i]!, { atol: 1e-4, rtol: 1e-4 }));
        // The x-block of the Hessian is -(L Lᵀ)⁻¹ per batch entry: nonzero, so the check is not vacuous.
        expect(Math.max(...Array.from(fused[0]!.dataSync(), Math.abs))).to.be.greaterThan(0.1);
      });
    });

    it('leaks no tensors in values, gradients and second derivatives', () => {
      const [x, loc, l] = [xT(), locT(), trilT()];
      expectNoTensorLeak(() => {
        const lp = mvnTrilLogProb(x, loc, l);
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(mvnTrilLogProb(a, b, c)))([x, loc, l]);
        const h = tf.grad((a: tf.Tensor) => tf.sum(tf.grad((b: tf.Tensor) => tf.sum(mvnTrilLogProb(b, loc, l)))(a)))(x);
        tf.dispose([lp, ...g, h]);
      });
      tf.dispose([x, loc, l]);
    });
  });

  describe('trilAffine', () => {
    const shape = [4, 2, 3];
    const eps = standardNormalNoise(PRNGKey(3), shape);

    it('draws loc + L ε for L [2, 3, 3] and loc [3] broadcast against sample dims [4] (shape [4, 2, 3])', () => {
      tf.tidy(() => {
        const x = trilAffine(locT(), trilT(), eps, shape);
        expect(x.shape).to.deep.equal(shape);
        const ref: number[] = [];
        for (let s = 0; s < 4; s++) {
          for (let b = 0; b < 2; b++) {
            for (let i = 0; i < D; i++) {
              let v = LOC[i]!;
              for (let j = 0; j < D; j++) v += TRILS[b]![i * D + j]! * eps[(s * 2 + b) * D + j]!;
              ref.push(v);
            }
          }
        }
        expectClose(x, ref, { atol: 1e-6, rtol: 1e-6 });
      });
    });

    it('has the gradients Σ dy in loc and Σ dy εᵀ in L (batched and single factors), and a differentiable backward pass', () => {
      tf.tidy(() => {
        const wt = tf.tensor(Array.from(normals(PRNGKey(4), 24)), shape);
        const [gloc, gl] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(trilAffine(a, b, eps, shape), wt)))([locT(), trilT()]);
        const w = wt.arraySync() as number[][][];
        const refLoc = [0, 0, 0];
        const refL = new Array<number>(18).fill(0);
        for (let s = 0; s < 4; s++) {
          for (let b = 0; b < 2; b++) {
            for (let i = 0; i < D; i++) {
              refLoc[i]! += w[s]![b]![i]!;
              for (let j = 0; j < D; j++) refL[b * 9 + i * D + j]! += w[s]![b]![i]! * eps[(s * 2 + b) * D + j]!;
            }
          }
        }
        expectClose(gloc!, refLoc, { atol: 1e-5, rtol: 1e-5 });
        expectClose(gl!, refL, { atol: 1e-5, rtol: 1e-5 });
        // One [3, 3] factor shared by all 8 draws: its gradient sums over them.
        const single = tf.tensor2d(TRILS[0]!, [3, 3]);
        const gs = tf.grad((b: tf.Tensor) => tf.sum(tf.mul(trilAffine(locT(), b, eps, shape), wt)))(single);
        const refS = new Array<number>(9).fill(0);
        for (let r = 0; r < 8; r++) for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) refS[i * D + j]! += w[Math.floor(r / 2)]![r % 2]![i]! * eps[r * D + j]!;
        expectClose(gs, refS, { atol: 1e-5, rtol: 1e-5 });
        // Its backward pass is differentiable: a Hessian-vector product of Σ w x² in L matches the matMul composition's.
        const v = tf.tensor2d(Array.from(normals(PRNGKey(9), 9)), [3, 3]);
        const noise = tf.tensor(eps, shape);
        const hvp = (draw: (l: tf.Tensor) => tf.Tensor) =>
          tf.grad((b: tf.Tensor) => tf.sum(tf.mul(tf.grad((m: tf.Tensor) => tf.sum(tf.mul(tf.square(draw(m)), wt)))(b), v)))(single);
        const fusedH = hvp((m) => trilAffine(locT(), m, eps, shape));
        const plainH = hvp((m) => tf.add(locT(), tf.reshape(tf.matMul(tf.reshape(noise, [8, 3]), m, false, true), shape)));
        expectClose(fusedH, plainH, { atol: 1e-4, rtol: 1e-4 });
      });
    });

    it('leaks no tensors in draws and gradients', () => {
      const [loc, l] = [locT(), trilT()];
      expectNoTensorLeak(() => {
        const x = trilAffine(loc, l, eps, shape);
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(trilAffine(a, b, eps, shape)))([loc, l]);
        tf.dispose([x, ...g]);
      });
      tf.dispose([loc, l]);
    });
  });

  describe('drawLogDensity', () => {
    const shape = [4, 2, 3];
    const eps = standardNormalNoise(PRNGKey(5), shape);
    const c = noiseLogDensity(eps, D, 8);

    it('equals log N(x; loc, L Lᵀ) at the draw x = loc + L ε', () => {
      tf.tidy(() => {
        const x = trilAffine(locT(), trilT(), eps, shape);
        const lp = drawLogDensity(trilT(), c, [4, 2]);
        expect(lp.shape).to.deep.equal([4, 2]);
        // Both in float32 from the same data; the draw itself is rounded once (|x| ~ 3): 1e-5.
        expectClose(lp, mvnTrilLogProb(x, locT(), trilT()), { atol: 1e-5, rtol: 1e-5 });
      });
    });

    it('has the total derivatives of log q(x(loc, L); loc, L) in L (none in loc), and d²/dL_ii² = 1/L_ii²', () => {
      tf.tidy(() => {
        const wt = tf.tensor2d(W, [4, 2]);
        const total = (loc: tf.Tensor, l: tf.Tensor) => tf.sum(tf.mul(mvnTrilLogProb(trilAffine(loc, l, eps, shape), loc, l), wt));
        const [gloc, gl] = tf.grads(total)([locT(), trilT()]);
        const gd = tf.grad((l: tf.Tensor) => tf.sum(tf.mul(drawLogDensity(l, c, [4, 2]), wt)))(trilT());
        expectClose(gloc!, [0, 0, 0], { atol: 1e-4 });
        // On the lower triangle (the draw also uses the upper one, which a density never reads; a
        // lower Cholesky parameterisation discards it). The solve route carries float32
        // cancellation in its x-path terms: 1e-4.
        const lower = tf.tensor2d([1, 0, 0, 1, 1, 0, 1, 1, 1], [3, 3]);
        expectClose(tf.mul(gd, lower), tf.mul(gl!, lower), { atol: 1e-4, rtol: 1e-4 });
        // -Σ log L_ii weighted by Σ_s w_sb: second derivative Σ_s w_sb / L_ii² on the diagonal.
        const h = tf.grad((l: tf.Tensor) => tf.sum(tf.grad((m: tf.Tensor) => tf.sum(tf.mul(drawLogDensity(m, c, [4, 2]), wt)))(l)))(trilT());
        const ref: number[] = [];
        for (let b = 0; b < 2; b++) {
          const wb = [0, 1, 2, 3].reduce((s, k) => s + W[k * 2 + b]!, 0);
          for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) ref.push(i === j ? wb / TRILS[b]![i * D + i]! ** 2 : 0);
        }
        expectClose(h, ref, { atol: 1e-5, rtol: 1e-5 });
      });
    });

    it('rejects constants that do not fit the batch shape, and leaks no tensors', () => {
      const l = trilT();
      expectVinferError(() => drawLogDensity(l, c, [4]), ValueError, 'drawLogDensity');
      expectNoTensorLeak(() => {
        const lp = drawLogDensity(l, c, [4, 2]);
        const g = tf.grad((m: tf.Tensor) => tf.sum(drawLogDensity(m, c, [4, 2])))(l);
        tf.dispose([lp, g]);
      });
      l.dispose();
    });
  });

  describe('on the wasm backend', () => {
    after(async () => {
      await setBackend('cpu');
    });
    it('gives the cpu values and gradients (relative difference below 1e-5)', async () => {
      const eps = standardNormalNoise(PRNGKey(6), [4, 2, 3]);
      const c = noiseLogDensity(eps, D, 8);
      const run = (): number[] =>
        tf.tidy(() => {
          const out: number[] = [];
          const push = (...ts: tf.Tensor[]) => ts.forEach((t) => out.push(...Array.from(t.dataSync())));
          const args = [xT(), locT(), trilT()];
          push(mvnTrilLogProb(args[0]!, args[1]!, args[2]!));
          push(...tf.grads((a: tf.Tensor, b: tf.Tensor, l: tf.Tensor) => tf.sum(mvnTrilLogProb(a, b, l)))(args));
          push(...tf.grads((a: tf.Tensor, l: tf.Tensor) => tf.sum(tf.square(trilAffine(a, l, eps, [4, 2, 3]))))([locT(), trilT()]));
          push(tf.grad((l: tf.Tensor) => tf.sum(drawLogDensity(l, c, [4, 2])))(trilT()));
          return out;
        });
      await setBackend('cpu');
      const cpu = run();
      await setBackend('wasm');
      // As in special.spec.ts: tfjs's test-mode leak check miscounts customGrad ops on wasm.
      const testMode = tf.env().getBool('IS_TEST');
      tf.env().set('IS_TEST', false);
      let wasm: number[];
      try {
        wasm = run();
      } finally {
        tf.env().set('IS_TEST', testMode);
      }
      expectClose(wasm, cpu, { atol: 1e-6, rtol: 1e-5 });
    });
  });
});
