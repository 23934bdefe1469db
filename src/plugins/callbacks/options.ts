/**
 * Option checking shared by the callback plugins, so that every callback rejects a bad option in
 * the same words: `<Class>: option '<name>' must be <expected>, got <value>`.
 */
import { ValueError, didYouMean } from '../../kernel/errors.js';

function show(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value !== 'object' || value === null) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Rejects anything but a plain options object, and keys the callback does not know. */
export function checkOptions(where: string, options: unknown, known: readonly string[]): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ValueError(`${where}: options must be an object, got ${show(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      const list = known.length > 0 ? `Known options: ${known.join(', ')}.` : 'It takes no options.';
      throw new ValueError(`${where}: unknown option '${key}'. ${list}${didYouMean(key, known)}`);
    }
  }
  return options as Record<string, unknown>;
}

/** An integer >= `min`; `fallback` when absent (undefined fallback means the option is required). */
export function intOption(where: string, name: string, value: unknown, fallback: number | undefined, min: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value >= min) return value;
  const what = value === undefined ? 'is required and ' : '';
  throw new ValueError(`${where}: option '${name}' ${what}must be an integer >= ${min}, got ${show(value)}`);
}

/** A finite number >= 0. */
export function nonNegativeOption(where: string, name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  throw new ValueError(`${where}: option '${name}' must be a finite number >= 0, got ${show(value)}`);
}

/** A non-empty string (a file or directory path). */
export function pathOption(where: string, name: string, value: unknown): string {
  if (typeof value === 'string' && value.length > 0) return value;
  const what = value === undefined ? 'is required and ' : '';
  throw new ValueError(`${where}: option '${name}' ${what}must be a non-empty path string, got ${show(value)}`);
}

/** A function (code API only: plugins.json cannot hold one). */
export function functionOption<F>(where: string, name: string, value: unknown): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'function') return value as F;
  throw new ValueError(`${where}: option '${name}' must be a function, got ${show(value)}`);
}

/** A plain JSON object (checkpoint metadata). */
export function recordOption<T>(where: string, name: string, value: unknown): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    try {
      JSON.stringify(value);
      return value as T;
    } catch {
      // fall through to the error below (a cycle, a BigInt…)
    }
  }
  throw new ValueError(`${where}: option '${name}' must be a plain JSON object, got ${show(value)}`);
}
