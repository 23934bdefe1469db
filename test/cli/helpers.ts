/** Running the command line from tests: in this process (fast), or as a child process (exit codes, signals). */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { runCli } from '../../src/cli/main.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = path.join(ROOT, 'bin', 'vinfer.js');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'cli');

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `vinfer <args>` in this process, with output captured. */
export async function runInProcess(args: string[], cwd: string = ROOT): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l), isTTY: false, cwd });
  return { code, stdout: out.map((l) => `${l}\n`).join(''), stderr: err.map((l) => `${l}\n`).join('') };
}

/** Starts `node bin/vinfer.js <args>` with output collected; CI is set so no progress bar is drawn. */
export function startCli(args: string[], cwd: string = ROOT): { child: ChildProcess; done: Promise<CliRun>; stderr: () => string } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal === 'SIGINT' ? 130 : -1), stdout, stderr }));
  });
  return { child, done, stderr: () => stderr };
}

export function spawnCli(args: string[], cwd: string = ROOT): Promise<CliRun> {
  return startCli(args, cwd).done;
}

/** Runs a TypeScript program as `npx tsx <file>` would: node with tsx's loader. */
export function spawnScript(file: string, cwd: string = ROOT): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'vinfer-cli-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Every summary row printed for a site: `label mean sd q05 q50 q95`. */
export function summaryRow(stdout: string, label: string): { mean: number; sd: number; q05: number; q50: number; q95: number } | undefined {
  for (const line of stdout.split('\n')) {
    const cells = line.trim().split(/\s+/);
    if (cells[0] === label && cells.length === 6) {
      const [mean, sd, q05, q50, q95] = cells.slice(1).map(Number) as [number, number, number, number, number];
      return { mean, sd, q05, q50, q95 };
    }
  }
  return undefined;
}
