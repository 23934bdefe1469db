import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { FACTORY_TOKENS, TOKENS, type VinferContainer, createContainer } from '../../src/kernel/container.js';
import { RegistryError, ValueError } from '../../src/kernel/errors.js';
import { CpuBackend } from '../../src/plugins/backends/cpu.js';
import { WasmBackend } from '../../src/plugins/backends/wasm.js';
import { expectVinferError, expectVinferErrorAsync } from '../helpers/assert.js';
import { ConstantGuide, CountingCallback, RecordingBackend, ScaledLoss } from '../fixtures/plugins/custom-plugins.js';

const USER_PLUGINS = path.join(fileURLToPath(new URL('../fixtures/plugins/', import.meta.url)), 'plugins.json');

describe('createContainer', () => {
  after(async () => {
    await tf.setBackend('cpu');
  });

  describe('with the built-in table only', () => {
    let c: VinferContainer;
    before(async () => {
      c = await createContainer();
    });

    it("sets up the default backend 'cpu'", () => {
      expect(c.backend).to.equal('cpu');
      expect(tf.getBackend()).to.equal('cpu');
      expect(c.registry.names('backend')).to.include('wasm');
    });

    it('builds backends by name without setting them up', () => {
      const wasm = c.create('backend', 'wasm');
      expect(wasm).to.be.instanceOf(WasmBackend);
      expect(tf.getBackend()).to.equal('cpu');
      expect(c.create('backend', { name: 'wasm', wasmPaths: '/opt/wasm/' })).to.have.property('wasmPaths', '/opt/wasm/');
    });

    it('binds TOKENS.<kind> named by registry name, and unnamed to the default', () => {
      expect(c.inversify.get(TOKENS.backend, { name: 'cpu' })).to.be.instanceOf(CpuBackend);
      expect(c.inversify.get(TOKENS.backend)).to.be.instanceOf(CpuBackend);
      expect(c.inversify.get(TOKENS.registry)).to.equal(c.registry);
    });

    it("uses Symbol.for('vinfer/<kind>') tokens", () => {
      expect(TOKENS.loss).to.equal(Symbol.for('vinfer/loss'));
      expect(TOKENS.guide).to.equal(Symbol.for('vinfer/guide'));
      expect(FACTORY_TOKENS.optimizer).to.equal(Symbol.for('vinfer/optimizer-factory'));
    });

    it('rejects an unknown name with the registered names and a did-you-mean', () => {
      expectVinferError(() => c.create('backend', 'cpuu'), RegistryError, "no backend named 'cpuu'", 'Registered backends: cpu', "Did you mean 'cpu'?");
    });

    it('passes spec options to the constructor, which validates them', () => {
      expectVinferError(() => c.create('backend', { name: 'cpu', threads: 2 }), ValueError, "backend:cpu: unknown option 'threads'");
    });
  });

  describe('with a user plugins.json', () => {
    let c: VinferContainer;
    before(async () => {
      RecordingBackend.setUps.length = 0;
      c = await createContainer({ plugins: USER_PLUGINS });
    });

    it("sets up the user file's default backend through its plugin class", () => {
      expect(c.backend).to.equal('recording');
      expect(RecordingBackend.setUps).to.deep.equal(['(default)']);
      expect(tf.getBackend()).to.equal('cpu');
    });

    it('builds a custom loss by alias with the default options {scale: 2}', () => {
      const loss = c.create('loss', 'ScaledLoss');
      expect(loss).to.be.instanceOf(ScaledLoss);
      expect((loss as ScaledLoss).options).to.deep.equal({ scale: 2, label: 'default' });
    });

    it('merges spec options over the defaults without changing them for the next build', () => {
      const a = c.create<ScaledLoss>('loss', { name: 'acme/ScaledLoss', scale: 5 });
      expect(a.options).to.deep.equal({ scale: 5, label: 'default' });
      const b = c.create<ScaledLoss>('loss', 'acme/ScaledLoss');
      expect(b.options).to.deep.equal({ scale: 2, label: 'default' });
      expect(b).not.to.equal(a);
    });

    it("builds the kind's default when no spec is given", () => {
      expect(c.create('loss')).to.be.instanceOf(ScaledLoss);
      expect(c.inversify.get(TOKENS.loss)).to.be.instanceOf(ScaledLoss);
    });

    it('builds a guide for a model, with options, through the guide factory', () => {
      const model = (): void => {};
      const g = c.create<ConstantGuide>('guide', { name: 'acme/ConstantGuide', value: 3 }, model);
      expect(g).to.be.instanceOf(ConstantGuide);
      expect(g.model).to.equal(model);
      expect(g.options).to.deep.equal({ value: 3 });
      const factory = c.inversify.get<(m: typeof model) => ConstantGuide>(TOKENS.guide, { name: 'acme/ConstantGuide' });
      expect(factory(model).options).to.deep.equal({ value: 1 });
    });

    it('requires the model for a guide', () => {
      expectVinferError(() => c.create('guide', 'acme/ConstantGuide', undefined as never), ValueError, "create('guide', spec, model) needs the model");
    });

    it('collects callbacks from specs, one new instance each', () => {
      const cbs = c.createAll<CountingCallback>('callback', ['acme/Counting', { name: 'acme/Counting', every: 5 }]);
      expect(cbs.map((cb) => cb.options.every)).to.deep.equal([10, 5]);
      expect(cbs[0]).to.be.instanceOf(CountingCallback);
      expect(cbs[0]).not.to.equal(cbs[1]);
    });

    it('builds a new instance per request (transient scope), also for aliases', () => {
      const a = c.inversify.get(TOKENS.loss, { name: 'ScaledLoss' });
      const b = c.inversify.get(TOKENS.loss, { name: 'acme/ScaledLoss' });
      expect(a).to.be.instanceOf(ScaledLoss);
      expect(a).not.to.equal(b);
    });

    it('honours a rebinding made on the inversify container', () => {
      class Other {}
      c.inversify.unbind(FACTORY_TOKENS.callback);
      c.inversify.bind(FACTORY_TOKENS.callback).toConstantValue(() => new Other()).whenNamed('acme/Counting');
      expect(c.create('callback', 'acme/Counting')).to.be.instanceOf(Other);
    });
  });

  it('sets up a backend given as a spec with options', async () => {
    RecordingBackend.setUps.length = 0;
    const c = await createContainer({ plugins: [USER_PLUGINS], backend: { name: 'recording', tag: 'x' } });
    expect(c.backend).to.equal('recording');
    expect(RecordingBackend.setUps).to.deep.equal(['x']);
  });

  it('rejects an unknown backend, listing the registered ones', async () => {
    await expectVinferErrorAsync(
      () => createContainer({ backend: 'tpu' }),
      RegistryError,
      "no backend named 'tpu'",
      'Registered backends: cpu, wasm, tensorflow, tensorflow-gpu.',
    );
  });
});
