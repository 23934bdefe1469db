/**
 * The errors of the command line, and how each kind of failure maps to an exit code.
 *
 * Exit codes: 0 success; 1 the fit itself failed (the model threw, the loss went NaN); 2 bad input
 * (arguments, config, model module, plugin names, checkpoint), reported as one line with no stack
 * trace; 130 stopped by Ctrl-C (SIGINT), after writing a checkpoint to resume from.
 */
import { VinferError } from '../kernel/errors.js';

export const EXIT_OK = 0;
export const EXIT_FIT_FAILED = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_INTERRUPTED = 130;

/** Bad input to the command line: an argument, a config file, the model module, an output path. */
export class UsageError extends VinferError {
  override readonly name: string = 'UsageError';
}

/** The fit started and then failed; the message says at which step and site. */
export class FitError extends VinferError {
  override readonly name: string = 'FitError';
}

/** The first line of an error's message (vinfer messages may append a trace-shape table). */
export function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!.trim();
}
