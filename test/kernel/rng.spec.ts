import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { Gamma } from '../../src/distributions/gamma.js';
import { Normal } from '../../src/distributions/normal.js';
import { setBackend } from '../../src/kernel/backend.js';

import { ValueError } from '../../src/kernel/errors.js';
import {
  PRNGKey,
  choiceWithoutReplacement,
  foldIn,
  normal,
  normals,
  permutation,
  randint,
  split,
  threefry2x32Block,
  uniform,
  uniforms,
} from '../../src/kernel/rng.js';
import { expectClose, expectVinferError } from '../helpers/assert.js';
import { meanVar } from '../helpers/stats.js';

describe('rng', () => {
  describe('threefry2x32', () => {
    // Known-answer vectors of the Random123 distribution (kat_vectors, threefry2x32_20).
    it('matches the three Random123 known-answer vectors', () => {
      expect(threefry2x32Block([0, 0], [0, 0])).to.deep.equal([0x6b200159, 0x99ba4efe]);
      expect(threefry2x32Block([0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff])).to.deep.equal([0x1cb996fc, 0xbb002be7]);
      expect(threefry2x32Block([0x13198a2e, 0x03707344], [0x243f6a88, 0x85a308d3])).to.deep.equal([0xc4923a9c, 0x483df7a0]);
    });
  });

  describe('PRNGKey / split / foldIn', () => {
    it('gives the same keys as JAX for PRNGKey(0) and split', () => {
      // jax.random.split(jax.random.PRNGKey(0)) with the threefry implementation.
      expect([...PRNGKey(0)]).to.deep.equal([0, 0]);
      expect(split(PRNGKey(0)).map((k) => [...k])).to.deep.equal([
        [4146024105, 967050713],
        [2718843009, 1272950319],
      ]);
    });
    it('keys are plain serialisable, immutable data', () => {
      const k = PRNGKey(42);
      const back = JSON.parse(JSON.stringify(k)) as number[];
      expect(back).to.deep.equal([0, 42]);
      expect(Object.isFrozen(k)).to.equal(true);
    });
    it('split is deterministic and gives distinct keys', () => {
      const a = split(PRNGKey(7), 5).map((k) => k.join(','));
      const b = split(PRNGKey(7), 5).map((k) => k.join(','));
      expect(a).to.deep.equal(b);
      expect(new Set(a).size).to.equal(5);
    });
    it('foldIn with different data gives different keys, same data the same key', () => {
      const k = PRNGKey(3);
      expect(foldIn(k, 1)).to.deep.equal(foldIn(k, 1));
      expect(foldIn(k, 1)).to.not.deep.equal(foldIn(k, 2));
      expect(foldIn(k, 1)).to.not.deep.equal(k);
    });
    it('large seeds use both words', () => {
      expect([...PRNGKey(2 ** 40 + 5)]).to.deep.equal([256, 5]);
    });
    it('rejects bad seeds and keys', () => {
      expectVinferError(() => PRNGKey(1.5), ValueError, 'PRNGKey', 'integer');
      expectVinferError(() => split([1, 2, 3] as never), ValueError, 'split', 'PRNGKey');
      expectVinferError(() => split(PRNGKey(0), 0), ValueError, 'num');
    });
  });

  describe('draws', () => {
    const N = 50_000;
    it(`uniforms are on (0,1) with mean 1/2 and variance 1/12 within 4 SE (N=${N})`, () => {
      const u = uniforms(PRNGKey(11), N);
      expect(Math.min(...u)).to.be.greaterThan(0);
      expect(Math.max(...u)).to.be.lessThan(1);
      const { mean, variance } = meanVar(u);
      expect(mean).to.be.closeTo(0.5, 4 * Math.sqrt(1 / 12 / N));
      // Var of U^2-type statistic: SE of sample variance = sqrt((mu4 - sigma^4)/N), mu4 = 1/80.
      expect(variance).to.be.closeTo(1 / 12, 4 * Math.sqrt((1 / 80 - 1 / 144) / N));
    });
    it(`normals have mean 0 and variance 1 within 4 SE (N=${N})`, () => {
      const z = normals(PRNGKey(12), N);
      const { mean, variance } = meanVar(z);
      expect(mean).to.be.closeTo(0, 4 / Math.sqrt(N));
      expect(variance).to.be.closeTo(1, 4 * Math.sqrt(2 / N));
    });
    it('independent keys give uncorrelated streams (|corr| < 4/sqrt(N))', () => {
      const [k1, k2] = split(PRNGKey(5));
      const a = normals(k1!, N);
      const b = normals(k2!, N);
      let c = 0;
      for (let i = 0; i < N; i++) c += a[i]! * b[i]!;
      expect(Math.abs(c / N)).to.be.lessThan(4 / Math.sqrt(N));
    });
    it('tensor draws have the requested shape and repeat for the same key', () => {
      const a = normal(PRNGKey(1), [2, 3]);
      const b = normal(PRNGKey(1), [2, 3]);
      expect(a.shape).to.deep.equal([2, 3]);
      expect(Array.from(a.dataSync())).to.deep.equal(Array.from(b.dataSync()));
      const u = uniform(PRNGKey(1), [1000], -2, 3);
      const d = u.dataSync();
      expect(Math.min(...d)).to.be.at.least(-2);
      expect(Math.max(...d)).to.be.lessThan(3);
      tf.dispose([a, b, u]);
    });
    it('the same key gives the same draws on cpu and wasm: normal, uniform and randint bit for bit, Normal and Gamma samples to float32 rounding', async () => {
      const drawAll = (): number[][] =>
        tf.tidy(() => [
          Array.from(normal(PRNGKey(4), [64]).dataSync()),
          Array.from(uniform(PRNGKey(5), [64], -1, 2).dataSync()),
          Array.from(randint(PRNGKey(6), [64], 0, 10).dataSync()),
          Array.from(new Normal(1, 2).sample(PRNGKey(7), [64]).dataSync()),
          Array.from(new Gamma(0.7, 1.3).sample(PRNGKey(8), [64]).dataSync()),
        ]);
      await setBackend('cpu');
      const onCpu = drawAll();
      try {
        await setBackend('wasm');
        const onWasm = drawAll();
        for (let i = 0; i < 3; i++) expect(onWasm[i], `draw kind ${i}`).to.deep.equal(onCpu[i]);
        // Samplers that transform the key's draws with tensor ops may round differently per backend
        // (a few float32 ulps); the draws themselves are the same.
        for (let i = 3; i < 5; i++) expectClose(onWasm[i]!, onCpu[i]!, { atol: 1e-6, rtol: 1e-5 });
      } finally {
        await setBackend('cpu');
      }
    });

    it("library code takes all randomness from keys: no Math.random and no tfjs random op anywhere in src/", () => {
      const root = fileURLToPath(new URL('../../src/', import.meta.url));
      const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
      expect(files.length).to.be.greaterThan(50);
      const offenders = files.filter((f) =>
        /Math\.random\s*\(|tf\.(random\w*|multinomial|truncatedNormal)\s*\(/.test(readFileSync(path.join(root, f), 'utf8')),
      );
      expect(offenders).to.deep.equal([]);
    });

    it('permutation and choiceWithoutReplacement give distinct in-range indices', () => {
      const p = Array.from(permutation(PRNGKey(2), 100)).sort((a, b) => a - b);
      expect(p).to.deep.equal(Array.from({ length: 100 }, (_, i) => i));
      const c = Array.from(choiceWithoutReplacement(PRNGKey(3), 1000, 50));
      expect(new Set(c).size).to.equal(50);
      expect(c.every((i) => i >= 0 && i < 1000)).to.equal(true);
    });
  });
});
