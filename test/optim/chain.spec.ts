import { expect } from 'chai';

import { ValueError } from '../../src/kernel/errors.js';
import { Adam, adam } from '../../src/optim/adam.js';
import { chain } from '../../src/optim/chain.js';
import { clipByGlobalNorm, clipByValue } from '../../src/optim/clip.js';
import type { OptimizerState } from '../../src/optim/optimizer.js';
import { SGD, sgd } from '../../src/optim/sgd.js';
import { disposeTree, treeTensors } from '../../src/optim/state.js';
import { expectClose, expectNoTensorLeak, expectVinferError } from '../helpers/assert.js';
import { INIT, TOL, gradValue, gradsAt, makeParams, run } from './harness.js';
import { STEPS, checkAgainstReference } from './reference-check.js';

function bits(tree: unknown): number[][] {
  return treeTensors(tree).map((t) => Array.from(new Uint32Array(new Float32Array(t.dataSync()).buffer)));
}

describe('chain', () => {
  it('clipByGlobalNorm(4) then SGD with momentum matches a double reference (10 updates, |Δ| <= 1e-6 + 1e-6·|ref|)', () => {
    const [maxNorm, lr, mu] = [4, 0.05, 0.9];
    // Reference: optax's clip_by_global_norm over all elements of all gradients, then torch's SGD.
    const names = Object.keys(INIT);
    const p: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, INIT[n]!.values.map(Math.fround)]));
    const buf: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, INIT[n]!.values.map(() => 0)]));
    const expected: Record<string, number[]>[] = [];
    let [clipped, unclipped] = [0, 0];
    for (let t = 0; t < STEPS; t++) {
      const g = Object.fromEntries(names.map((n) => [n, INIT[n]!.values.map((_, i) => gradValue(n, t, i))]));
      const norm = Math.sqrt(names.reduce((s, n) => s + g[n]!.reduce((a, x) => a + x * x, 0), 0));
      if (norm > maxNorm) clipped++;
      else unclipped++;
      const factor = norm < maxNorm ? 1 : maxNorm / norm;
      for (const n of names) {
        p[n] = p[n]!.map((x, i) => {
          const gi = g[n]![i]! * factor;
          buf[n]![i] = t === 0 ? gi : mu * buf[n]![i]! + gi;
          return x - lr * buf[n]![i]!;
        });
      }
      expected.push(Object.fromEntries(names.map((n) => [n, [...p[n]!]])));
    }
    expect(clipped, 'updates whose gradients were clipped').to.be.greaterThan(0);
    expect(unclipped, 'updates whose gradients were not clipped').to.be.greaterThan(0);
    const got = run(chain(clipByGlobalNorm(maxNorm), sgd({ lr, momentum: mu })), STEPS);
    for (let t = 0; t < STEPS; t++) for (const n of names) expectClose(got.history[t]![n]!, expected[t]![n]!, TOL);
    disposeTree([got.params, got.state]);
  });

  it('clipByValue(0.5) then SGD matches an element-wise double reference (10 updates, |Δ| <= 1e-6 + 1e-6·|ref|)', () => {
    const lr = 0.1;
    checkAgainstReference(
      chain(clipByValue(0.5), new SGD({ lr })),
      (p0, grads) => {
        let p = p0;
        const params = grads.map((g) => (p -= lr * Math.min(Math.max(g, -0.5), 0.5)));
        return { params, slots: {} };
      },
      [],
    );
  });

  it('with only an optimiser, updates bit for bit as that optimiser does', () => {
    const a = run(chain(new Adam({ lr: 0.01 })), 5);
    const b = run(new Adam({ lr: 0.01 }), 5);
    expect(bits(a.params)).to.deep.equal(bits(b.params));
    disposeTree([a, b].map((r) => [r.params, r.state]));
  });

  it('accepts a chain as its optimiser (nesting)', () => {
    const a = run(chain(clipByValue(1), chain(clipByGlobalNorm(3), adam({ lr: 0.01 }))), 5);
    const b = run(chain(clipByValue(1), clipByGlobalNorm(3), adam({ lr: 0.01 })), 5);
    expect(bits(a.params)).to.deep.equal(bits(b.params));
    disposeTree([a, b].map((r) => [r.params, r.state]));
  });

  it('keeps its state as { count, slots: { stages: [<each transformation>, <the optimiser>] } }', () => {
    const params = makeParams();
    const state = chain(clipByGlobalNorm(1), new Adam()).init(params);
    expect(state.count).to.equal(0);
    const stages = state.slots.stages as unknown[];
    expect(stages).to.have.length(2);
    expect(stages[0]).to.deep.equal({});
    expect(Object.keys(stages[1] as object)).to.deep.equal(['m', 'v']);
    disposeTree([params, state]);
  });

  it('rejects arguments in the wrong order or of the wrong kind (ValueError)', () => {
    expectVinferError(() => (chain as (...a: unknown[]) => unknown)(), ValueError, 'chain: expected at least an optimiser');
    expectVinferError(
      () => (chain as (...a: unknown[]) => unknown)(adam(), clipByGlobalNorm(1)),
      ValueError,
      'chain: the last argument must be an optimiser such as adam({ lr: 1e-3 }), got the gradient transformation clipByGlobalNorm',
    );
    expectVinferError(
      () => (chain as (...a: unknown[]) => unknown)(sgd({ lr: 0.1 }), adam()),
      ValueError,
      'chain: argument 0 must be a gradient transformation such as clipByGlobalNorm(10)',
      'Only the last argument may be an optimiser',
    );
  });

  it("rejects another optimiser's state (ValueError)", () => {
    const params = makeParams();
    const grads = gradsAt(0);
    const adamState = new Adam().init(params);
    const c = chain(clipByGlobalNorm(1), new Adam());
    expectNoTensorLeak(() =>
      expectVinferError(() => c.update(grads, adamState as OptimizerState, params), ValueError, 'chain: the state does not match this chain, expected slots.stages with 2 entries'),
    );
    disposeTree([params, grads, adamState]);
  });
});
