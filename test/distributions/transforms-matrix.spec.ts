import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { setBackend } from '../../src/kernel/backend.js';
import { ValueError } from '../../src/kernel/errors.js';
import { PRNGKey, normals } from '../../src/kernel/rng.js';
import { bijectTo } from '../../src/distributions/biject-to.js';
import { corrMatrix, positiveDefinite } from '../../src/distributions/constraints.js';
import {
  Compose,
  CorrCholesky,
  Exp,
  LowerCholesky,
  Ordered,
  SoftplusLowerCholesky,
  StickBreaking,
  type Transform,
} from '../../src/distributions/transforms.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';
import { jacobianFD, logAbsDet, outerSelf, trilFromVec, trilVec } from '../helpers/numdiff.js';

// Same tolerance reasoning as transforms.spec.ts: float32 transforms against double-precision
// references; log-dets of up to ~10 terms, each with float32 relative error ~1e-6.
const FWD = { atol: 2e-6, rtol: 2e-5 };
const LOGDET = { atol: 2e-4, rtol: 1e-4 };

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const log1pexp = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

/** NumPyro's stick breaking, in double precision: R^(K-1) → simplex K. */
function stickRef(x: number[]): number[] {
  const k1 = x.length;
  const y: number[] = [];
  let remain = 1;
  for (let i = 0; i < k1; i++) {
    const z = sigmoid(x[i]! - Math.log(k1 - i));
    y.push(z * remain);
    remain *= 1 - z;
  }
  y.push(remain);
  return y;
}

function orderedRef(x: number[]): number[] {
  const y: number[] = [];
  x.forEach((v, i) => y.push(i === 0 ? v : y[i - 1]! + Math.exp(v)));
  return y;
}

function nFrom(m: number, diagonal: number): number {
  return Math.round((Math.sqrt(1 + 8 * m) - 1) / 2) - diagonal;
}

/** Lower Cholesky from NumPyro's layout: strict lower row-major, then the (mapped) diagonal. */
function lowerCholRef(x: number[], pos: (v: number) => number): number[] {
  const n = nFrom(x.length, 0);
  const strict = x.slice(0, x.length - n);
  const mat = trilFromVec(strict, n, -1);
  for (let i = 0; i < n; i++) mat[i * n + i] = pos(x[x.length - n + i]!);
  return mat;
}

/** The corr-Cholesky map of NumPyro (tanh, then signed stick breaking per row). */
function corrCholRef(x: number[]): number[] {
  const n = nFrom(x.length, -1);
  const r = trilFromVec(x.map(Math.tanh), n, -1);
  const y = new Array<number>(n * n).fill(0);
  for (let i = 0; i < n; i++) {
    let rem = 1;
    for (let j = 0; j < i; j++) {
      y[i * n + j] = r[i * n + j]! * Math.sqrt(rem);
      rem *= 1 - r[i * n + j]! ** 2;
    }
    y[i * n + i] = Math.sqrt(rem);
  }
  return y;
}

interface Case {
  label: string;
  make: () => Transform;
  inDim: number;
  outShape: number[];
  ref: (x: number[]) => number[];
  /** The free coordinates of the output, onto which the Jacobian is square. */
  free: (y: number[]) => number[];
}

const CASES: Case[] = [
  { label: 'StickBreaking (K=5)', make: () => new StickBreaking(), inDim: 4, outShape: [5], ref: stickRef, free: (y) => y.slice(0, -1) },
  { label: 'Ordered (K=4)', make: () => new Ordered(), inDim: 4, outShape: [4], ref: orderedRef, free: (y) => y },
  {
    label: 'LowerCholesky (n=3)',
    make: () => new LowerCholesky(),
    inDim: 6,
    outShape: [3, 3],
    ref: (x) => lowerCholRef(x, Math.exp),
    free: (y) => trilVec(y, 3),
  },
  {
    label: 'SoftplusLowerCholesky (n=3)',
    make: () => new SoftplusLowerCholesky(),
    inDim: 6,
    outShape: [3, 3],
    ref: (x) => lowerCholRef(x, log1pexp),
    free: (y) => trilVec(y, 3),
  },
  { label: 'CorrCholesky (n=4)', make: () => new CorrCholesky(), inDim: 6, outShape: [4, 4], ref: corrCholRef, free: (y) => trilVec(y, 4, -1) },
  {
    label: 'bijectTo(positiveDefinite) (n=3)',
    make: () => bijectTo(positiveDefinite),
    inDim: 6,
    outShape: [3, 3],
    ref: (x) => outerSelf(lowerCholRef(x, Math.exp), 3),
    free: (y) => trilVec(y, 3),
  },
  {
    label: 'bijectTo(corrMatrix) (n=3)',
    make: () => bijectTo(corrMatrix),
    inDim: 3,
    outShape: [3, 3],
    ref: (x) => outerSelf(corrCholRef(x), 3),
    free: (y) => trilVec(y, 3, -1),
  },
  {
    // Compose must sum Exp's elementwise log-det over the event dim that StickBreaking adds.
    label: 'Compose([Exp, StickBreaking]) (K=4)',
    make: () => new Compose([new Exp(), new StickBreaking()]),
    inDim: 3,
    outShape: [4],
    ref: (x) => stickRef(x.map(Math.exp)),
    free: (y) => y.slice(0, -1),
  },
];

/** Two batch rows of standard-normal inputs (seeded), scaled by 0.8 to stay well-conditioned. */
function inputs(seed: number, dim: number): number[][] {
  const z = Array.from(normals(PRNGKey(seed), 2 * dim), (v) => 0.8 * v);
  return [z.slice(0, dim), z.slice(dim)];
}

describe('transforms (vector and matrix)', () => {
  CASES.forEach((c, idx) => {
    describe(c.label, () => {
      const rows = inputs(100 + idx, c.inDim);
      const x = (): tf.Tensor => tf.tensor2d(rows);

      it(`forward matches the double-precision reference, shape [2, ${c.outShape.join(', ')}]`, () => {
        tf.tidy(() => {
          const y = c.make().forward(x());
          expect(y.shape).to.deep.equal([2, ...c.outShape]);
          expectClose(y, rows.flatMap(c.ref), FWD);
          expect(c.make().forwardShape([2, c.inDim])).to.deep.equal([2, ...c.outShape]);
          expect(c.make().inverseShape([2, ...c.outShape])).to.deep.equal([2, c.inDim]);
        });
      });
      it('inverse(forward(x)) ≈ x', () => {
        tf.tidy(() => {
          const t = c.make();
          expectClose(t.inverse(t.forward(x())), rows.flat(), { atol: 5e-4, rtol: 5e-4 });
        });
      });
      it('forward lands in the codomain', () => {
        tf.tidy(() => {
          const t = c.make();
          expectClose(t.codomain.check(t.forward(x())), [1, 1]);
        });
      });
      it('logAbsDetJacobian matches the finite-difference Jacobian onto the free coordinates', () => {
        tf.tidy(() => {
          const t = c.make();
          const ld = t.logAbsDetJacobian(x(), t.forward(x()));
          expect(ld.shape).to.deep.equal([2]);
          const fd = rows.map((r) => {
            const jac = jacobianFD((v) => c.free(c.ref(v)), r);
            expect(jac.length, 'square Jacobian').to.equal(r.length);
            return logAbsDet(jac);
          });
          expectClose(ld, fd, LOGDET);
        });
      });
      it('forward is differentiable and its gradient matches finite differences of the reference', () => {
        tf.tidy(() => {
          const t = c.make();
          const outSize = c.outShape.reduce((a, b) => a * b, 1);
          const w = Array.from(normals(PRNGKey(7), outSize));
          const wt = tf.tensor(w, c.outShape);
          const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(t.forward(v), wt)))(tf.tensor1d(rows[0]!));
          const fd = jacobianFD((v) => [c.ref(v).reduce((s, yi, i) => s + yi * w[i]!, 0)], rows[0]!)[0]!;
          expectClose(g, fd, { atol: 1e-3, rtol: 1e-3 });
        });
      });
      it('leaks no tensors in forward, inverse and logAbsDetJacobian', () => {
        const t = c.make();
        const xt = x();
        expectNoTensorLeak(() => {
          const y = t.forward(xt);
          const ld = t.logAbsDetJacobian(xt, y);
          const back = t.inverse(y);
          tf.dispose([y, ld, back]);
        });
        xt.dispose();
      });
    });
  });

  describe('StickBreaking', () => {
    it('maps 0 to the uniform point of the simplex (NumPyro offset convention)', () => {
      tf.tidy(() => expectClose(new StickBreaking().forward(tf.zeros([3])), [0.25, 0.25, 0.25, 0.25], FWD));
    });
    it('keeps a valid simplex for inputs of magnitude 20 and inverts its interior points', () => {
      tf.tidy(() => {
        const t = new StickBreaking();
        const y = t.forward(tf.tensor2d([[20, -20, 20], [-20, 20, -20]]));
        expectClose(t.codomain.check(y), [1, 1]);
        const back = t.inverse(t.forward(tf.tensor1d([5, -5, 2])));
        expectClose(back, [5, -5, 2], { atol: 2e-3, rtol: 1e-3 });
      });
    });
  });

  describe('CorrCholesky', () => {
    it('gives unit-norm rows and a positive diagonal at inputs of magnitude 20', () => {
      tf.tidy(() => {
        const y = new CorrCholesky().forward(tf.tensor1d([20, -20, 20, -20, 20, -20]));
        expectClose(new CorrCholesky().codomain.check(y), 1);
      });
    });
    it('rejects a vector whose length is not n(n-1)/2', () => {
      expectVinferError(() => new CorrCholesky().forward(tf.zeros([4])), ValueError, 'CorrCholesky', 'n(n-1)/2');
    });
  });

  describe('LowerCholesky', () => {
    it('rejects a vector whose length is not n(n+1)/2', () => {
      expectVinferError(() => new LowerCholesky().forward(tf.zeros([4])), ValueError, 'LowerCholesky', 'n(n+1)/2');
    });

    it('fills every matrix of a batch [2, 2, 6] → [2, 2, 3, 3], and an empty batch [0, 6] → [0, 3, 3]', () => {
      tf.tidy(() => {
        const rows = [...inputs(40, 6), ...inputs(41, 6)];
        const y = new LowerCholesky().forward(tf.tensor3d(rows.flat(), [2, 2, 6]));
        expect(y.shape).to.deep.equal([2, 2, 3, 3]);
        expectClose(y, rows.flatMap((r) => lowerCholRef(r, Math.exp)), FWD);
        expect(new LowerCholesky().forward(tf.zeros([0, 6])).shape).to.deep.equal([0, 3, 3]);
      });
    });

    // The forward map is linear in the strict coordinates and L_ii = pos(x_k) on the diagonal
    // ones, so the Hessian of Σ W ∘ L is diagonal: W_ii pos''(x_k) there, 0 elsewhere.
    const secondDerivatives: [string, () => Transform, (x: number) => number][] = [
      ['LowerCholesky', () => new LowerCholesky(), Math.exp],
      ['SoftplusLowerCholesky', () => new SoftplusLowerCholesky(), (x) => sigmoid(x) * (1 - sigmoid(x))],
    ];
    for (const [label, make, second] of secondDerivatives) {
      it(`${label} is differentiable twice: d²/dx_k² Σ W ∘ L = W_ii pos''(x_k) on the diagonal coordinates, 0 elsewhere`, () => {
        tf.tidy(() => {
          const x = inputs(42, 6)[0]!;
          const w = Array.from(normals(PRNGKey(43), 9));
          const wt = tf.tensor2d(w, [3, 3]);
          const t = make();
          const f = (v: tf.Tensor) => tf.sum(tf.mul(t.forward(v), wt));
          // Row sums of a diagonal Hessian are its diagonal.
          const h = tf.grad((v: tf.Tensor) => tf.sum(tf.grad(f)(v)))(tf.tensor1d(x));
          const ref = x.map((v, k) => (k < 3 ? 0 : w[(k - 3) * 4]! * second(v)));
          expectClose(h, ref, { atol: 1e-5, rtol: 1e-5 });
        });
      });
    }

    describe('on the wasm backend', () => {
      after(async () => {
        await setBackend('cpu');
      });
      it('gives the cpu value and gradient (its packed gather is a matrix product there)', async () => {
        const x = inputs(44, 6)[0]!;
        const w = Array.from(normals(PRNGKey(45), 9));
        const run = (): number[] =>
          tf.tidy(() => {
            const t = new LowerCholesky();
            const y = t.forward(tf.tensor1d(x));
            const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(t.forward(v), tf.tensor2d(w, [3, 3]))))(tf.tensor1d(x));
            return [...Array.from(y.dataSync()), ...Array.from(g.dataSync())];
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
        // wasm's float32 exp differs from JavaScript's by a few ulps.
        expectClose(wasm, cpu, { atol: 1e-6, rtol: 5e-6 });
      });
    });
  });
});
