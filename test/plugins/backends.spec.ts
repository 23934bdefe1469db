import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { setBackend } from '../../src/kernel/backend.js';
import { BackendError, RegistryError, ValueError } from '../../src/kernel/errors.js';
import { PRNGKey, normals, split } from '../../src/kernel/rng.js';
import { CpuBackend } from '../../src/plugins/backends/cpu.js';
import { WasmBackend } from '../../src/plugins/backends/wasm.js';
import { expectClose, expectVinferError, expectVinferErrorAsync } from '../helpers/assert.js';

/** Whether an optional package can be resolved from this project. */
function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Logistic-regression negative log-likelihood and its gradient in w (N = 500 rows, D = 8), the
 * same computation on each backend. Data come from fixed PRNG keys as plain numbers.
 */
function logisticNllAndGrad(): { value: number; grad: Float32Array } {
  const [kx, kw, ky] = split(PRNGKey(7), 3) as [PRNGKey, PRNGKey, PRNGKey];
  const xs = Array.from(normals(kx, 500 * 8));
  const w0 = Array.from(normals(kw, 8), (v) => 0.3 * v);
  const ys = Array.from(normals(ky, 500), (v) => (v > 0 ? 1 : 0));
  return tf.tidy(() => {
    const X = tf.tensor2d(xs, [500, 8]);
    const y = tf.tensor2d(ys, [500, 1]);
    const nll = (w: tf.Tensor): tf.Scalar => {
      const logits = tf.matMul(X, tf.reshape(w, [8, 1]));
      // softplus(z) − y z, summed: the Bernoulli-logit NLL.
      return tf.sum(tf.sub(tf.softplus(logits), tf.mul(y, logits)));
    };
    const { value, grad } = tf.valueAndGrad(nll)(tf.tensor1d(w0));
    return { value: value.dataSync()[0]!, grad: grad.dataSync() as Float32Array };
  });
}

describe('backends', () => {
  afterEach(async () => {
    await setBackend('cpu'); // other specs assume cpu
  });

  describe('cpu and wasm', () => {
    it('agree on a logistic-regression NLL and gradient (N=500, D=8) to float32 accuracy', async () => {
      await setBackend('cpu');
      expect(tf.getBackend()).to.equal('cpu');
      const cpu = logisticNllAndGrad();
      await setBackend('wasm');
      expect(tf.getBackend()).to.equal('wasm');
      const wasm = logisticNllAndGrad();
      // The NLL is ~350 and sums 500 float32 terms; summation orders differ (the cpu Sum kernel
      // accumulates in a JS double), so allow 500 · 2^-24 ≈ 3e-5 relative, with a factor 10 margin.
      expectClose(wasm.value, cpu.value, { atol: 0, rtol: 3e-4 });
      // Gradient entries are sums of 500 terms of size ≲ 3: absolute error ≲ 500 · 3 · 6e-8 ≈ 1e-4.
      expectClose(wasm.grad, cpu.grad, { atol: 1e-3, rtol: 1e-4 });
    });

    it('switch back and forth: cpu → wasm → cpu', async () => {
      await setBackend('wasm');
      await setBackend('cpu');
      expect(tf.getBackend()).to.equal('cpu');
    });

    it("marks the cpu backend as used so tfjs's Node.js banner is not printed", async () => {
      await setBackend('cpu');
      expect((tf.backend() as unknown as { firstUse: boolean }).firstUse).to.equal(false);
      expect(tf.env().getBool('PROD')).to.equal(false);
    });

    it('loads the wasm binary from the installed package without any network access (fresh process)', async function () {
      this.timeout(60000);
      const script = fileURLToPath(new URL('../fixtures/backends/wasm-offline.ts', import.meta.url));
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { timeout: 60000 });
      const result = JSON.parse(stdout.trim().split('\n').pop()!) as { backend: string; sum: number; networkCalls: string[] };
      expect(result).to.deep.equal({ backend: 'wasm', sum: 6.5, networkCalls: [] });
    });
  });

  describe('options', () => {
    it('reject unknown options with the known ones', () => {
      expectVinferError(() => new CpuBackend({ threads: 2 } as never), ValueError, "backend:cpu: unknown option 'threads'", 'It takes no options');
      expectVinferError(() => new WasmBackend({ wasmPath: '/x/' } as never), ValueError, "unknown option 'wasmPath'", "Did you mean 'wasmPaths'?");
      expectVinferError(() => new WasmBackend({ wasmPaths: 3 } as never), ValueError, "option 'wasmPaths' must be a non-empty string");
    });

    it('are passed from a setBackend spec', async () => {
      await expectVinferErrorAsync(() => setBackend({ name: 'cpu', threads: 2 }), ValueError, "backend:cpu: unknown option 'threads'");
    });
  });

  describe('tensorflow (tfjs-node)', () => {
    it('names the package to install when @tensorflow/tfjs-node is absent, and keeps the current backend', async function () {
      if (installed('@tensorflow/tfjs-node')) this.skip();
      await setBackend('cpu');
      await expectVinferErrorAsync(
        () => setBackend('tensorflow'),
        BackendError,
        "backend 'tensorflow' needs @tensorflow/tfjs-node, which is not installed. Run: npm install @tensorflow/tfjs-node (it downloads libtensorflow at install time)",
      );
      expect(tf.getBackend()).to.equal('cpu');
    });

    it('runs when @tensorflow/tfjs-node is installed', async function () {
      if (!installed('@tensorflow/tfjs-node')) this.skip();
      await setBackend('tensorflow');
      expect(tf.getBackend()).to.equal('tensorflow');
      const { grad } = logisticNllAndGrad();
      expect(grad.every(Number.isFinite)).to.equal(true);
    });
  });

  describe('tensorflow-gpu (tfjs-node-gpu)', () => {
    it('names the package and the CUDA/cuDNN requirement when @tensorflow/tfjs-node-gpu is absent', async function () {
      if (installed('@tensorflow/tfjs-node-gpu')) this.skip();
      await expectVinferErrorAsync(
        () => setBackend('tensorflow-gpu'),
        BackendError,
        "backend 'tensorflow-gpu' needs @tensorflow/tfjs-node-gpu, which is not installed. Run: npm install @tensorflow/tfjs-node-gpu",
        'CUDA and cuDNN',
      );
    });
  });

  describe('setBackend', () => {
    it("lists the known backends for an unknown name ('nope')", async () => {
      await expectVinferErrorAsync(
        () => setBackend('nope'),
        RegistryError,
        "no backend named 'nope'. Registered backends: cpu, wasm, tensorflow, tensorflow-gpu.",
      );
    });

    it('suggests the closest name for a typo', async () => {
      await expectVinferErrorAsync(() => setBackend('wasn'), RegistryError, "Did you mean 'wasm'?");
    });
  });
});
