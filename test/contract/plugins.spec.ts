/**
 * Contract tier (STYLE 2.10, tier 4): every entry of vinfer's built-in plugins.json, loaded
 * through the Registry, is checked for
 * - a valid, unique `static plugin` declared on the class itself and matching the entry;
 * - construction from the entry's plugins.json options (plus the options that have no default);
 * - a ValueError for one clearly bad option;
 * - no tensor leak in one use (optimisers: init + update; losses: one evaluation and one SVI step;
 *   guides: one SVI step, then dispose; callbacks: attached to a short SVI run; backends: set up,
 *   one op, back to cpu);
 * - (optimisers) an exact round trip of their state through treeToJSON / JSON text / treeFromJSON.
 * Every guide is also built by name through createSVI and run for a step.
 *
 * Each built-in entry needs a fixture in FIXTURES below; a new plugin without one fails the
 * 'has a contract fixture' test, so the contract cannot be skipped by omission.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { positive } from '../../src/distributions/constraints.js';
import { Exponential } from '../../src/distributions/exponential.js';
import { Normal } from '../../src/distributions/normal.js';
import type { Guide, ModelFn } from '../../src/guides/guide.js';
import type { ELBO } from '../../src/losses/elbo.js';
import { activateBackend } from '../../src/kernel/backend.js';
import { createContainer } from '../../src/kernel/container.js';
import { createSVI } from '../../src/kernel/create-svi.js';
import { ValueError } from '../../src/kernel/errors.js';
import type { Callback } from '../../src/kernel/events.js';
import { param, plate, sample } from '../../src/kernel/primitives.js';
import { PLUGIN_KINDS, type PluginKind, type PluginOptions, Registry, type RegistryEntry, mergeOptions } from '../../src/kernel/registry.js';
import { PRNGKey, normals, split } from '../../src/kernel/rng.js';
import { disposeState } from '../../src/kernel/svi-state.js';
import { SVI } from '../../src/kernel/svi.js';
import { TraceELBO } from '../../src/losses/trace-elbo.js';
import { Adam } from '../../src/optim/adam.js';
import type { Optimizer, OptimizerState, Params } from '../../src/optim/optimizer.js';
import { disposeTree, treeFromJSON, treeTensors, treeToJSON } from '../../src/optim/state.js';
import type { Backend } from '../../src/plugins/backends/backend.js';
import { CpuBackend } from '../../src/plugins/backends/cpu.js';
import { expectNoTensorLeak, expectNoTensorLeakAsync, expectVinferError } from '../helpers/assert.js';

/** The built-in table as written, read synchronously so that mocha can make one test group per entry. */
interface TableEntry {
  kind: PluginKind;
  name: string;
  aliases?: string[];
  options?: PluginOptions;
}
const TABLE = JSON.parse(readFileSync(new URL('../../plugins.json', import.meta.url), 'utf8')) as { plugins: TableEntry[] };

const DATA = [0.8, 1.9, 1.2, 2.4];

/** mu ~ N(0, 1), sigma ~ Exponential(1) (a constrained site), x_i ~ N(mu, sigma) observed in a plate. */
function guideModel(): void {
  const mu = sample('mu', new Normal(0, 1));
  const sigma = sample('sigma', new Exponential(1));
  plate('data', DATA.length, () => sample('x', new Normal(mu, sigma), { obs: DATA }));
}

/** mu ~ N(0, 1), x_i ~ N(mu, 1) observed in a plate: the model of the loss and callback checks. */
function lossModel(): void {
  const mu = sample('mu', new Normal(0, 1));
  plate('data', DATA.length, () => sample('x', new Normal(mu, 1), { obs: DATA }));
}

/** q(mu) = N(loc, scale), reparameterised, so that every loss (RenyiELBO included) accepts it. */
function lossGuide(): void {
  const loc = param('loc', 0);
  const scale = param('scale', 1, { constraint: positive });
  sample('mu', new Normal(loc, scale));
}

/** Temporary directories made by the callback fixtures, removed after the suite. */
const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vinfer-contract-'));
  tempDirs.push(dir);
  return dir;
}

function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/**
 * What the contract needs to know about one plugin beyond its plugins.json entry:
 * - `required`: options without a default (merged over the entry's options to build it);
 * - `bad`: one clearly bad option, and fragments the ValueError must contain (the class and option);
 * - `quiet`: extra options for the use check only, so that it prints nothing;
 * - `skipUse`: why the use check cannot run here (a missing optional package), if it cannot.
 */
interface Fixture {
  required?: () => Promise<PluginOptions> | PluginOptions;
  bad: PluginOptions;
  badText: string[];
  quiet?: PluginOptions;
  skipUse?: () => string | null;
}

const FIXTURES: Record<string, Fixture> = {
  // backends
  'backend:cpu': { bad: { threads: 2 }, badText: ['backend:cpu', "unknown option 'threads'"] },
  'backend:wasm': { bad: { wasmPaths: '' }, badText: ['backend:wasm', "option 'wasmPaths'"] },
  'backend:tensorflow': {
    bad: { threads: 2 },
    badText: ['backend:tensorflow', "unknown option 'threads'"],
    skipUse: () => (installed('@tensorflow/tfjs-node') ? null : '@tensorflow/tfjs-node is not installed'),
  },
  'backend:tensorflow-gpu': {
    bad: { threads: 2 },
    badText: ['backend:tensorflow-gpu', "unknown option 'threads'"],
    skipUse: () => (installed('@tensorflow/tfjs-node-gpu') ? null : '@tensorflow/tfjs-node-gpu is not installed'),
  },
  // guides
  'guide:AutoNormal': { bad: { initScale: -1 }, badText: ['AutoNormal', "option 'initScale'"] },
  'guide:AutoDelta': { bad: { prefix: '' }, badText: ['AutoDelta', "option 'prefix'"] },
  'guide:AutoDiagonalNormal': { bad: { initScale: 0 }, badText: ['AutoDiagonalNormal', "option 'initScale'"] },
  'guide:AutoMultivariateNormal': { bad: { initScale: Number.NaN }, badText: ['AutoMultivariateNormal', "option 'initScale'"] },
  'guide:AutoLowRankMultivariateNormal': { bad: { rank: 0 }, badText: ['AutoLowRankMultivariateNormal', "option 'rank'"] },
  'guide:AutoLaplaceApproximation': { bad: { hessianFn: 3 }, badText: ['AutoLaplaceApproximation', "option 'hessianFn'"] },
  // losses
  'loss:Trace_ELBO': { bad: { numParticles: 0 }, badText: ['TraceELBO', "option 'numParticles'"] },
  'loss:TraceMeanField_ELBO': { bad: { numParticles: 1.5 }, badText: ['TraceMeanFieldELBO', "option 'numParticles'"] },
  'loss:RenyiELBO': { bad: { alpha: 1 }, badText: ['RenyiELBO', "option 'alpha'"] },
  'loss:TraceGraph_ELBO': { bad: { numParticles: -2 }, badText: ['TraceGraph', "option 'numParticles'"] },
  'loss:TraceEnum_ELBO': { bad: { maxPlateNesting: -1 }, badText: ['TraceEnum', "option 'maxPlateNesting'"] },
  // callbacks
  'callback:EarlyStopping': { required: () => ({ patience: 50 }), bad: { patience: 0 }, badText: ['EarlyStopping', "option 'patience'"] },
  'callback:TerminateOnNaN': { bad: { patience: 3 }, badText: ['TerminateOnNaN', "unknown option 'patience'"] },
  'callback:ConsoleLogger': {
    bad: { every: 0 },
    badText: ['ConsoleLogger', "option 'every'"],
    quiet: { write: () => undefined },
  },
  'callback:JsonlLogger': {
    required: async () => ({ path: path.join(await tempDir(), 'log.jsonl') }),
    bad: { every: -1 },
    badText: ['JsonlLogger', "option 'every'"],
  },
  'callback:Checkpoint': {
    required: async () => ({ path: await tempDir() }),
    bad: { keep: 0 },
    badText: ['Checkpoint', "option 'keep'"],
  },
  'callback:ProgressBar': { bad: { intervalMs: -5 }, badText: ['ProgressBar', "option 'intervalMs'"] },
  // optimisers
  'optimizer:adam': { bad: { lr: -0.001 }, badText: ['Adam', "option 'lr'"] },
  'optimizer:sgd': { bad: { momentum: -0.5 }, badText: ['SGD', "option 'momentum'"] },
  'optimizer:rmsprop': { bad: { alpha: 1.5 }, badText: ['RMSProp', "option 'alpha'"] },
  'optimizer:adagrad': { bad: { lrDecay: -1 }, badText: ['Adagrad', "option 'lrDecay'"] },
  'optimizer:adamax': { bad: { betas: [0.9, 1] }, badText: ['Adamax', "option 'betas'"] },
  'optimizer:clipped_adam': { bad: { clipNorm: 0 }, badText: ['ClippedAdam', "option 'clipNorm'"] },
};

const key = (e: { kind: string; name: string }): string => `${e.kind}:${e.name}`;

/** Builds the plugin of an entry with its plugins.json options merged under `extra`. */
function build(entry: RegistryEntry, extra: PluginOptions, model: ModelFn = guideModel): unknown {
  const options = mergeOptions(entry.options, extra);
  return entry.kind === 'guide' ? new entry.cls(model, options) : new entry.cls(options);
}

async function requiredOptions(f: Fixture): Promise<PluginOptions> {
  return f.required === undefined ? {} : await f.required();
}

/** Small parameters of three shapes, with gradients that differ per element (from a fixed key). */
function smallParams(): { params: Params; grads: (k: number) => Params } {
  const shapes: Record<string, number[]> = { a: [3], b: [2, 2], c: [] };
  const params: Params = {};
  for (const [i, [name, shape]] of Object.entries(shapes).entries()) {
    const size = shape.reduce((x, y) => x * y, 1);
    params[name] = tf.tensor(Array.from(normals(PRNGKey(100 + i), size)), shape, 'float32');
  }
  const grads = (k: number): Params => {
    const out: Params = {};
    for (const [i, [name, shape]] of Object.entries(shapes).entries()) {
      const size = shape.reduce((x, y) => x * y, 1);
      out[name] = tf.tensor(Array.from(normals(PRNGKey(1000 * k + i), size)), shape, 'float32');
    }
    return out;
  };
  return { params, grads };
}

/** Two optimiser updates from `state`, returning the final params and state; inputs are left alone. */
function twoUpdates(opt: Optimizer, params: Params, state: OptimizerState, grads: (k: number) => Params): { params: Params; state: OptimizerState } {
  return tf.tidy(() => {
    const first = opt.update(grads(1), state, params);
    const second = opt.update(grads(2), first.state, first.params);
    return second as unknown as tf.TensorContainer;
  }) as unknown as { params: Params; state: OptimizerState };
}

/** Exact equality of two trees: same structure, and tensors with the same shape, dtype and bits. */
function expectSameTree(actual: unknown, expected: unknown, where = 'state'): void {
  if (expected instanceof tf.Tensor) {
    expect(actual, where).to.be.instanceOf(tf.Tensor);
    const a = actual as tf.Tensor;
    expect(a.shape, `${where} shape`).to.deep.equal(expected.shape);
    expect(a.dtype, `${where} dtype`).to.equal(expected.dtype);
    const av = a.dataSync();
    const ev = expected.dataSync();
    for (let i = 0; i < ev.length; i++) {
      expect(Object.is(av[i], ev[i]), `${where}[${i}]: ${av[i]} vs ${ev[i]}`).to.equal(true);
    }
    return;
  }
  if (Array.isArray(expected)) {
    expect(actual, where).to.be.an('array').with.lengthOf(expected.length);
    expected.forEach((x, i) => expectSameTree((actual as unknown[])[i], x, `${where}[${i}]`));
    return;
  }
  if (typeof expected === 'object' && expected !== null) {
    expect(actual, where).to.be.an('object');
    expect(Object.keys(actual as object).sort(), `${where} keys`).to.deep.equal(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected)) expectSameTree((actual as Record<string, unknown>)[k], v, `${where}.${k}`);
    return;
  }
  expect(Object.is(actual, expected), `${where}: ${String(actual)} vs ${String(expected)}`).to.equal(true);
}

/** One use of a plugin, checked for leaks. */
async function useWithoutLeak(entry: RegistryEntry, options: PluginOptions, fixture: Fixture): Promise<void> {
  switch (entry.kind) {
    case 'optimizer': {
      expectNoTensorLeak(() => {
        const opt = build(entry, options) as Optimizer;
        const { params, grads } = smallParams();
        const state = opt.init(params);
        const next = twoUpdates(opt, params, state, grads);
        // The outputs are new tensors: disposing everything once must release every one of them.
        for (const t of new Set(treeTensors([params, state, next.params, next.state]))) t.dispose();
      });
      return;
    }
    case 'loss': {
      const loss = build(entry, options) as ELBO;
      expectNoTensorLeak(() => {
        const params = { loc: tf.scalar(0.3), scale: tf.scalar(0.8) };
        const value = tf.tidy(() => loss.loss(PRNGKey(5), params, lossModel, lossGuide));
        expect(value.shape, 'loss shape').to.deep.equal([]);
        expect(Number.isFinite(value.dataSync()[0]!), 'finite loss').to.equal(true);
        value.dispose();
        tf.dispose(Object.values(params));
      });
      // …and through the engine, which also takes its gradient.
      expectNoTensorLeak(() => {
        const svi = new SVI<[]>(lossModel, lossGuide, new Adam({ lr: 0.01 }), loss);
        const [state, value] = svi.update(svi.init(PRNGKey(6)));
        expect(Number.isFinite(value), 'finite loss of an SVI step').to.equal(true);
        disposeState(state);
      });
      return;
    }
    case 'guide': {
      expectNoTensorLeak(() => {
        const guide = build(entry, options) as Guide<[]> & { dispose(): void };
        const svi = new SVI<[]>(guideModel, guide, new Adam({ lr: 0.01 }), new TraceELBO());
        const [state, value] = svi.update(svi.init(PRNGKey(7)));
        expect(Number.isFinite(value), 'finite loss of an SVI step').to.equal(true);
        disposeState(state);
        guide.dispose();
      });
      return;
    }
    case 'callback': {
      await expectNoTensorLeakAsync(async () => {
        const cb = build(entry, { ...options, ...fixture.quiet }) as Callback;
        const svi = new SVI<[]>(lossModel, lossGuide, new Adam({ lr: 0.01 }), new TraceELBO());
        const result = await svi.run(PRNGKey(8), 5, [], { progressBar: false, callbacks: [cb] });
        expect(result.losses.length, 'steps run').to.equal(5);
        tf.dispose(Object.values(result.params));
        disposeState(result.state);
      });
      return;
    }
    case 'backend': {
      const before = tf.memory().numTensors;
      const backend = build(entry, options) as Backend;
      try {
        await activateBackend(backend, entry.name);
        expect(tf.getBackend()).to.equal(entry.name);
        const s = tf.tidy(() => tf.sum(tf.mul(tf.tensor1d([1, 2, 3]), 2)));
        expect(s.dataSync()[0]).to.equal(12);
        s.dispose();
      } finally {
        await activateBackend(new CpuBackend(), 'cpu');
      }
      expect(tf.memory().numTensors, 'live tensors after the call').to.equal(before);
      return;
    }
  }
}

describe('contract: every built-in plugin', () => {
  let registry: Registry;

  before(async () => {
    registry = await Registry.load();
  });

  after(async () => {
    await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('the Registry holds exactly the entries of plugins.json, in order', () => {
    const builtIn = registry.list().filter((e) => e.builtIn);
    expect(builtIn.map(key)).to.deep.equal(TABLE.plugins.map(key));
  });

  it('no two entries share a class or a {kind, name}, and no name or alias repeats within a kind', () => {
    const entries = registry.list();
    expect(new Set(entries.map((e) => e.cls)).size, 'distinct classes').to.equal(entries.length);
    expect(new Set(entries.map((e) => key(e.cls.plugin))).size, 'distinct identities').to.equal(entries.length);
    for (const kind of PLUGIN_KINDS) {
      const names = TABLE.plugins.filter((e) => e.kind === kind).flatMap((e) => [e.name, ...(e.aliases ?? [])]);
      expect(new Set(names).size, `${kind} names and aliases`).to.equal(names.length);
    }
  });

  for (const tableEntry of TABLE.plugins) {
    const id = key(tableEntry);
    describe(id, () => {
      let entry: RegistryEntry;
      const fixture = FIXTURES[id];

      before(() => {
        entry = registry.get(tableEntry.kind, tableEntry.name);
      });

      it('has a contract fixture', () => {
        expect(fixture, `add a FIXTURES['${id}'] entry to test/contract/plugins.spec.ts`).to.not.equal(undefined);
      });

      it("declares a valid static plugin on the class itself, equal to the entry's {kind, name}", () => {
        expect(Object.prototype.hasOwnProperty.call(entry.cls, 'plugin'), 'own static plugin (not inherited)').to.equal(true);
        const meta = entry.cls.plugin;
        expect(Object.keys(meta).sort()).to.deep.equal(['kind', 'name']);
        expect(PLUGIN_KINDS).to.include(meta.kind);
        expect(meta.name).to.be.a('string').that.matches(/^\S+$/);
        expect({ kind: meta.kind, name: meta.name }).to.deep.equal({ kind: tableEntry.kind, name: tableEntry.name });
        for (const alias of tableEntry.aliases ?? []) expect(registry.get(tableEntry.kind, alias)).to.equal(entry);
      });

      it('is built from its plugins.json options (plus the options that have no default)', async () => {
        const required = await requiredOptions(fixture!);
        const instance = build(entry, required);
        expect(instance).to.be.instanceOf(entry.cls);
        if (entry.kind === 'guide') (instance as { dispose(): void }).dispose();
        // A required option is really required: without it the class refuses with a ValueError naming it.
        for (const name of Object.keys(required)) {
          expectVinferError(() => build(entry, { ...required, [name]: undefined }), ValueError, `'${name}'`);
        }
      });

      it('rejects a bad option with a ValueError naming the class and the option', async () => {
        const required = await requiredOptions(fixture!);
        expectVinferError(() => build(entry, { ...required, ...fixture!.bad }), ValueError, ...fixture!.badText);
      });

      it('rejects a misspelt option key with a ValueError naming it', async () => {
        const required = await requiredOptions(fixture!);
        expectVinferError(() => build(entry, { ...required, notAnOption: 1 }), ValueError, "unknown option 'notAnOption'");
      });

      it('leaks no tensors in one use', async function () {
        const reason = fixture!.skipUse?.() ?? null;
        if (reason !== null) {
          // An optional package is absent; its absence is tested in test/plugins/backends.spec.ts.
          this.skip();
        }
        this.timeout(60000);
        await useWithoutLeak(entry, await requiredOptions(fixture!), fixture!);
      });

      if (tableEntry.kind === 'optimizer') {
        it('round-trips its state through treeToJSON / JSON text / treeFromJSON exactly, and resumes identically', () => {
          const opt = build(entry, {}) as Optimizer;
          const { params, grads } = smallParams();
          const init = opt.init(params);
          const mid = twoUpdates(opt, params, init, grads);
          const json = treeToJSON(mid.state);
          const restored = treeFromJSON(JSON.parse(JSON.stringify(json))) as unknown as OptimizerState;
          try {
            expectSameTree(restored, mid.state);
            expect(treeToJSON(restored), 'written again').to.deep.equal(json);
            // Continuing from the restored state gives the same bits as continuing from the original.
            const a = twoUpdates(opt, mid.params, mid.state, grads);
            const b = twoUpdates(opt, mid.params, restored, grads);
            expectSameTree(b, a, 'after two more updates');
            disposeTree([a, b]);
          } finally {
            for (const t of new Set(treeTensors([params, init, mid, restored]))) t.dispose();
          }
        });
      }
    });
  }

  describe('callbacks write what they promise in the short run', () => {
    it('JsonlLogger wrote 5 lines and Checkpoint a checkpoint file', async () => {
      const logPath = path.join(await tempDir(), 'log.jsonl');
      const ckDir = await tempDir();
      const jsonl = build(registry.get('callback', 'JsonlLogger'), { path: logPath }) as Callback;
      const ck = build(registry.get('callback', 'Checkpoint'), { path: ckDir, every: 5 }) as Callback;
      const svi = new SVI<[]>(lossModel, lossGuide, new Adam({ lr: 0.01 }), new TraceELBO());
      const result = await svi.run(PRNGKey(9), 5, [], { progressBar: false, callbacks: [jsonl, ck] });
      tf.dispose(Object.values(result.params));
      disposeState(result.state);
      const lines = (await readFile(logPath, 'utf8')).trim().split('\n');
      expect(lines).to.have.lengthOf(5);
      expect((await readdir(ckDir)).filter((f) => f.startsWith('checkpoint-'))).to.have.lengthOf(1);
    });
  });

  describe('createSVI builds every registered guide by name', () => {
    const guides = TABLE.plugins.filter((e) => e.kind === 'guide').map((e) => e.name);
    for (const name of guides) {
      it(`${name}: created by name, runs one step with a finite loss (a model with two latent sites, and one with a single scalar site)`, async () => {
        const container = await createContainer();
        for (const model of [guideModel, lossModel]) {
          const svi = createSVI(container, { model, guide: name, optim: { name: 'adam', lr: 0.01 } });
          const [kInit] = split(PRNGKey(11));
          const [state, value] = svi.update(svi.init(kInit!));
          expect(Number.isFinite(value)).to.equal(true);
          expect(Object.keys(state.params).length).to.be.greaterThan(0);
          expect(Object.keys(state.params).every((n) => n.includes('auto')), 'parameters carry the default prefix').to.equal(true);
          disposeState(state);
        }
      });
    }
  });
});
