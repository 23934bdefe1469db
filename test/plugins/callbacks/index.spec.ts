import * as path from 'node:path';

import { expect } from 'chai';

import * as vinfer from '../../../src/index.js';
import { Registry } from '../../../src/kernel/registry.js';
import { PRNGKey } from '../../../src/kernel/rng.js';
import { disposeState } from '../../../src/kernel/svi-state.js';
import * as callbacks from '../../../src/plugins/callbacks/index.js';
import { expectNoTensorLeakAsync } from '../../helpers/assert.js';
import { disposeResult, makeSVI, makeTempDir, removeDir } from './helpers.js';

describe('callbacks', () => {
  it('exports the six callback classes and loadCheckpoint from vinfer', () => {
    for (const name of ['EarlyStopping', 'ConsoleLogger', 'JsonlLogger', 'Checkpoint', 'ProgressBar', 'TerminateOnNaN'] as const) {
      expect(vinfer[name], name).to.equal(callbacks[name]);
      expect(vinfer[name].plugin).to.deep.equal({ kind: 'callback', name });
    }
    expect(vinfer.loadCheckpoint).to.equal(callbacks.loadCheckpoint);
  });

  it('are registered in plugins.json under their class names', async () => {
    const registry = await Registry.load();
    for (const name of ['EarlyStopping', 'ConsoleLogger', 'JsonlLogger', 'Checkpoint', 'ProgressBar', 'TerminateOnNaN'] as const) {
      expect(registry.get('callback', name).cls).to.equal(callbacks[name]);
    }
  });

  it('leak no tensors over a 250-step run with all six attached', async () => {
    const dir = await makeTempDir();
    try {
      const svi = makeSVI();
      disposeResult(await svi.run(PRNGKey(40), 5, [], { progressBar: false })); // warm-up: first-use allocations
      const tty = { isTTY: true, columns: 80, write: () => true };
      await expectNoTensorLeakAsync(async () => {
        const r = await svi.run(PRNGKey(40), 250, [], {
          progressBar: false,
          callbacks: [
            new callbacks.EarlyStopping({ patience: 1000 }),
            new callbacks.TerminateOnNaN(),
            new callbacks.ConsoleLogger({ every: 50, write: () => undefined }),
            new callbacks.JsonlLogger({ path: path.join(dir, 'log.jsonl') }),
            new callbacks.Checkpoint({ path: path.join(dir, 'ckpt'), every: 60, keep: 2 }),
            new callbacks.ProgressBar({ stream: tty }),
          ],
        });
        expect(r.losses.length).to.equal(250);
        disposeResult(r);
        disposeState(await callbacks.loadCheckpoint(path.join(dir, 'ckpt')));
      });
    } finally {
      await removeDir(dir);
    }
  });
});
