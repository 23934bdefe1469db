/**
 * The run configuration of `vinfer fit`, and how its layers combine. From lowest to highest
 * precedence: built-in defaults, the model module's `fit` export, a `--config` JSON file, the
 * command-line flags. (On `--resume`, the configuration saved in the checkpoint replaces the first
 * two.) Every layer is validated the same way: an unknown key is an error with a did-you-mean,
 * never silently ignored. Paths are resolved against the directory of the file that holds them;
 * command-line paths against the current directory.
 */
import * as path from 'node:path';

import { didYouMean } from '../kernel/errors.js';
import type { PluginSpec } from '../kernel/registry.js';
import type { FlagValue } from './args.js';
import { UsageError } from './usage-error.js';

/** One layer of configuration, as written in a config file or a module's `fit` export. */
export interface FitConfigLayer {
  /** Guide from the registry: a name, or `{ name, ...options }`. */
  guide?: PluginSpec;
  loss?: PluginSpec;
  /** Optimiser, e.g. `{ name: 'adam', lr: 0.01 }`. */
  optim?: PluginSpec;
  /** Learning rate; overrides the optimiser's own. */
  lr?: number;
  steps?: number;
  /** The loss's numParticles. */
  particles?: number;
  seed?: number;
  /** plugins.json files adding plugins. */
  plugins?: string | string[];
  backend?: PluginSpec;
  /** Callbacks to attach, e.g. `[{ name: 'EarlyStopping', patience: 200 }]`. */
  callbacks?: PluginSpec[];
  /** Checkpoint directory. */
  checkpoint?: string;
  /** Checkpoint every this many steps. */
  every?: number;
  /** Output directory. */
  out?: string;
  /** Posterior draws for the summary and the report. */
  samples?: number;
  stableUpdate?: boolean;
  progressBar?: boolean;
  report?: boolean;
}

/** The configuration a fit runs with: every layer merged, paths absolute. */
export interface FitConfig {
  guide: PluginSpec | undefined;
  loss: PluginSpec | undefined;
  optim: PluginSpec | undefined;
  lr: number | undefined;
  steps: number;
  particles: number | undefined;
  seed: number;
  plugins: string[];
  backend: PluginSpec | undefined;
  callbacks: PluginSpec[];
  checkpoint: string | undefined;
  every: number;
  out: string | undefined;
  samples: number;
  stableUpdate: boolean;
  progressBar: boolean;
  report: boolean;
}

export const DEFAULT_CONFIG: FitConfig = {
  guide: undefined,
  loss: undefined,
  optim: undefined,
  lr: undefined,
  steps: 1000,
  particles: undefined,
  seed: 0,
  plugins: [],
  backend: undefined,
  callbacks: [],
  checkpoint: undefined,
  every: 100,
  out: undefined,
  samples: 1000,
  stableUpdate: false,
  progressBar: true,
  report: true,
};

type Check = (where: string, key: string, v: unknown) => unknown;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

const spec: Check = (where, key, v) => {
  if (typeof v === 'string' && v.length > 0) return v;
  if (isObj(v) && typeof v['name'] === 'string' && v['name'].length > 0) return v;
  throw new UsageError(`${where}: '${key}' must be a registry name or { "name": ..., ...options }, got ${show(v)}`);
};
const positive: Check = (where, key, v) => {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v;
  throw new UsageError(`${where}: '${key}' must be a positive number, got ${show(v)}`);
};
const positiveInt: Check = (where, key, v) => {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  throw new UsageError(`${where}: '${key}' must be a positive integer, got ${show(v)}`);
};
const nonNegativeInt: Check = (where, key, v) => {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  throw new UsageError(`${where}: '${key}' must be an integer >= 0, got ${show(v)}`);
};
const bool: Check = (where, key, v) => {
  if (typeof v === 'boolean') return v;
  throw new UsageError(`${where}: '${key}' must be true or false, got ${show(v)}`);
};
const str: Check = (where, key, v) => {
  if (typeof v === 'string' && v.length > 0) return v;
  throw new UsageError(`${where}: '${key}' must be a non-empty path string, got ${show(v)}`);
};
const strings: Check = (where, key, v) => {
  const list = typeof v === 'string' ? [v] : v;
  if (Array.isArray(list) && list.every((s) => typeof s === 'string' && s.length > 0)) return list;
  throw new UsageError(`${where}: '${key}' must be a path or a list of paths, got ${show(v)}`);
};
const specs: Check = (where, key, v) => {
  if (!Array.isArray(v)) throw new UsageError(`${where}: '${key}' must be a list of registry names or { "name": ... } objects, got ${show(v)}`);
  return v.map((s, i) => spec(where, `${key}[${i}]`, s));
};

const CHECKS: Record<keyof FitConfigLayer | '$comment', Check> = {
  $comment: (_w, _k, v) => v,
  guide: spec,
  loss: spec,
  optim: spec,
  lr: positive,
  steps: positiveInt,
  particles: positiveInt,
  seed: nonNegativeInt,
  plugins: strings,
  backend: spec,
  callbacks: specs,
  checkpoint: str,
  every: positiveInt,
  out: str,
  samples: positiveInt,
  stableUpdate: bool,
  progressBar: bool,
  report: bool,
};

export const CONFIG_KEYS = Object.keys(CHECKS).filter((k) => k !== '$comment');

/** Spellings from other tools (or from the registry's kind names) that edit distance would not catch. */
const KEY_HINTS: Record<string, string> = {
  optimizer: 'optim',
  optimiser: 'optim',
  numParticles: 'particles',
  num_particles: 'particles',
  numSteps: 'steps',
  num_steps: 'steps',
  output: 'out',
  callback: 'callbacks',
  plugin: 'plugins',
};

/**
 * Validates one layer. `where` names it in errors (a file, or `examples/coin.ts: export 'fit'`);
 * relative paths in it are made absolute against `baseDir`.
 */
export function validateLayer(raw: unknown, where: string, baseDir: string): FitConfigLayer {
  if (!isObj(raw)) throw new UsageError(`${where}: expected a JSON object of settings, got ${show(raw)}`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const check = (CHECKS as Record<string, Check>)[key];
    if (check === undefined) {
      const hint = KEY_HINTS[key] !== undefined ? ` Did you mean '${KEY_HINTS[key]}'?` : didYouMean(key, CONFIG_KEYS);
      throw new UsageError(`${where}: unknown key '${key}'.${hint} Known keys: ${CONFIG_KEYS.join(', ')}.`);
    }
    if (value === undefined || key === '$comment') continue;
    out[key] = check(where, key, value);
  }
  const layer = out as FitConfigLayer;
  if (layer.plugins !== undefined) layer.plugins = ([] as string[]).concat(layer.plugins).map((p) => path.resolve(baseDir, p));
  if (layer.checkpoint !== undefined) layer.checkpoint = path.resolve(baseDir, layer.checkpoint);
  if (layer.out !== undefined) layer.out = path.resolve(baseDir, layer.out);
  return layer;
}

/** The command-line flags of `vinfer fit` as a layer (paths against the current directory). */
export function layerFromFlags(flags: Partial<Record<string, FlagValue>>, cwd: string): FitConfigLayer {
  const layer: FitConfigLayer = {};
  const s = (k: string): string | undefined => flags[k] as string | undefined;
  const n = (k: string): number | undefined => flags[k] as number | undefined;
  if (s('guide') !== undefined) layer.guide = s('guide')!;
  if (s('loss') !== undefined) layer.loss = s('loss')!;
  if (s('optim') !== undefined) layer.optim = s('optim')!;
  if (s('backend') !== undefined) layer.backend = s('backend')!;
  if (n('lr') !== undefined) layer.lr = n('lr')!;
  if (n('steps') !== undefined) layer.steps = n('steps')!;
  if (n('particles') !== undefined) layer.particles = n('particles')!;
  if (n('seed') !== undefined) layer.seed = n('seed')!;
  if (n('every') !== undefined) layer.every = n('every')!;
  if (n('samples') !== undefined) layer.samples = n('samples')!;
  if (flags['plugins'] !== undefined) layer.plugins = (flags['plugins'] as string[]).map((p) => path.resolve(cwd, p));
  if (flags['callback'] !== undefined) layer.callbacks = [...(flags['callback'] as string[])];
  if (s('checkpoint') !== undefined) layer.checkpoint = path.resolve(cwd, s('checkpoint')!);
  if (s('out') !== undefined) layer.out = path.resolve(cwd, s('out')!);
  if (flags['stable-update'] === true) layer.stableUpdate = true;
  if (flags['no-progress'] === true) layer.progressBar = false;
  if (flags['no-report'] === true) layer.report = false;
  return layer;
}

const nameOf = (s: PluginSpec | undefined): string | undefined => (s === undefined ? undefined : typeof s === 'string' ? s : s.name);

/**
 * Merges layers, later over earlier. A plugin spec is replaced whole (options written for one
 * optimiser mean nothing to another), except that a bare name equal to the earlier spec's name
 * keeps the earlier options. Plugin files and callbacks accumulate across layers.
 */
export function mergeLayers(base: FitConfig, ...layers: FitConfigLayer[]): FitConfig {
  const out: FitConfig = { ...base, plugins: [...base.plugins], callbacks: [...base.callbacks] };
  for (const l of layers) {
    for (const k of ['guide', 'loss', 'optim', 'backend'] as const) {
      const v = l[k];
      if (v === undefined) continue;
      out[k] = typeof v === 'string' && nameOf(out[k]) === v ? out[k] : v;
    }
    for (const k of ['lr', 'steps', 'particles', 'seed', 'checkpoint', 'every', 'out', 'samples', 'stableUpdate', 'progressBar', 'report'] as const) {
      if (l[k] !== undefined) (out as unknown as Record<string, unknown>)[k] = l[k];
    }
    if (l.plugins !== undefined) for (const p of [l.plugins].flat()) if (!out.plugins.includes(p)) out.plugins.push(p);
    if (l.callbacks !== undefined) out.callbacks.push(...l.callbacks);
  }
  return out;
}

/** A spec with extra options merged in (`--lr` into the optimiser, `--particles` into the loss). */
export function withOptions(s: PluginSpec, extra: Record<string, unknown>): PluginSpec {
  if (Object.keys(extra).length === 0) return s;
  return typeof s === 'string' ? { name: s, ...extra } : { ...s, ...extra };
}
