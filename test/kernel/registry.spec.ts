import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect } from 'chai';

import { RegistryError, ValueError } from '../../src/kernel/errors.js';
import { PLUGIN_KINDS, Registry, mergeOptions, parseSpec } from '../../src/kernel/registry.js';
import { CpuBackend } from '../../src/plugins/backends/cpu.js';
import { WasmBackend } from '../../src/plugins/backends/wasm.js';
import { expectVinferError, expectVinferErrorAsync } from '../helpers/assert.js';
import { ScaledLoss } from '../fixtures/plugins/custom-plugins.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));
const fixture = (name: string): string => path.join(FIXTURES, name);
const BUILT_IN = fileURLToPath(new URL('../../plugins.json', import.meta.url));

describe('Registry', () => {
  describe('load (built-in table)', () => {
    let registry: Registry;
    before(async () => {
      registry = await Registry.load();
    });

    it('registers the 4 backends cpu, wasm, tensorflow and tensorflow-gpu with descriptions', () => {
      expect(registry.names('backend')).to.deep.equal(['cpu', 'wasm', 'tensorflow', 'tensorflow-gpu']);
      for (const e of registry.list('backend')) {
        expect(e.description, e.name).to.be.a('string').and.not.equal('');
        expect(e.builtIn).to.equal(true);
        expect(e.source).to.equal(BUILT_IN);
      }
    });

    it('resolves built-in module paths against the code root, giving the very classes src/ exports', () => {
      // "./plugins/backends/cpu.js" in plugins.json names src/plugins/backends/cpu.ts under tsx.
      expect(registry.get('backend', 'cpu').cls).to.equal(CpuBackend);
      expect(registry.get('backend', 'wasm').cls).to.equal(WasmBackend);
      expect(registry.get('backend', 'cpu').module).to.equal('./plugins/backends/cpu.js');
    });

    it("defaults the backend to 'cpu'", () => {
      expect(registry.defaultName('backend')).to.equal('cpu');
      expect(registry.files).to.deep.equal([BUILT_IN]);
    });

    it('names every kind in PLUGIN_KINDS, and every built-in default that has a kind with entries is registered', () => {
      expect(PLUGIN_KINDS).to.deep.equal(['backend', 'guide', 'loss', 'optimizer', 'callback']);
      for (const kind of ['backend', 'guide', 'loss', 'optimizer'] as const) {
        if (registry.names(kind).length > 0) expect(() => registry.defaultName(kind), kind).not.to.throw();
      }
    });

    it('rejects an unknown name, listing the registered backends with a did-you-mean', () => {
      expectVinferError(
        () => registry.get('backend', 'wsam'),
        RegistryError,
        "no backend named 'wsam'",
        'Registered backends: cpu, wasm, tensorflow, tensorflow-gpu.',
        "Did you mean 'wasm'?",
      );
      expect(registry.has('backend', 'wsam')).to.equal(false);
    });

    it('freezes the default options of each entry', () => {
      const e = registry.get('backend', 'cpu');
      expect(Object.isFrozen(e.options)).to.equal(true);
      expect(Object.isFrozen(e)).to.equal(true);
    });
  });

  describe('load (a user plugins.json)', () => {
    let registry: Registry;
    before(async () => {
      registry = await Registry.load({ plugins: fixture('plugins.json') });
    });

    it("imports modules relative to that file's directory (not the current directory)", () => {
      expect(process.cwd()).not.to.equal(path.dirname(fixture('plugins.json')));
      const e = registry.get('loss', 'acme/ScaledLoss');
      expect(e.cls).to.equal(ScaledLoss);
      expect(e.builtIn).to.equal(false);
      expect(e.source).to.equal(fixture('plugins.json'));
      expect(e.index).to.equal(0);
    });

    it('resolves aliases to the same entry and lists options and descriptions', () => {
      expect(registry.get('loss', 'ScaledLoss')).to.equal(registry.get('loss', 'acme/ScaledLoss'));
      const loss = registry.list('loss').find((e) => e.name === 'acme/ScaledLoss');
      expect(loss?.options).to.deep.equal({ scale: 2, label: 'default' });
      expect(loss?.aliases).to.deep.equal(['ScaledLoss']);
      expect(loss?.description).to.equal('a loss scaled by a constant');
      expect(registry.list().map((e) => `${e.kind}:${e.name}`)).to.include.members([
        'backend:cpu',
        'backend:recording',
        'guide:acme/ConstantGuide',
        'callback:acme/Counting',
      ]);
    });

    it("lets the user file override defaults ('recording' backend, 'acme/ScaledLoss' loss)", () => {
      expect(registry.defaultName('backend')).to.equal('recording');
      expect(registry.defaultName('loss')).to.equal('acme/ScaledLoss');
      expect(registry.files).to.deep.equal([BUILT_IN, fixture('plugins.json')]);
    });

    it('accepts a path relative to the current directory', async () => {
      const r = await Registry.load({ plugins: [path.relative(process.cwd(), fixture('plugins.json'))] });
      expect(r.get('backend', 'recording').source).to.equal(fixture('plugins.json'));
    });

    it('resolves a bare module name as a package specifier (rxjs), then checks its identity', async () => {
      await expectVinferErrorAsync(
        () => Registry.load({ plugins: fixture('package-specifier.json') }),
        RegistryError,
        'entry 0',
        "export 'Subject' of 'rxjs' is not a plugin class",
        "static readonly plugin = { kind: 'callback', name: 'acme/Subject' }",
      );
    });
  });

  describe('load (malformed files)', () => {
    const load = (name: string): Promise<Registry> => Registry.load({ plugins: fixture(name) });

    it('reports invalid JSON with the file path', async () => {
      await expectVinferErrorAsync(() => load('malformed.json'), RegistryError, fixture('malformed.json'), 'not valid JSON');
    });

    it('reports a missing file with its path', async () => {
      await expectVinferErrorAsync(() => load('nope.json'), RegistryError, fixture('nope.json'), 'cannot read plugins file');
    });

    it('reports an unknown field with the entry index and a did-you-mean', async () => {
      await expectVinferErrorAsync(
        () => load('unknown-field.json'),
        RegistryError,
        `${fixture('unknown-field.json')}: entry 0 ('acme/ScaledLoss'): unknown field 'modul'`,
        "Did you mean 'module'?",
      );
    });

    it('reports a field of the wrong type with the entry index and field (entry 1, aliases)', async () => {
      await expectVinferErrorAsync(
        () => load('wrong-type.json'),
        RegistryError,
        "entry 1 ('acme/ScaledLoss'): field 'aliases' must be an array of non-empty names, got the string \"ScaledLoss\"",
      );
    });

    it('rejects a duplicate name within a kind, naming both entries', async () => {
      await expectVinferErrorAsync(
        () => load('duplicate-name.json'),
        RegistryError,
        'loss:acme/ScaledLoss is registered twice',
        `entry 0 ('acme/ScaledLoss', as name) of ${fixture('duplicate-name.json')}`,
        `entry 1 ('acme/ScaledLoss', as name) of ${fixture('duplicate-name.json')}`,
      );
    });

    it("rejects an alias that clashes with a built-in name ('cpu'), naming both files", async () => {
      await expectVinferErrorAsync(
        () => load('duplicate-alias.json'),
        RegistryError,
        'backend:cpu is registered twice',
        `entry 0 ('cpu', as name) of ${BUILT_IN}`,
        `entry 0 ('recording', as alias) of ${fixture('duplicate-alias.json')}`,
      );
    });

    it("rejects an entry whose kind/name differ from the class's static plugin field", async () => {
      await expectVinferErrorAsync(
        () => load('identity-mismatch.json'),
        RegistryError,
        "export 'ScaledLoss' declares plugin loss:acme/ScaledLoss, but the entry registers it as optimizer:acme/Scaled",
      );
    });

    it('rejects an export without a static plugin field', async () => {
      await expectVinferErrorAsync(() => load('not-a-plugin.json'), RegistryError, "export 'NotAPlugin'", 'is not a plugin class');
    });

    it('reports a module that cannot be imported, with the path it was resolved to', async () => {
      await expectVinferErrorAsync(
        () => load('missing-module.json'),
        RegistryError,
        "cannot import module './does-not-exist.js'",
        fixture('does-not-exist.js'),
        `resolved against the directory of ${fixture('missing-module.json')}`,
      );
    });

    it('reports a missing export with the exports the module has and a did-you-mean', async () => {
      await expectVinferErrorAsync(
        () => load('missing-export.json'),
        RegistryError,
        "has no export 'ScaledLos'",
        'RecordingBackend',
        "Did you mean 'ScaledLoss'?",
      );
    });

    it('rejects a user default that names no registered plugin, with a did-you-mean', async () => {
      await expectVinferErrorAsync(
        () => load('bad-default.json'),
        RegistryError,
        "field 'defaults.loss' names 'acme/ScaledLos', which is not a registered loss",
        "Did you mean 'acme/ScaledLoss'?",
      );
    });
  });
});

describe('parseSpec', () => {
  it('splits a spec into name and options, and accepts a bare name', () => {
    expect(parseSpec('guide', { name: 'AutoNormal', initScale: 0.05 })).to.deep.equal({ name: 'AutoNormal', options: { initScale: 0.05 } });
    expect(parseSpec('loss', 'Trace_ELBO')).to.deep.equal({ name: 'Trace_ELBO', options: {} });
  });

  it('rejects a spec without a string name', () => {
    expectVinferError(() => parseSpec('loss', { scale: 1 } as never), ValueError, 'loss spec', 'got an object with name undefined');
    expectVinferError(() => parseSpec('loss', 3 as never), ValueError, 'got number 3');
  });
});

describe('mergeOptions', () => {
  it('merges overrides over a deep copy of the defaults', () => {
    const defaults = Object.freeze({ a: 1, nested: Object.freeze({ b: 2 }) });
    const merged = mergeOptions(defaults, { a: 5 }) as { a: number; nested: { b: number } };
    expect(merged).to.deep.equal({ a: 5, nested: { b: 2 } });
    merged.nested.b = 7; // a fresh copy: the table's defaults are untouched
    expect(defaults.nested.b).to.equal(2);
  });
});
