/**
 * Crash-safe file replacement: the data goes to a temporary file in the same directory, is
 * flushed to disk, and is then renamed over the target, so a reader sees either the old file or
 * the complete new one — never a partly written file, even after a crash or a kill.
 *
 * Two forms: `writeFileAtomic` (asynchronous) and `writeFileAtomicSync`, for callers that write
 * from inside a run, where each asynchronous call waits for the engine's next yield (see Checkpoint).
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import * as path from 'node:path';

let counter = 0;

/** The temporary name used while writing `file`: hidden, in the same directory, ending in `.tmp`. */
export function tempName(file: string): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${counter}.tmp`);
}

/** Writes `data` to `file` atomically (see the module comment). */
export function writeFileAtomicSync(file: string, data: string): void {
  const tmp = tempName(file);
  try {
    const fd = openSync(tmp, 'wx');
    try {
      const buf = Buffer.from(data, 'utf8');
      // write(2) may write less than asked (very large files); loop until all is written
      for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  syncDirectory(path.dirname(file));
}

/** Writes `data` to `file` atomically (see the module comment), with asynchronous calls. */
export async function writeFileAtomic(file: string, data: string): Promise<void> {
  const tmp = tempName(file);
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(data, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  syncDirectory(path.dirname(file));
}

/**
 * Flushes a directory entry (the rename) to disk. Some platforms (Windows) cannot open a
 * directory for this; the rename is still atomic there, only its durability across a power cut
 * is not guaranteed, so failures are ignored.
 */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // see above
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
