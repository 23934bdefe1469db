// Behaviour every element-wise optimiser shares through PerParameterOptimizer (and chain, which
// must keep the same contract): state layout, input checks, no leaks, no read-backs, exact
// JSON round trips of the state, and a bounded number of kernels per parameter.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { ValueError } from '../../src/kernel/errors.js';
import { Adagrad } from '../../src/optim/adagrad.js';
import { Adam } from '../../src/optim/adam.js';
import { Adamax } from '../../src/optim/adamax.js';
import { chain } from '../../src/optim/chain.js';
import { clipByGlobalNorm } from '../../src/optim/clip.js';
import { ClippedAdam } from '../../src/optim/clipped-adam.js';
import type { Optimizer, OptimizerState } from '../../src/optim/optimizer.js';
import { RMSProp } from '../../src/optim/rmsprop.js';
import { SGD } from '../../src/optim/sgd.js';
import { disposeTree, treeFromJSON, treeTensors, treeToJSON } from '../../src/optim/state.js';
import { expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';
import { gradsAt, makeParams, run } from './harness.js';

/** Each optimiser with options that exercise all of its slots. */
const CASES: [string, () => Optimizer][] = [
  ['Adam (amsgrad, weightDecay)', () => new Adam({ lr: 0.01, amsgrad: true, weightDecay: 0.01 })],
  ['SGD (Nesterov)', () => new SGD({ lr: 0.01, momentum: 0.9, nesterov: true })],
  ['RMSProp (centred, momentum)', () => new RMSProp({ centered: true, momentum: 0.5 })],
  ['Adagrad', () => new Adagrad({ initialAccumulatorValue: 0.1, lrDecay: 0.01 })],
  ['Adamax', () => new Adamax()],
  ['ClippedAdam', () => new ClippedAdam({ clipNorm: 0.5, lrd: 0.99 })],
  ['chain(clipByGlobalNorm(1), Adam)', () => chain(clipByGlobalNorm(1), new Adam({ lr: 0.01 }))],
];

/** Every float32 of the parameters and state, as raw bits, for bit-exact comparison. */
function bits(tree: unknown): number[][] {
  return treeTensors(tree).map((t) => Array.from(new Uint32Array(new Float32Array(t.dataSync()).buffer)));
}

/** The tensor methods that copy values back to JavaScript. */
const READBACKS = ['dataSync', 'data', 'arraySync', 'array', 'bufferSync', 'buffer'] as const;

describe('element-wise optimisers (shared contract)', () => {
  for (const [label, make] of CASES) {
    describe(label, () => {
      it('keeps tf.memory().numTensors constant over 100 updates when the caller disposes superseded params, state and grads', () => {
        const opt = make();
        let params = makeParams();
        let state = opt.init(params);
        const counts: number[] = [];
        for (let t = 0; t < 100; t++) {
          const grads = gradsAt(t);
          const next = opt.update(grads, state, params);
          disposeTree([grads, params, state]);
          ({ params, state } = next);
          counts.push(tf.memory().numTensors);
        }
        expect(new Set(counts).size, `live tensors after each update: ${[...new Set(counts)].join(', ')}`).to.equal(1);
        disposeTree([params, state]);
      });

      it('continues bit-identically after a JSON round trip of params and state (5 + 3 updates)', () => {
        const a = run(make(), 5);
        const text = JSON.stringify({ params: treeToJSON(a.params), state: treeToJSON(a.state) });
        const back = JSON.parse(text) as { params: unknown; state: unknown };
        const params = treeFromJSON(back.params) as unknown as Record<string, tf.Tensor>;
        const state = treeFromJSON(back.state) as unknown as OptimizerState;
        expect(bits([params, state])).to.deep.equal(bits([a.params, a.state]));
        const original = run(make(), 3, { params: a.params, state: a.state, t0: 5 });
        const restored = run(make(), 3, { params, state, t0: 5 }); // a fresh instance, as after a restart
        expect(restored.state.count).to.equal(8);
        expect(bits([restored.params, restored.state])).to.deep.equal(bits([original.params, original.state]));
        disposeTree([original.params, original.state, restored.params, restored.state]);
      });

      it('reads no tensor values back to JavaScript inside update', () => {
        const opt = make();
        const params = makeParams();
        const grads = gradsAt(0);
        const state = opt.init(params);
        const proto = tf.Tensor.prototype as unknown as Record<string, unknown>;
        const saved = READBACKS.map((m) => proto[m]);
        READBACKS.forEach((m) => {
          proto[m] = () => {
            throw new Error(`read-back through ${m} during update`);
          };
        });
        let out: ReturnType<Optimizer['update']>;
        try {
          out = opt.update(grads, state, params);
        } finally {
          READBACKS.forEach((m, i) => (proto[m] = saved[i]));
        }
        disposeTree([params, grads, state, out.params, out.state]);
      });

      it('returns new tensors and disposes none of its inputs', () => {
        const opt = make();
        const params = makeParams();
        const grads = gradsAt(0);
        const state = opt.init(params);
        const out = opt.update(grads, state, params);
        const inputs = new Set(treeTensors([params, grads, state]));
        expect(treeTensors([params, grads, state]).every((t) => !t.isDisposed)).to.equal(true);
        expect(treeTensors(out).filter((t) => inputs.has(t))).to.deep.equal([]);
        disposeTree([params, grads, state]);
        expect(treeTensors(out).every((t) => !t.isDisposed)).to.equal(true);
        disposeTree(out);
      });
    });
  }

  describe('input checks (ValueError, nothing leaked)', () => {
    const opt = new Adam({ lr: 0.1 });
    let params: Record<string, tf.Tensor>;
    let state: OptimizerState;
    beforeEach(() => {
      params = makeParams();
      state = opt.init(params);
    });
    afterEach(() => disposeTree([params, state]));

    function check(grads: Record<string, tf.Tensor>, st: OptimizerState, ...fragments: string[]): void {
      expectNoTensorLeak(() => expectVinferError(() => opt.update(grads, st, params), ValueError, ...fragments));
      disposeTree(grads);
    }

    it('a missing gradient', () => {
      const g = gradsAt(0);
      g.b!.dispose();
      delete g.b;
      check(g, state, "Adam: no gradient for parameter 'b'");
    });
    it('a gradient of an unknown parameter', () => {
      check({ ...gradsAt(0), zz: tf.zeros([1]) }, state, "Adam: grads has 'zz', which is not among the parameters (a, b, c)");
    });
    it('a gradient of the wrong shape', () => {
      const g = gradsAt(0);
      g.a!.dispose();
      g.a = tf.zeros([4]);
      check(g, state, "Adam: gradient of 'a' has the wrong shape, expected [5], got [4]");
    });
    it('a state without the slot of a parameter', () => {
      const partial = opt.init({ a: params.a! });
      check(gradsAt(0), partial, "Adam: the state has no usable slot 'm' for parameter 'b'");
      disposeTree(partial);
    });
    it('a malformed state', () => {
      check(gradsAt(0), { count: -1, slots: {} }, "Adam: the optimiser state's count must be an integer >= 0, got -1");
      check(gradsAt(0), null as unknown as OptimizerState, 'Adam: the optimiser state must be { count, slots }');
    });
    it('a disposed or non-float32 parameter', () => {
      const p = { w: tf.tensor([1, 2], [2], 'int32') };
      expectVinferError(() => opt.init(p), ValueError, "Adam: params['w'] must be float32, got dtype int32");
      p.w.dispose();
      expectVinferError(() => opt.init(p), ValueError, "Adam: params['w'] has been disposed");
      expectVinferError(() => opt.init({ w: [1, 2] as unknown as tf.Tensor }), ValueError, "Adam: params['w'] must be a tf.Tensor");
    });
    it('a schedule that returns a non-finite rate', () => {
      const bad = new Adam({ lr: (c) => (c < 1 ? 0.1 : NaN) });
      const s1 = bad.update(gradsAt(0), bad.init(params), params);
      const g = gradsAt(1);
      expectNoTensorLeak(() =>
        expectVinferError(() => bad.update(g, s1.state, s1.params), ValueError, 'Adam: the learning-rate schedule must return a finite number, got NaN at update 1'),
      );
      disposeTree([s1, g]);
    });
  });

  it('carries over, as copies, the slots of parameters left out of an update', () => {
    const opt = new Adam({ lr: 0.1 });
    const params = makeParams();
    const grads = gradsAt(0);
    const state = opt.init(params);
    const out = opt.update({ a: grads.a! }, state, { a: params.a! });
    const m = out.state.slots.m as Record<string, tf.Tensor>;
    expect(Object.keys(m)).to.deep.equal(['a', 'b', 'c']);
    expect(m.b).to.not.equal((state.slots.m as Record<string, tf.Tensor>).b);
    disposeTree(state);
    expect(Array.from(m.b!.dataSync())).to.deep.equal([0, 0, 0, 0, 0, 0]);
    disposeTree([params, grads, out]);
  });

  // Kernel counts per parameter at the default options (tf.profile, cpu backend). They bound the
  // per-step overhead of small models; a regression here is a speed regression.
  const KERNELS: [string, () => Optimizer, number][] = [
    ['Adam', () => new Adam(), 12],
    ['SGD', () => new SGD({ lr: 0.1 }), 2],
    ['SGD with momentum', () => new SGD({ lr: 0.1, momentum: 0.9 }), 4],
    ['RMSProp', () => new RMSProp(), 9],
    ['Adagrad', () => new Adagrad(), 7],
    ['Adamax', () => new Adamax(), 10],
    ['ClippedAdam', () => new ClippedAdam(), 13],
  ];
  for (const [label, make, perParam] of KERNELS) {
    it(`${label} runs ${perParam} kernels per parameter per update`, async () => {
      const opt = make();
      const params = makeParams();
      const grads = gradsAt(0);
      const s0 = opt.init(params);
      const s1 = opt.update(grads, s0, params); // past the first-update special case of SGD
      const info = await tf.profile(() => disposeTree(opt.update(grads, s1.state, s1.params)));
      expect(info.kernels.length).to.equal(perParam * Object.keys(params).length);
      disposeTree([params, grads, s0, s1]);
    });
  }
});
