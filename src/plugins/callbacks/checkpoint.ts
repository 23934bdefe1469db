/**
 * Checkpoint: writes the SVI state to disk during a run, so that a stopped, failed or killed run
 * can be resumed with `svi.run(key, n, args, { initState: await loadCheckpoint(dir) })` and
 * continue exactly (same losses, bit-identical parameters) as if it had never stopped.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';

import type { Subscription } from 'rxjs';

import { CheckpointError } from '../../kernel/errors.js';
import type { Callback, RunContext } from '../../kernel/events.js';
import type { PluginMeta } from '../../kernel/plugin-meta.js';
import { type SVIState, stateToJSON } from '../../kernel/svi-state.js';
import { type JsonValue, cloneTree, disposeTree } from '../../optim/state.js';
import { writeFileAtomicSync } from './atomic-write.js';
import { LATEST_FILE, POINTER_FORMAT, checkpointEntries, checkpointFileName } from './checkpoint-files.js';
import { checkOptions, intOption, pathOption, recordOption } from './options.js';
import { onEvents } from './subscribe.js';

export { loadCheckpoint, loadCheckpointWithMeta } from './checkpoint-files.js';
export type { LoadCheckpointOptions, LoadedCheckpoint } from './checkpoint-files.js';

/** Options of {@link Checkpoint}. */
export interface CheckpointOptions {
  /** The directory to write into (required); created if missing. */
  readonly path: string;
  /** Write a checkpoint at every step that is a multiple of this. @defaultValue 100 */
  readonly every?: number;
  /** Keep this many of the newest checkpoint files; older ones are deleted. @defaultValue 1 */
  readonly keep?: number;
  /** Stored in every checkpoint (e.g. `{ model: 'eight-schools' }`) and returned by loadCheckpointWithMeta. @defaultValue {} */
  readonly meta?: Record<string, JsonValue>;
}

const KNOWN = ['path', 'every', 'keep', 'meta'] as const;

/**
 * Writes `checkpoint-<step>.json` into the directory `path` at every step that is a multiple of
 * `every`, points `latest.json` at it and deletes all but the newest `keep` files. When the run
 * ends for any reason (completed, stopped, error, or a stop requested on SIGINT), `close()` also
 * writes the last completed step if it was not written yet.
 *
 * The state is serialised synchronously inside the step event (the next update releases its
 * tensors); the file work then runs in order on a promise chain, outside the step event. Each file
 * is written atomically (temporary file, fsync, rename), so a crash never leaves a truncated
 * checkpoint. Between checkpoints the last state is kept as tensor handles sharing storage
 * (`tf.clone`), not as JSON, so steps that are not written cost almost nothing.
 * Steps whose loss is NaN or infinite are not recorded, so a run ended by TerminateOnNaN resumes
 * from its last finite step. A write error ends the run with reason 'error'.
 * @throws {ValueError} for a bad option
 * @public
 */
export class Checkpoint implements Callback {
  static readonly plugin = { kind: 'callback', name: 'Checkpoint' } as const satisfies PluginMeta;
  readonly path: string;
  readonly every: number;
  readonly keep: number;
  readonly meta: Record<string, JsonValue>;
  private chain: Promise<void> = Promise.resolve();
  private last: SVIState | null = null;
  private lastQueued = -1;
  private error: CheckpointError | null = null;
  private reported = false;
  private ended = false;
  private ctx: RunContext | null = null;

  constructor(options: CheckpointOptions) {
    const o = checkOptions('Checkpoint', options, KNOWN);
    this.path = pathOption('Checkpoint', 'path', o.path);
    this.every = intOption('Checkpoint', 'every', o.every, 100, 1);
    this.keep = intOption('Checkpoint', 'keep', o.keep, 1, 1);
    this.meta = recordOption<Record<string, JsonValue>>('Checkpoint', 'meta', o.meta) ?? {};
  }

  attach(ctx: RunContext): Subscription {
    this.ctx = ctx;
    this.dropLast();
    this.lastQueued = -1;
    this.error = null;
    this.reported = false;
    this.ended = false;
    const dir = this.path;
    this.chain = Promise.resolve()
      .then(() => void mkdirSync(dir, { recursive: true }))
      .catch((err: unknown) => this.onError(err, `cannot create the directory '${dir}'`));
    return onEvents(ctx, {
      step: ({ step, loss, state }) => {
        if (!Number.isFinite(loss)) return;
        this.dropLast();
        if (step % this.every === 0) this.queue(step, stateToJSON(state, this.meta));
        else this.last = cloneState(state);
      },
      end: () => {
        this.ended = true;
      },
    });
  }

  /**
   * Writes the last completed step if it is not on disk yet, waits for every pending write, and
   * releases the tensors held for that purpose.
   * @throws {CheckpointError} a write error that the run has not already ended with
   */
  async close(): Promise<void> {
    const last = this.last;
    if (last !== null && last.step > this.lastQueued) this.queue(last.step, stateToJSON(last, this.meta));
    this.dropLast();
    await this.chain;
    if (this.error !== null && !this.reported) {
      this.reported = true;
      throw this.error;
    }
  }

  private dropLast(): void {
    if (this.last === null) return;
    disposeTree([this.last.params, this.last.optimState, this.last.mutableState]);
    this.last = null;
  }

  // The file calls are synchronous on purpose. The engine yields to the event loop only every
  // ~25 ms and each asynchronous fs call needs one turn of it, so the ~18 calls of a checkpoint
  // took ~0.45 s of run time and the disk fell ever further behind (at step 2000 of a run with
  // every = 50 the newest file on disk was step 200). Synchronous calls take ~1.2 ms per checkpoint
  // on an SSD and keep the disk at most one yield behind the run.
  private queue(step: number, json: JsonValue): void {
    this.lastQueued = step;
    const dir = this.path;
    const name = checkpointFileName(step);
    this.chain = this.chain
      .then(() => {
        if (this.error !== null) return;
        writeFileAtomicSync(path.join(dir, name), JSON.stringify(json));
        writeFileAtomicSync(path.join(dir, LATEST_FILE), `${JSON.stringify({ format: POINTER_FORMAT, version: 1, file: name, step })}\n`);
        this.prune(step);
      })
      .catch((err: unknown) => this.onError(err, `cannot write '${path.join(dir, name)}'`));
  }

  /** Deletes all but the newest `keep` checkpoints up to `step`; later ones (an earlier, longer run's) are left alone. */
  private prune(step: number): void {
    const older = checkpointEntries(this.path, readdirSync(this.path)).filter((c) => c.step <= step);
    for (const c of older.slice(0, Math.max(0, older.length - this.keep))) rmSync(c.file, { force: true });
  }

  private onError(err: unknown, what: string): void {
    if (this.error !== null) return;
    const msg = err instanceof Error ? err.message : String(err);
    this.error = new CheckpointError(`Checkpoint: ${what}: ${msg}. Check that '${this.path}' is a writable directory.`, { cause: err });
    if (!this.ended && this.ctx !== null) {
      this.reported = true;
      this.ctx.fail(this.error);
    }
  }
}

/** New handles on the state's tensors (sharing storage), which outlive the engine's release of the originals. */
function cloneState(state: SVIState): SVIState {
  return {
    params: cloneTree(state.params),
    optimState: cloneTree(state.optimState),
    mutableState: state.mutableState === null ? null : cloneTree(state.mutableState),
    rngKey: state.rngKey,
    step: state.step,
  };
}
