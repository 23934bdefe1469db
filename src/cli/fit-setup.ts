/**
 * Everything `vinfer fit` checks before it writes anything: the configuration layers, the model
 * module, the checkpoint to resume from, the output paths, and the plugins named (built through the
 * container, so a user's plugins.json extends every setting). Every failure here is bad input
 * (exit code 2) and leaves no file behind.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';

import type { ELBO } from '../losses/elbo.js';
import type { Optimizer } from '../optim/optimizer.js';
import { type VinferContainer, createContainer } from '../kernel/container.js';
import { CheckpointError, VinferError } from '../kernel/errors.js';
import type { Callback } from '../kernel/events.js';
import type { PluginKind, PluginSpec } from '../kernel/registry.js';
import type { SVIState } from '../kernel/svi-state.js';
import { disposeState } from '../kernel/svi-state.js';
import { loadCheckpointWithMeta, resolveCheckpointFile } from '../plugins/callbacks/checkpoint-files.js';
import type { FlagValue } from './args.js';
import { DEFAULT_CONFIG, type FitConfig, type FitConfigLayer, layerFromFlags, mergeLayers, validateLayer, withOptions } from './fit-config.js';
import { type ModelModule, loadModelModule } from './model-module.js';
import { checkWritableDir } from './outputs.js';
import { UsageError, firstLine } from './usage-error.js';

export interface FitPlan {
  readonly module: ModelModule;
  readonly config: FitConfig;
  readonly out: string;
  readonly checkpointDir: string;
  readonly container: VinferContainer;
  /** Specs with the registry's defaults filled in and --lr / --particles merged. */
  readonly guideSpec: PluginSpec | null;
  readonly lossSpec: PluginSpec;
  readonly optimSpec: PluginSpec;
  readonly loss: ELBO;
  readonly optim: Optimizer;
  readonly callbacks: Callback[];
  /** The checkpoint to resume from, if --resume was given (its state's tensors are owned by the plan). */
  readonly resume: { readonly dir: string; readonly state: SVIState } | null;
  /** The configuration as a JSON layer, stored in checkpoints so --resume restores it. */
  readonly savedConfig: FitConfigLayer;
}

async function readConfigFile(file: string): Promise<FitConfigLayer> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--config ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--config ${file}: not valid JSON (${(err as Error).message})`);
  }
  return validateLayer(raw, file, path.dirname(file));
}

/** The FitConfig as a layer: the JSON stored in a checkpoint. */
function toLayer(c: FitConfig): FitConfigLayer {
  return JSON.parse(JSON.stringify(c)) as FitConfigLayer;
}

/**
 * The metadata of the checkpoint to resume from, read as plain JSON: the saved configuration
 * names the backend, so the state's tensors are decoded only once that backend is set up.
 */
async function readResumeMeta(dir: string, moduleName: string): Promise<{ file: string; config: FitConfigLayer }> {
  let file: string;
  let meta: Record<string, unknown>;
  try {
    file = await resolveCheckpointFile(dir);
    const doc = JSON.parse(await readFile(file, 'utf8')) as { meta?: unknown };
    meta = typeof doc?.meta === 'object' && doc.meta !== null ? (doc.meta as Record<string, unknown>) : {};
  } catch (err) {
    const why = err instanceof SyntaxError ? `not valid JSON, the file may be truncated or corrupt (${err.message})` : firstLine(err).replace(/^loadCheckpoint: /, '');
    throw new UsageError(`--resume ${dir}: ${why}`, { cause: err });
  }
  const model = meta['model'];
  if (model !== moduleName) {
    throw new UsageError(
      `--resume ${dir}: the checkpoint is of model '${String(model ?? 'unknown')}', not '${moduleName}'. Resume with the model module it was written for, or start afresh without --resume.`,
    );
  }
  return { file, config: validateLayer(meta['config'] ?? {}, `${file}: saved configuration`, path.dirname(file)) };
}

async function loadResumeState(dir: string, file: string, moduleName: string): Promise<SVIState> {
  try {
    return (await loadCheckpointWithMeta(file, { expectMeta: { model: moduleName } })).state;
  } catch (err) {
    throw new UsageError(`--resume ${dir}: ${firstLine(err).replace(/^loadCheckpoint: /, '')}`, { cause: err });
  }
}

/** Builds the plugin named by a spec, turning registry and option errors into bad-input errors that say which setting named it. */
function checked<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (VinferError.is(err)) throw new UsageError(`${what}: ${firstLine(err)}`, { cause: err });
    throw err;
  }
}

/** Resolves arguments, files and plugins into a plan; throws UsageError (or CheckpointError) on bad input. */
export async function planFit(positionals: readonly string[], flags: Partial<Record<string, FlagValue>>, cwd: string): Promise<FitPlan> {
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? "vinfer fit: expected a model module, e.g. 'vinfer fit examples/coin.ts'"
        : `vinfer fit: expected one model module, got ${positionals.length}: ${positionals.join(' ')}`,
    );
  }
  const flagLayer = layerFromFlags(flags, cwd);
  const configLayer = typeof flags['config'] === 'string' ? await readConfigFile(path.resolve(cwd, flags['config'])) : {};
  const module = await loadModelModule(positionals[0]!, cwd);
  let resumeFrom: { dir: string; file: string } | null = null;
  let base: FitConfig;
  if (typeof flags['resume'] === 'string') {
    const dir = path.resolve(cwd, flags['resume']);
    const r = await readResumeMeta(dir, module.name);
    resumeFrom = { dir, file: r.file };
    base = mergeLayers(DEFAULT_CONFIG, r.config);
  } else {
    base = mergeLayers(DEFAULT_CONFIG, module.fit);
  }
  return planRest(module, mergeLayers(base, configLayer, flagLayer), resumeFrom, cwd);
}

async function planRest(module: ModelModule, config: FitConfig, resumeFrom: { dir: string; file: string } | null, cwd: string): Promise<FitPlan> {
  const out = config.out ?? path.resolve(cwd, 'out', module.name);
  const checkpointDir = config.checkpoint ?? resumeFrom?.dir ?? path.join(out, 'checkpoints');
  await checkWritableDir(out, '--out');
  await checkWritableDir(checkpointDir, '--checkpoint');
  let container: VinferContainer;
  try {
    container = await createContainer({ plugins: config.plugins, ...(config.backend !== undefined ? { backend: config.backend } : {}) });
  } catch (err) {
    if (VinferError.is(err)) throw new UsageError(firstLine(err), { cause: err });
    throw err;
  }
  const resume = resumeFrom === null ? null : { dir: resumeFrom.dir, state: await loadResumeState(resumeFrom.dir, resumeFrom.file, module.name) };
  try {
    return planPlugins(module, config, container, resume, out, checkpointDir);
  } catch (err) {
    if (resume !== null) disposeState(resume.state);
    throw err;
  }
}

function planPlugins(module: ModelModule, config: FitConfig, container: VinferContainer, resume: FitPlan['resume'], out: string, checkpointDir: string): FitPlan {
  const resolveName = (kind: PluginKind, spec: PluginSpec | undefined, flag: string): PluginSpec =>
    checked(flag, () => {
      const entry = container.resolve(kind, spec);
      return spec === undefined ? entry.name : spec;
    });
  const guideSpec = config.guide !== undefined ? resolveName('guide', config.guide, 'guide') : module.guide !== undefined ? null : resolveName('guide', undefined, 'guide');
  const lossSpec = withOptions(resolveName('loss', config.loss, 'loss'), config.particles !== undefined ? { numParticles: config.particles } : {});
  const optimSpec = withOptions(resolveName('optimizer', config.optim, 'optim'), config.lr !== undefined ? { lr: config.lr } : {});
  // Built now, so that a bad option is reported before anything runs.
  const loss = checked('loss', () => container.create<ELBO>('loss', lossSpec));
  const optim = checked('optim', () => container.create<Optimizer>('optimizer', optimSpec));
  const callbacks = config.callbacks.map((s, i) => checked(config.callbacks.length > 1 ? `callback ${i + 1}` : 'callback', () => container.create<Callback>('callback', s)));
  if (resume !== null && resume.state.step > config.steps) {
    throw new CheckpointError(
      `--resume ${resume.dir}: the checkpoint is at step ${resume.state.step}, past --steps ${config.steps}. Pass --steps ${resume.state.step} or more.`,
    );
  }
  // The resolved output directory is saved (a resumed fit writes where the first one did); the
  // checkpoint directory is not: a resumed fit checkpoints where it was resumed from.
  const savedConfig = toLayer({ ...config, out, checkpoint: undefined });
  return { module, config, out, checkpointDir, container, guideSpec, lossSpec, optimSpec, loss, optim, callbacks, resume, savedConfig };
}
