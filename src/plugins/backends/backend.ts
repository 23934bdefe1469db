/**
 * The Backend extension point: a plugin that makes one tfjs backend the active one.
 *
 * A backend class declares `static readonly plugin = { kind: 'backend', name }`, takes one options
 * object in its constructor, and does all of its work in `setUp()`: importing its tfjs package
 * lazily there keeps optional packages optional and keeps top-level await out of the module graph.
 */
import * as tf from '@tensorflow/tfjs';

import { BackendError, ValueError, didYouMean } from '../../kernel/errors.js';

export interface Backend {
  /** The registry name, e.g. 'cpu'. */
  readonly name: string;
  /** Loads what the backend needs and makes it tfjs's active backend. Safe to call again. */
  setUp(): Promise<void>;
  /** Releases what setUp acquired; called when another backend replaces this one. */
  tearDown?(): Promise<void> | void;
}

/** Rejects options a backend does not know (options come from JSON, where typos are silent otherwise). */
export function checkBackendOptions(name: string, options: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ValueError(`backend:${name}: options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      const known = allowed.length > 0 ? `Known options: ${allowed.join(', ')}.` : 'It takes no options.';
      throw new ValueError(`backend:${name}: unknown option '${key}'. ${known}${didYouMean(key, allowed)}`);
    }
  }
  return options as Record<string, unknown>;
}

/** True when `err` says that `pkg` itself (not something it imports) cannot be found. */
function isMissingPackage(err: unknown, pkg: string): boolean {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  const msg = typeof e?.message === 'string' ? e.message : '';
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && (msg.includes(`'${pkg}'`) || msg.includes(`"${pkg}"`));
}

/**
 * Imports an optional tfjs package. A missing package becomes a BackendError carrying `installHint`;
 * a package that is present but fails to load (e.g. a broken native addon) keeps its own message.
 */
export async function importOptional(backendName: string, pkg: string, installHint: string): Promise<unknown> {
  try {
    // The specifier is a variable so that TypeScript does not require the optional package's types.
    return await import(pkg);
  } catch (err) {
    if (isMissingPackage(err, pkg)) throw new BackendError(installHint, { cause: err });
    throw new BackendError(`backend '${backendName}': ${pkg} is installed but failed to load: ${(err as Error)?.message ?? String(err)}`, {
      cause: err,
    });
  }
}

/**
 * `tf.setBackend(tfName)` with its boolean checked. On failure tfjs is left without a usable
 * backend, so the previous one is restored before the error is thrown.
 */
export async function activateTfBackend(backendName: string, tfName: string, whatToDo: string): Promise<void> {
  // engine().backendName is read directly: tf.getBackend() would initialise the highest-priority
  // backend as a side effect, which after a wasm import is wasm itself.
  const previous = tf.engine().backendName as string | null;
  if (tf.findBackendFactory(tfName) == null) {
    throw new BackendError(`backend '${backendName}': tfjs has no backend named '${tfName}' registered. ${whatToDo}`);
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend(tfName);
  } catch (err) {
    await restore(previous, tfName);
    throw new BackendError(`backend '${backendName}': tfjs failed to initialise '${tfName}': ${(err as Error)?.message ?? String(err)}. ${whatToDo}`, {
      cause: err,
    });
  }
  if (!ok) {
    await restore(previous, tfName);
    throw new BackendError(`backend '${backendName}': tf.setBackend('${tfName}') returned false (initialisation failed). ${whatToDo}`);
  }
  await tf.ready();
}

async function restore(previous: string | null, failed: string): Promise<void> {
  if (previous !== null && previous !== failed) {
    try {
      await tf.setBackend(previous);
    } catch {
      // Nothing better to do: the caller's error explains the original failure.
    }
  }
}
