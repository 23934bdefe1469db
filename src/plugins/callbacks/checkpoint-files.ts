/**
 * The on-disk layout of a checkpoint directory, and reading checkpoints back.
 *
 * A directory holds `checkpoint-<step>.json` files (each the JSON of `stateToJSON`) and
 * `latest.json`, a small pointer `{ "format": "vinfer.checkpoint-pointer", "file", "step" }` to
 * the one written last. The pointer (rather than the highest step number) decides what a
 * directory resumes from, so stale files left by an earlier, longer run in the same directory
 * are never picked up by mistake.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { CheckpointError } from '../../kernel/errors.js';
import { type SVIState, disposeState, stateFromJSON } from '../../kernel/svi-state.js';
import type { JsonValue } from '../../optim/state.js';

export const LATEST_FILE = 'latest.json';
export const POINTER_FORMAT = 'vinfer.checkpoint-pointer';
const CHECKPOINT_NAME = /^checkpoint-(\d+)\.json$/;

/** `checkpoint-<step>.json`. */
export function checkpointFileName(step: number): string {
  return `checkpoint-${step}.json`;
}

/** The checkpoint files among a directory's entry names, oldest step first. */
export function checkpointEntries(dir: string, names: readonly string[]): { file: string; step: number }[] {
  const out: { file: string; step: number }[] = [];
  for (const name of names) {
    const m = CHECKPOINT_NAME.exec(name);
    if (m) out.push({ file: path.join(dir, name), step: Number(m[1]) });
  }
  return out.sort((a, b) => a.step - b.step);
}

/** The checkpoint files of a directory, oldest step first. */
export async function listCheckpoints(dir: string): Promise<{ file: string; step: number }[]> {
  return checkpointEntries(dir, await readdir(dir));
}

function code(err: unknown): string {
  return typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : '';
}

/** The checkpoint file that `p` (a file, or a checkpoint directory) designates. */
export async function resolveCheckpointFile(p: string): Promise<string> {
  let isDir: boolean;
  try {
    isDir = (await stat(p)).isDirectory();
  } catch (err) {
    if (code(err) === 'ENOENT') {
      throw new CheckpointError(`loadCheckpoint: '${p}' does not exist. Pass a checkpoint file or the directory a Checkpoint callback wrote.`);
    }
    throw new CheckpointError(`loadCheckpoint: cannot read '${p}': ${(err as Error).message}`, { cause: err });
  }
  if (!isDir) return p;
  const pointerFile = path.join(p, LATEST_FILE);
  let text: string | undefined;
  try {
    text = await readFile(pointerFile, 'utf8');
  } catch (err) {
    if (code(err) !== 'ENOENT') throw new CheckpointError(`loadCheckpoint: cannot read '${pointerFile}': ${(err as Error).message}`, { cause: err });
  }
  if (text === undefined) {
    const all = await listCheckpoints(p);
    const newest = all[all.length - 1];
    if (newest === undefined) throw new CheckpointError(`loadCheckpoint: the directory '${p}' holds no checkpoint-<step>.json files`);
    return newest.file;
  }
  let pointer: { format?: unknown; file?: unknown };
  try {
    pointer = JSON.parse(text) as typeof pointer;
  } catch (err) {
    throw new CheckpointError(
      `loadCheckpoint: '${pointerFile}' is not valid JSON (${(err as Error).message}). Delete it to load the newest checkpoint-<step>.json instead.`,
    );
  }
  const valid = typeof pointer === 'object' && pointer !== null && pointer.format === POINTER_FORMAT;
  if (!valid || typeof pointer.file !== 'string' || !CHECKPOINT_NAME.test(pointer.file)) {
    throw new CheckpointError(`loadCheckpoint: '${pointerFile}' is not a checkpoint pointer (expected "format": "${POINTER_FORMAT}" and a "file")`);
  }
  const target = path.join(p, pointer.file);
  try {
    await stat(target);
  } catch {
    throw new CheckpointError(`loadCheckpoint: '${pointerFile}' points at '${pointer.file}', which does not exist in '${p}'`);
  }
  return target;
}

/** A checkpoint read back: the state (whose tensors the caller owns), its metadata, and the file. */
export interface LoadedCheckpoint {
  readonly state: SVIState;
  readonly meta: Record<string, JsonValue>;
  readonly file: string;
}

export interface LoadCheckpointOptions {
  /**
   * Metadata the checkpoint must carry (compared key by key as JSON), e.g. `{ model: 'eight-schools' }`:
   * guards against resuming from another model's checkpoint.
   */
  readonly expectMeta?: Record<string, JsonValue>;
}

/**
 * Reads a checkpoint with the metadata it was written with.
 * @param p - a checkpoint file, or a directory written by the Checkpoint callback (its latest checkpoint)
 * @throws {CheckpointError} naming the file when it is missing, truncated or not JSON, not an SVI
 *   state, internally inconsistent (parameter shapes), or its metadata differs from `expectMeta`
 * @public
 */
export async function loadCheckpointWithMeta(p: string, options: LoadCheckpointOptions = {}): Promise<LoadedCheckpoint> {
  const file = await resolveCheckpointFile(p);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CheckpointError(`loadCheckpoint: cannot read '${file}': ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CheckpointError(`${file}: not valid JSON, the file may be truncated or corrupt (${(err as Error).message})`);
  }
  let loaded: { state: SVIState; meta: Record<string, JsonValue> };
  try {
    // tidy releases the tensors already decoded when a later part of the file turns out bad.
    loaded = tf.tidy(() => stateFromJSON(json, file) as unknown as tf.TensorContainer) as unknown as typeof loaded;
  } catch (err) {
    const msg = (err as Error).message ?? String(err);
    throw new CheckpointError(msg.includes(file) ? msg : `${file}: ${msg}`, { cause: err });
  }
  const meta = typeof loaded.meta === 'object' && loaded.meta !== null ? loaded.meta : {};
  for (const [k, want] of Object.entries(options.expectMeta ?? {})) {
    const got = meta[k];
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      disposeState(loaded.state);
      throw new CheckpointError(
        `${file}: written with meta.${k} = ${JSON.stringify(got) ?? 'nothing'}, expected ${JSON.stringify(want)}. ` +
          'Resume only from a checkpoint of the same model, or start afresh.',
      );
    }
  }
  return { state: loaded.state, meta, file };
}

/**
 * Reads the SVI state of a checkpoint, to pass to `svi.run(key, n, args, { initState })`.
 * @param p - a checkpoint file, or a directory written by the Checkpoint callback (its latest checkpoint)
 * @throws {CheckpointError} see {@link loadCheckpointWithMeta}
 * @example
 * ```ts
 * const state = await loadCheckpoint('out/checkpoints');
 * const result = await svi.run(PRNGKey(0), 1000, [data], { initState: state });
 * ```
 * @public
 */
export async function loadCheckpoint(p: string): Promise<SVIState> {
  return (await loadCheckpointWithMeta(p)).state;
}
