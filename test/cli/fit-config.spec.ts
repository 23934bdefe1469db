import * as path from 'node:path';

import { expect } from 'chai';

import { DEFAULT_CONFIG, layerFromFlags, mergeLayers, validateLayer, withOptions } from '../../src/cli/fit-config.js';
import { expectVinferError } from '../helpers/assert.js';

describe('fit configuration', () => {
  describe('validateLayer', () => {
    it('accepts every documented key and resolves paths against the file\'s directory', () => {
      const layer = validateLayer(
        { guide: { name: 'AutoNormal', initScale: 0.05 }, optim: 'adam', lr: 0.1, steps: 10, seed: 3, plugins: 'p.json', checkpoint: 'ck', out: '/abs/out', callbacks: ['TerminateOnNaN'] },
        'run.json',
        '/base',
      );
      expect(layer.plugins).to.deep.equal([path.resolve('/base/p.json')]);
      expect(layer.checkpoint).to.equal(path.resolve('/base/ck'));
      expect(layer.out).to.equal('/abs/out');
      expect(layer.guide).to.deep.equal({ name: 'AutoNormal', initScale: 0.05 });
    });

    it('rejects an unknown key with a did-you-mean', () => {
      expectVinferError(() => validateLayer({ optimizer: 'adam' }, 'run.json', '/'), { name: 'UsageError' }, "run.json: unknown key 'optimizer'", "Did you mean 'optim'?");
    });

    it('rejects wrong types, naming the key', () => {
      expectVinferError(() => validateLayer({ steps: 0 }, 'run.json', '/'), { name: 'UsageError' }, "'steps' must be a positive integer, got 0");
      expectVinferError(() => validateLayer({ lr: '0.1' }, 'run.json', '/'), { name: 'UsageError' }, "'lr' must be a positive number");
      expectVinferError(() => validateLayer({ guide: { initScale: 1 } }, 'run.json', '/'), { name: 'UsageError' }, "'guide' must be a registry name");
      expectVinferError(() => validateLayer({ callbacks: 'EarlyStopping' }, 'run.json', '/'), { name: 'UsageError' }, "'callbacks' must be a list");
      expectVinferError(() => validateLayer([1, 2], 'run.json', '/'), { name: 'UsageError' }, 'expected a JSON object');
    });
  });

  describe('mergeLayers', () => {
    it('lets later layers win, keeps options when a later layer repeats the same name, and accumulates plugins and callbacks', () => {
      const merged = mergeLayers(
        DEFAULT_CONFIG,
        { optim: { name: 'adam', lr: 0.01, betas: [0.9, 0.99] }, steps: 100, plugins: ['/a.json'], callbacks: ['TerminateOnNaN'] },
        { optim: 'adam', steps: 50, plugins: ['/a.json', '/b.json'] },
        { callbacks: [{ name: 'EarlyStopping', patience: 3 }] },
      );
      expect(merged.optim).to.deep.equal({ name: 'adam', lr: 0.01, betas: [0.9, 0.99] });
      expect(merged.steps).to.equal(50);
      expect(merged.plugins).to.deep.equal(['/a.json', '/b.json']);
      expect(merged.callbacks).to.deep.equal(['TerminateOnNaN', { name: 'EarlyStopping', patience: 3 }]);
      expect(mergeLayers(merged, { optim: 'sgd' }).optim).to.equal('sgd');
    });

    it('reads command-line flags as the top layer', () => {
      const layer = layerFromFlags({ steps: 7, lr: 0.5, out: 'o', 'no-report': true, callback: ['TerminateOnNaN'] }, '/cwd');
      expect(layer).to.deep.equal({ steps: 7, lr: 0.5, out: path.resolve('/cwd/o'), report: false, callbacks: ['TerminateOnNaN'] });
    });

    it('merges --lr style options into a spec', () => {
      expect(withOptions('adam', { lr: 0.1 })).to.deep.equal({ name: 'adam', lr: 0.1 });
      expect(withOptions({ name: 'adam', lr: 0.5, eps: 1e-6 }, { lr: 0.1 })).to.deep.equal({ name: 'adam', lr: 0.1, eps: 1e-6 });
      expect(withOptions('adam', {})).to.equal('adam');
    });
  });
});
