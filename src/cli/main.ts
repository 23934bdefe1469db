/**
 * The `vinfer` command line: `vinfer fit <model-module> [options]`, `vinfer list`, `vinfer help`.
 * Run through bin/vinfer.js (which registers the TypeScript loader), or directly with
 * `tsx src/cli/main.ts ...`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { VinferError, didYouMean } from '../kernel/errors.js';
import { FIT_FLAGS, describeFlags, parseArgs } from './args.js';
import { type CliIO, fitCommand } from './fit.js';
import { LIST_FLAGS, listCommand } from './list.js';
import { EXIT_BAD_INPUT, EXIT_FIT_FAILED, EXIT_OK, FitError, UsageError, firstLine } from './usage-error.js';

const USAGE = `vinfer: stochastic variational inference for TypeScript

Usage:
  vinfer fit <model-module> [options]   fit a model with SVI; print a summary, write a report
  vinfer list [--plugins FILE]          list the registered guides, losses, optimisers, callbacks, backends
  vinfer help [fit]                     this text, or the options of fit
  vinfer --version

The model module (.ts or .js) exports 'model', optionally 'guide', 'data' (the model's
arguments: an array, a single value, or a function returning them) and 'fit' (default settings,
e.g. { guide: 'AutoNormal', optim: { name: 'adam', lr: 0.01 }, steps: 5000 }).

Exit codes: 0 done, 1 the fit failed, 2 bad input, 130 interrupted (resume with --resume).`;

function fitUsage(): string {
  return `Usage: vinfer fit <model-module> [options]

Options (command-line flags override --config, which overrides the module's 'fit' export):
${describeFlags(FIT_FLAGS)}

Outputs in --out: params.json, losses.json, summary.json, report.html, log.jsonl, checkpoints/.
Ctrl-C stops after the current step and writes a checkpoint; --resume DIR continues from it.`;
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function defaultIO(): CliIO {
  return {
    out: (line) => void process.stdout.write(`${line}\n`),
    err: (line) => void process.stderr.write(`${line}\n`),
    isTTY: process.stderr.isTTY === true,
    cwd: process.cwd(),
  };
}

/** Runs the command line and resolves with the exit code; errors are printed, never thrown. */
export async function runCli(argv: readonly string[], io: CliIO = defaultIO()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'fit': {
        const args = parseArgs(rest, FIT_FLAGS, 'fit');
        if (args.help) {
          io.out(fitUsage());
          return EXIT_OK;
        }
        return await fitCommand(args.positionals, args.flags, io);
      }
      case 'list': {
        const args = parseArgs(rest, LIST_FLAGS, 'list');
        io.out(await listCommand(args.flags, io.cwd));
        return EXIT_OK;
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(rest[0] === 'fit' ? fitUsage() : USAGE);
        return command === undefined ? EXIT_BAD_INPUT : EXIT_OK;
      case '--version':
      case '-v':
        io.out(version());
        return EXIT_OK;
      default:
        throw new UsageError(`unknown command '${command}'. Commands: fit, list, help.${didYouMean(command, ['fit', 'list', 'help'])}`);
    }
  } catch (err) {
    if (err instanceof FitError) {
      io.err(`vinfer: ${firstLine(err)}`);
      return EXIT_FIT_FAILED;
    }
    if (VinferError.is(err)) {
      // Bad input: one line naming the problem, no stack trace.
      io.err(`vinfer: error: ${firstLine(err)}`);
      return EXIT_BAD_INPUT;
    }
    // A bug, or a failure vinfer did not anticipate: show everything.
    io.err(`vinfer: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return EXIT_FIT_FAILED;
  }
}

/** Entry point of bin/vinfer.js: runs the command line and sets the process's exit code. */
export async function cliMain(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  process.exitCode = await runCli(argv);
}

// `tsx src/cli/main.ts fit ...` runs it directly.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  void cliMain();
}
