/**
 * `vinfer fit <model-module>`: fits the module's model with SVI as configured, watching it with
 * the progress bar (or log lines off a terminal), a JSONL log and periodic checkpoints, then prints
 * the posterior summary and writes params.json, losses.json, summary.json and report.html.
 */
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { type Guide, type ModelFn, guideFunction } from '../guides/guide.js';
import { setBackend } from '../kernel/backend.js';
import { CheckpointError } from '../kernel/errors.js';
import type { Callback } from '../kernel/events.js';
import { PRNGKey, foldIn } from '../kernel/rng.js';
import { SVI } from '../kernel/svi.js';
import { type SVIRunResult, type SVIState, checkStateMatches, disposeState } from '../kernel/svi-state.js';
import { Checkpoint } from '../plugins/callbacks/checkpoint.js';
import { ConsoleLogger } from '../plugins/callbacks/console-logger.js';
import { JsonlLogger } from '../plugins/callbacks/jsonl-logger.js';
import { ProgressBar } from '../plugins/callbacks/progress-bar.js';
import { TerminateOnNaN } from '../plugins/callbacks/terminate-on-nan.js';
import type { JsonValue } from '../optim/state.js';
import { posteriorDraws } from '../report/posterior.js';
import { renderReport } from '../report/report.js';
import { formatSummary, siteColumns, summarize } from '../report/summary.js';
import type { FlagValue } from './args.js';
import type { FitPlan } from './fit-setup.js';
import { planFit } from './fit-setup.js';
import { Interrupt } from './interrupt.js';
import { LossHistory, lossesJson, readLossHistory } from './loss-history.js';
import { ensureDir, truncateLog, writeParams, writeSummary, writeText } from './outputs.js';
import { SiteTracker } from './site-tracker.js';
import { EXIT_INTERRUPTED, EXIT_OK, FitError, UsageError, firstLine } from './usage-error.js';

export interface CliIO {
  /** Standard output: the summary table. */
  out(line: string): void;
  /** Standard error: progress, notes, errors. */
  err(line: string): void;
  readonly isTTY: boolean;
  readonly cwd: string;
}

const LOG_FILE = 'log.jsonl';

function rel(io: CliIO, p: string): string {
  const r = path.relative(io.cwd, p);
  return r === '' ? '.' : r.startsWith('..') ? p : r;
}

/** Shell-quotes an argument for a command line the user may paste. */
function quote(arg: string): string {
  return /^[\w./:@%+=,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function resumeCommand(io: CliIO, plan: FitPlan): string {
  return `vinfer fit ${quote(rel(io, plan.module.file))} --resume ${quote(rel(io, plan.checkpointDir))}`;
}

/** Builds the engine: the model and guide wrapped so a failure can name its site. */
function buildSVI(plan: FitPlan, tracker: SiteTracker): { svi: SVI; guide: ModelFn | Guide } {
  const model = tracker.wrap(plan.module.model, 'model');
  let guide: ModelFn | Guide;
  try {
    guide = plan.guideSpec === null ? plan.module.guide! : plan.container.create<Guide>('guide', plan.guideSpec, model);
  } catch (err) {
    throw new UsageError(`guide: ${firstLine(err)}`, { cause: err });
  }
  const svi = new SVI(model, tracker.wrap(guideFunction(guide), 'guide'), plan.optim, plan.loss);
  return { svi, guide };
}

/** Releases what the engine and a registry-built guide own (a module's own guide is the module's). */
function release(plan: FitPlan, svi: SVI, guide: ModelFn | Guide): void {
  svi.dispose();
  const g = guide as { dispose?: () => void };
  if (plan.guideSpec !== null && typeof g.dispose === 'function') g.dispose();
}

/** The first state: a fresh init, or the checkpoint's after checking it fits this model and guide. */
function startState(plan: FitPlan, svi: SVI, key: PRNGKey): SVIState {
  const fresh = svi.init(key, ...plan.module.args);
  if (plan.resume === null) return fresh;
  try {
    checkStateMatches(plan.resume.state, svi.paramShapes(), `--resume ${plan.resume.dir}`);
  } catch (err) {
    throw new UsageError(firstLine(err), { cause: err });
  } finally {
    disposeState(fresh);
  }
  return plan.resume.state;
}

function failure(err: unknown, step: number, tracker: SiteTracker, plan: FitPlan, io: CliIO, checkpointStep: number | null): FitError {
  const msg = firstLine(err).replace(/ \(at SVI step \d+\)$/, '').replace(/\.$/, '');
  const ck =
    checkpointStep === null
      ? 'No checkpoint was written.'
      : `The last checkpoint (step ${checkpointStep}) is kept in ${rel(io, plan.checkpointDir)}; resume with: ${resumeCommand(io, plan)}`;
  return new FitError(`fit failed at step ${step}, ${tracker.describe()}: ${msg}. ${ck}`, { cause: err });
}

/** Runs `vinfer fit`; resolves with the exit code. */
export async function fitCommand(positionals: readonly string[], flags: Partial<Record<string, FlagValue>>, io: CliIO): Promise<number> {
  // The default backend first: a model module may create tensors when it is imported, before the
  // configured backend (which the module's own settings may name) is known.
  await setBackend('cpu');
  const plan = await planFit(positionals, flags, io.cwd);
  try {
    return await fitPlanned(plan, flags, io);
  } finally {
    // Tensors this fit made: the model's arguments when a data() function built them for it.
    if (plan.module.ownsArgs) tf.dispose(plan.module.args as tf.TensorContainer);
  }
}

async function fitPlanned(plan: FitPlan, flags: Partial<Record<string, FlagValue>>, io: CliIO): Promise<number> {
  const { config, module } = plan;
  const key = PRNGKey(config.seed);
  const tracker = new SiteTracker();
  const { svi, guide } = buildSVI(plan, tracker);
  try {
    return await runPlanned(plan, svi, guide, tracker, key, flags, io);
  } finally {
    release(plan, svi, guide);
  }
}

async function runPlanned(plan: FitPlan, svi: SVI, guide: ModelFn | Guide, tracker: SiteTracker, key: PRNGKey, flags: Partial<Record<string, FlagValue>>, io: CliIO): Promise<number> {
  const { config, module } = plan;
  let state: SVIState;
  try {
    state = startState(plan, svi, key);
  } catch (err) {
    if (plan.resume !== null) disposeState(plan.resume.state);
    if (err instanceof UsageError) throw err;
    throw failure(err, 0, tracker, plan, io, null);
  }
  const startStep = state.step;
  const remaining = config.steps - startStep;
  const quiet = flags['quiet'] === true;

  await ensureDir(plan.out);
  await ensureDir(plan.checkpointDir);
  const logFile = path.join(plan.out, LOG_FILE);
  await truncateLog(logFile, startStep);
  const prior = plan.resume === null ? new Float64Array(0) : await readLossHistory(plan.resume.dir, startStep);
  const history = new LossHistory(plan.checkpointDir, prior, config.every);
  const interrupt = new Interrupt((line) => io.err(line));
  let lastCheckpoint: number | null = plan.resume === null ? null : startStep;
  const checkpoint = new Checkpoint({
    path: plan.checkpointDir,
    every: config.every,
    keep: 1,
    meta: { model: module.name, config: plan.savedConfig as unknown as JsonValue },
  });
  const callbacks: Callback[] = [
    history,
    checkpoint,
    new JsonlLogger({ path: logFile, every: 1 }),
    interrupt,
    { attach: (ctx) => ctx.events$.subscribe((e) => void (e.type === 'step' && Number.isFinite(e.loss) && (lastCheckpoint = e.step))) },
    ...plan.callbacks,
  ];
  // A NaN loss ruins every later step: stop there (with the last finite step checkpointed) unless
  // --stable-update asked to skip such steps instead.
  if (!config.stableUpdate) callbacks.push(new TerminateOnNaN());
  if (io.isTTY && !quiet && config.progressBar) callbacks.push(new ProgressBar());
  else if (!io.isTTY && !quiet) callbacks.push(new ConsoleLogger({ every: Math.max(1, Math.ceil(remaining / 10)), write: (l) => io.err(l) }));
  if (!quiet) {
    const how = plan.resume === null ? `Fitting ${module.name}` : `Resuming ${module.name} at step ${startStep}`;
    io.err(`${how}: ${config.steps} steps, guide ${describeSpec(plan.guideSpec) ?? 'from the module'}, loss ${describeSpec(plan.lossSpec)}, optim ${describeSpec(plan.optimSpec)}, backend ${plan.container.backend}`);
  }

  let result: SVIRunResult;
  let stoppedBy: string | undefined;
  if (remaining > 0) {
    let lastStep = startStep;
    const stepWatch: Callback = {
      attach: (ctx) =>
        ctx.events$.subscribe((e) => {
          if (e.type === 'step') lastStep = e.step;
          if (e.type === 'end' && e.reason === 'stopped') stoppedBy = e.message;
        }),
    };
    try {
      result = await svi.run(key, remaining, module.args, {
        initState: state,
        callbacks: [stepWatch, ...callbacks],
        progressBar: false, // attached above, like every other callback
        stableUpdate: config.stableUpdate,
      });
    } catch (err) {
      if (err instanceof CheckpointError) throw new FitError(`fit stopped at step ${lastStep}: ${firstLine(err)}`, { cause: err });
      throw failure(err, lastStep + 1, tracker, plan, io, lastCheckpoint);
    }
  } else {
    result = { params: svi.getParams(state), state, losses: new Float32Array(0) };
  }
  try {
    if (interrupt.requested) {
      io.err(`Stopped at step ${result.state.step} of ${config.steps}; checkpoint written to ${rel(io, plan.checkpointDir)}.`);
      io.err(`Resume with: ${resumeCommand(io, plan)}`);
      return EXIT_INTERRUPTED;
    }
    if (stoppedBy?.startsWith('TerminateOnNaN') === true) {
      const ck = lastCheckpoint === null ? 'No checkpoint was written.' : `The last finite step (${lastCheckpoint}) is checkpointed in ${rel(io, plan.checkpointDir)}.`;
      throw new FitError(`fit stopped at step ${result.state.step}: ${stoppedBy.replace(/^TerminateOnNaN: /, '')} ${ck}`);
    }
    if (stoppedBy !== undefined && !quiet) io.err(`Stopped early at step ${result.state.step}: ${stoppedBy}`);
    await writeResults(plan, guide, result, history.values, io, quiet);
    return EXIT_OK;
  } finally {
    tf.dispose(Object.values(result.params));
    disposeState(result.state);
  }
}

function specName(s: FitPlan['lossSpec'] | null): string | undefined {
  return s === null ? undefined : typeof s === 'string' ? s : s.name;
}

/** `adam {"lr":0.01}`: a spec for messages. */
function describeSpec(s: FitPlan['lossSpec'] | null): string | undefined {
  if (s === null || typeof s === 'string') return s ?? undefined;
  const { name, ...options } = s;
  return Object.keys(options).length > 0 ? `${name} ${JSON.stringify(options)}` : name;
}

async function writeResults(plan: FitPlan, guide: ModelFn | Guide, result: SVIRunResult, losses: readonly number[], io: CliIO, quiet: boolean): Promise<void> {
  const { config, module } = plan;
  const draws = posteriorDraws(guide, result.params, module.args, foldIn(PRNGKey(config.seed), 1), config.samples);
  const columns = siteColumns(draws);
  tf.dispose(Object.values(draws));
  const rows = summarize(columns);
  io.out(formatSummary(rows));
  const written = [
    await writeParams(plan.out, result.params),
    await writeText(plan.out, 'losses.json', lossesJson(losses)),
    await writeSummary(plan.out, rows),
  ];
  if (config.report) {
    const finite = losses.filter((x) => Number.isFinite(x));
    const html = await renderReport({
      title: module.name,
      losses,
      columns,
      rows,
      meta: {
        model: rel(io, module.file),
        guide: specName(plan.guideSpec) ?? 'module guide',
        loss: specName(plan.lossSpec)!,
        optim: describeSpec(plan.optimSpec)!,
        steps: String(result.state.step),
        seed: String(config.seed),
        'final loss': finite.length > 0 ? finite[finite.length - 1]!.toPrecision(6) : 'n/a',
        backend: plan.container.backend,
      },
    });
    written.push(await writeText(plan.out, 'report.html', html));
  }
  if (!quiet) io.err(`Wrote ${written.map((f) => path.basename(f)).join(', ')} and ${LOG_FILE} to ${rel(io, plan.out)}`);
}
