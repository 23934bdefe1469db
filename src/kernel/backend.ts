/**
 * `setBackend(name)`: selects a tfjs backend through the plugin Registry, so a backend declared in
 * a user's plugins.json is chosen exactly like the built-in cpu, wasm, tensorflow and
 * tensorflow-gpu ones.
 */
import type { Backend } from '../plugins/backends/backend.js';
import { BackendError, VinferError } from './errors.js';
import { type PluginSpec, Registry, mergeOptions, parseSpec } from './registry.js';
import { registerShims } from './shims.js';

let builtIn: Promise<Registry> | undefined;

/** vinfer's own table, loaded once (a failed load is retried on the next call). */
function builtInRegistry(): Promise<Registry> {
  builtIn ??= Registry.load().catch((err: unknown) => {
    builtIn = undefined;
    throw err;
  });
  return builtIn;
}

let active: Backend | undefined;

export interface SetBackendOptions {
  /** Registry to resolve the name in; defaults to vinfer's built-in table. */
  readonly registry?: Registry;
}

/**
 * Makes the named backend tfjs's active one: 'cpu' (default), 'wasm', 'tensorflow',
 * 'tensorflow-gpu', or any backend in the registry given. A spec object passes options,
 * e.g. `{ name: 'wasm', wasmPaths: '/opt/wasm/' }`.
 */
export async function setBackend(spec: PluginSpec, options: SetBackendOptions = {}): Promise<void> {
  const registry = options.registry ?? (await builtInRegistry());
  const { name, options: overrides } = parseSpec('backend', spec);
  const entry = registry.get('backend', name);
  const backend = new entry.cls(mergeOptions(entry.options, overrides)) as Backend;
  await activateBackend(backend, entry.name);
}

/** Sets up a backend instance (already built from the registry or a container) and tears down the one it replaces. */
export async function activateBackend(backend: Backend, name: string = backend?.name): Promise<void> {
  registerShims();
  if (typeof backend?.setUp !== 'function') {
    throw new BackendError(`backend:${name}: the plugin has no setUp() method; a Backend must implement setUp(): Promise<void>`);
  }
  try {
    await backend.setUp();
  } catch (err) {
    if (VinferError.is(err)) throw err;
    throw new BackendError(`backend:${name}: setUp() failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
  const previous = active;
  active = backend;
  if (previous !== undefined && previous !== backend && previous.name !== backend.name) await previous.tearDown?.();
}

/** The registry name of the backend last set up through vinfer, if any. */
export function activeBackendName(): string | undefined {
  return active?.name;
}
