/**
 * The wasm backend (XNNPACK with SIMD): the faster choice for data-heavy models on a CPU.
 *
 * In Node, @tensorflow/tfjs-backend-wasm reads its .wasm binary from its own dist/ directory with
 * fs.readFileSync (Emscripten's script directory), so nothing is fetched over the network and no
 * setWasmPaths call is needed. Threads are unavailable in Node (tfjs hard-codes that), so it runs
 * on one core.
 */
import type { PluginMeta } from '../../kernel/plugin-meta.js';
import { registerWasmKernels } from '../../kernel/shims.js';
import { BackendError, ValueError } from '../../kernel/errors.js';
import { type Backend, activateTfBackend, checkBackendOptions } from './backend.js';

export interface WasmBackendOptions {
  /**
   * Directory (ending in '/') or URL prefix holding the tfjs-backend-wasm*.wasm files, passed to
   * tfjs's setWasmPaths. Only needed when the binaries were moved out of the installed package;
   * it takes effect only before the wasm backend is first initialised in the process.
   * @defaultValue the installed package's dist/ directory
   */
  readonly wasmPaths?: string;
}

interface WasmPackage {
  setWasmPaths(prefix: string): void;
}

export class WasmBackend implements Backend {
  static readonly plugin = { kind: 'backend', name: 'wasm' } as const satisfies PluginMeta;
  readonly name = 'wasm';
  readonly wasmPaths: string | undefined;

  constructor(options: WasmBackendOptions = {}) {
    const opts = checkBackendOptions(this.name, options, ['wasmPaths']);
    const paths = opts['wasmPaths'];
    if (paths !== undefined && (typeof paths !== 'string' || paths.length === 0)) {
      throw new ValueError(`backend:wasm: option 'wasmPaths' must be a non-empty string, got ${typeof paths}`);
    }
    this.wasmPaths = paths as string | undefined;
  }

  async setUp(): Promise<void> {
    let pkg: WasmPackage;
    try {
      const mod = (await import('@tensorflow/tfjs-backend-wasm')) as unknown as WasmPackage & { default?: WasmPackage };
      pkg = typeof mod.setWasmPaths === 'function' ? mod : mod.default!;
    } catch (err) {
      throw new BackendError(
        `backend 'wasm' needs @tensorflow/tfjs-backend-wasm, which failed to load: ${(err as Error).message}. Run: npm install @tensorflow/tfjs-backend-wasm@^4.22`,
        { cause: err },
      );
    }
    if (this.wasmPaths !== undefined) pkg.setWasmPaths(this.wasmPaths);
    // Kernels tfjs-backend-wasm lacks (UnsortedSegmentSum, needed by tf.gather's gradient).
    registerWasmKernels();
    await activateTfBackend(
      this.name,
      'wasm',
      this.wasmPaths === undefined
        ? 'The .wasm binaries are read from the installed @tensorflow/tfjs-backend-wasm/dist/; reinstall that package.'
        : `Check that the option wasmPaths ('${this.wasmPaths}') holds the tfjs-backend-wasm*.wasm files.`,
    );
  }
}
