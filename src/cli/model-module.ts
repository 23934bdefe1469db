/**
 * Loading a model module for `vinfer fit`: a TypeScript or JavaScript ES module exporting
 * `model`, optionally `guide`, `data` and a default run configuration `fit`.
 *
 * `data` is the model's arguments: an array is the argument list, any other value is the single
 * argument, and a function (possibly async) is called to produce either. Without `data` the
 * model is called with no arguments.
 */
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

import type { Guide, ModelFn } from '../guides/guide.js';
import { type FitConfigLayer, validateLayer } from './fit-config.js';
import { UsageError } from './usage-error.js';

export interface ModelModule {
  /** Absolute path of the module file. */
  readonly file: string;
  /** The file name without extension (`coin` for examples/coin.ts): names outputs and checkpoints. */
  readonly name: string;
  readonly model: ModelFn;
  readonly guide: ModelFn | Guide | undefined;
  /** The module's own run configuration, validated. */
  readonly fit: FitConfigLayer;
  /** The model's arguments. */
  readonly args: unknown[];
  /** Whether `data` was a function, so the arguments (and any tensors in them) were made for this fit alone. */
  readonly ownsArgs: boolean;
}

const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/** Finds the module file: the path as given, or with one of the usual extensions added. */
async function findFile(spec: string, cwd: string): Promise<string> {
  const base = path.resolve(cwd, spec);
  for (const candidate of [base, ...EXTENSIONS.map((e) => base + e)]) {
    try {
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // try the next candidate
    }
  }
  throw new UsageError(`model module '${spec}' does not exist (looked for ${path.relative(cwd, base) || base} and ${EXTENSIONS.map((e) => `*${e}`).join(', ')}). Pass the path of a .ts or .js file that exports 'model'.`);
}

function isGuideObject(g: unknown): g is Guide {
  return typeof g === 'object' && g !== null && typeof (g as { forward?: unknown }).forward === 'function';
}

/** Imports and checks a model module, and computes the model's arguments from its `data` export. */
export async function loadModelModule(spec: string, cwd: string = process.cwd()): Promise<ModelModule> {
  const file = await findFile(spec, cwd);
  const shown = path.relative(cwd, file) || file;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new UsageError(`model module '${shown}' failed to load: ${msg}`, { cause: err });
  }
  const model = mod['model'];
  if (typeof model !== 'function') {
    const names = Object.keys(mod).filter((k) => k !== 'default');
    throw new UsageError(
      `model module '${shown}' exports no model${model === undefined ? '' : ` ('model' is ${typeof model}, expected a function)`}; its exports: ${names.join(', ') || '(none)'}. Add 'export function model(...) { ... }'.`,
    );
  }
  const guide = mod['guide'];
  if (guide !== undefined && typeof guide !== 'function' && !isGuideObject(guide)) {
    throw new UsageError(`model module '${shown}': export 'guide' must be a function or an object with forward(), got ${typeof guide}`);
  }
  const fit = mod['fit'] === undefined ? {} : validateLayer(mod['fit'], `${shown}: export 'fit'`, path.dirname(file));
  const args = await resolveData(mod['data'], shown);
  const name = path.basename(file).replace(/\.(m?[tj]s)$/, '');
  return { file, name, model: model as ModelFn, guide: guide as ModelFn | Guide | undefined, fit, args, ownsArgs: typeof mod['data'] === 'function' };
}

async function resolveData(data: unknown, shown: string): Promise<unknown[]> {
  let value = data;
  if (typeof data === 'function') {
    try {
      value = await (data as () => unknown)();
    } catch (err) {
      const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
      throw new UsageError(`model module '${shown}': data() threw: ${msg}`, { cause: err });
    }
  }
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
