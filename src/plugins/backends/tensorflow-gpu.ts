/**
 * The native TensorFlow backend on an NVIDIA GPU through @tensorflow/tfjs-node-gpu, an optional
 * peer dependency. It needs CUDA and cuDNN on the machine and downloads libtensorflow (GPU build)
 * when installed; it is imported only inside setUp().
 */
import type { PluginMeta } from '../../kernel/plugin-meta.js';
import { type Backend, activateTfBackend, checkBackendOptions, importOptional } from './backend.js';

export class TensorflowGpuBackend implements Backend {
  static readonly plugin = { kind: 'backend', name: 'tensorflow-gpu' } as const satisfies PluginMeta;
  readonly name = 'tensorflow-gpu';

  constructor(options: Record<string, never> = {}) {
    checkBackendOptions(this.name, options, []);
  }

  async setUp(): Promise<void> {
    await importOptional(
      this.name,
      '@tensorflow/tfjs-node-gpu',
      "backend 'tensorflow-gpu' needs @tensorflow/tfjs-node-gpu, which is not installed. Run: npm install @tensorflow/tfjs-node-gpu (it downloads libtensorflow at install time and needs an NVIDIA GPU with CUDA and cuDNN installed)",
    );
    // tfjs-node-gpu registers its backend under the same tfjs name as tfjs-node: 'tensorflow'.
    await activateTfBackend(
      this.name,
      'tensorflow',
      'Install @tensorflow/tfjs-node-gpu at the same version as @tensorflow/tfjs (4.22), with CUDA and cuDNN versions it supports.',
    );
  }
}
