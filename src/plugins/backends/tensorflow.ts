/**
 * The native TensorFlow backend through @tensorflow/tfjs-node, an optional peer dependency that
 * downloads libtensorflow when it is installed. It is imported only inside setUp(), so vinfer
 * installs and runs without it.
 */
import type { PluginMeta } from '../../kernel/plugin-meta.js';
import { type Backend, activateTfBackend, checkBackendOptions, importOptional } from './backend.js';

export class TensorflowBackend implements Backend {
  static readonly plugin = { kind: 'backend', name: 'tensorflow' } as const satisfies PluginMeta;
  readonly name = 'tensorflow';

  constructor(options: Record<string, never> = {}) {
    checkBackendOptions(this.name, options, []);
  }

  async setUp(): Promise<void> {
    await importOptional(
      this.name,
      '@tensorflow/tfjs-node',
      "backend 'tensorflow' needs @tensorflow/tfjs-node, which is not installed. Run: npm install @tensorflow/tfjs-node (it downloads libtensorflow at install time)",
    );
    // tfjs-node registers its backend as 'tensorflow' with the tfjs it finds; a second copy of
    // tfjs (a version mismatch) leaves ours without it, hence the hint.
    await activateTfBackend(
      this.name,
      'tensorflow',
      'Install @tensorflow/tfjs-node at the same version as @tensorflow/tfjs (4.22) so that both share one tfjs engine.',
    );
  }
}
