/**
 * The one error family of vinfer. Messages follow the template
 * `<where>: <what is wrong>[, expected <X>, got <Y>][. <what to do>]`.
 * Subclasses are named after what the caller must change.
 */
const BRAND: unique symbol = Symbol.for('vinfer/error');

export class VinferError extends Error {
  readonly [BRAND] = true as const;
  override readonly name: string = 'VinferError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  /** `instanceof` that also recognises errors thrown by a second installed copy of vinfer. */
  static is(value: unknown): value is VinferError {
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }
}

/** A bad argument, option or parameter value. */
export class ValueError extends VinferError {
  override readonly name: string = 'ValueError';
}

/** A malformed model or guide program (site names, shapes, missing keys, async code). */
export class ModelError extends VinferError {
  override readonly name: string = 'ModelError';
}

/** plugins.json or a plugin class is wrong. */
export class RegistryError extends VinferError {
  override readonly name: string = 'RegistryError';
}

/** A backend is missing or failed to start. */
export class BackendError extends VinferError {
  override readonly name: string = 'BackendError';
}

/** A NaN/Inf loss or gradient, or a factorisation that failed (not positive definite). */
export class NumericalError extends VinferError {
  override readonly name: string = 'NumericalError';
}

/** A checkpoint or other file that cannot be read back as what it claims to be. */
export class CheckpointError extends VinferError {
  override readonly name: string = 'CheckpointError';
}

/** Describes a shape for messages: `[3, 2]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Levenshtein distance, for did-you-mean suggestions. */
function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** ` Did you mean 'x'?` when a known name is close to `got` (case-insensitive), else ''. */
export function didYouMean(got: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(got.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(got.length / 3)) ? ` Did you mean '${best}'?` : '';
}
