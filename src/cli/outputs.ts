/**
 * The output directory of a fit: checked for writability before anything is written (so bad input
 * leaves nothing behind), then filled with files written atomically (a temporary file renamed
 * over the target, so a reader never sees a half-written file).
 */
import { constants } from 'node:fs';
import { access, mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { writeFileAtomic } from '../plugins/callbacks/atomic-write.js';
import type { SummaryRow } from '../report/summary.js';
import { UsageError } from './usage-error.js';

function errCode(err: unknown): string {
  return typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : '';
}

/**
 * Checks that `dir` is, or can be created as, a writable directory, without creating it:
 * the nearest existing ancestor must be a directory we can write in.
 * @param flag - names the setting in the error, e.g. '--out'
 * @throws {UsageError} naming the path and the reason
 */
export async function checkWritableDir(dir: string, flag: string): Promise<void> {
  let probe = dir;
  for (;;) {
    let st;
    try {
      st = await stat(probe);
    } catch (err) {
      const code = errCode(err);
      if (code === 'ENOENT') {
        const parent = path.dirname(probe);
        if (parent === probe) break;
        probe = parent;
        continue;
      }
      throw new UsageError(`${flag} ${dir}: cannot be used as an output directory (${code === 'ENOTDIR' ? 'a parent of it is a file, not a directory' : (err as Error).message})`);
    }
    if (!st.isDirectory()) {
      throw new UsageError(
        probe === dir ? `${flag} ${dir}: exists and is not a directory` : `${flag} ${dir}: cannot be created, '${probe}' is a file, not a directory`,
      );
    }
    break;
  }
  try {
    await access(probe, constants.W_OK);
    // access() trusts the permission bits; a read-only mount or root-squashed share says yes and
    // then refuses, so try creating (and removing) a file.
    const testFile = path.join(probe, `.vinfer-write-test-${process.pid}`);
    const fh = await open(testFile, 'wx');
    await fh.close();
    await rm(testFile, { force: true });
  } catch (err) {
    throw new UsageError(`${flag} ${dir}: not writable (${errCode(err) || (err as Error).message} on '${probe}'). Choose a directory you can write to.`);
  }
}

/** Creates the directory (and parents). */
export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
}

/** A tensor as a number (scalar) or nested arrays. */
function tensorJson(t: tf.Tensor): unknown {
  return t.rank === 0 ? t.dataSync()[0] : t.arraySync();
}

/** params.json: the fitted parameters, constrained, by name. */
export async function writeParams(dir: string, params: Record<string, tf.Tensor>): Promise<string> {
  const file = path.join(dir, 'params.json');
  const obj = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, tensorJson(v)]));
  await writeFileAtomic(file, `${JSON.stringify(obj, null, 2)}\n`);
  return file;
}

/** summary.json: the rows of the posterior summary table. */
export async function writeSummary(dir: string, rows: readonly SummaryRow[]): Promise<string> {
  const file = path.join(dir, 'summary.json');
  await writeFileAtomic(file, `${JSON.stringify(rows, null, 2)}\n`);
  return file;
}

export async function writeText(dir: string, name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFileAtomic(file, text);
  return file;
}

/**
 * Keeps only the lines of a JSONL log up to `step` (a resumed run continues the log of the run it
 * resumes; lines written after that run's last checkpoint would otherwise appear twice).
 */
export async function truncateLog(file: string, step: number): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return;
  }
  const kept = text.split('\n').filter((line) => {
    if (line.trim() === '') return false;
    try {
      return (JSON.parse(line) as { step?: number }).step! <= step;
    } catch {
      return false;
    }
  });
  await writeFileAtomic(file, kept.map((l) => `${l}\n`).join(''));
}
