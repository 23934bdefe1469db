/** The default backend: tfjs's pure-JavaScript cpu backend, which installs everywhere. */
import * as tf from '@tensorflow/tfjs';

import type { PluginMeta } from '../../kernel/plugin-meta.js';
import { type Backend, activateTfBackend, checkBackendOptions } from './backend.js';

/** The cpu backend takes no options. */
export type CpuBackendOptions = Record<string, never>;

export class CpuBackend implements Backend {
  static readonly plugin = { kind: 'backend', name: 'cpu' } as const satisfies PluginMeta;
  readonly name = 'cpu';

  constructor(options: CpuBackendOptions = {}) {
    checkBackendOptions(this.name, options, []);
  }

  async setUp(): Promise<void> {
    await activateTfBackend(this.name, 'cpu', 'The cpu backend ships with @tensorflow/tfjs; reinstall it.');
    // cpu is chosen on purpose here, so tfjs's one-time "looks like you are running TensorFlow.js in
    // Node.js" advice (printed on the backend's first tensor write) is noise: mark the backend as
    // already used. PROD is left alone because it also turns off tfjs's own argument checks.
    const backend = tf.backend() as unknown as { firstUse?: boolean };
    if ('firstUse' in backend) backend.firstUse = false;
  }
}
