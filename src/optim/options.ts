/**
 * Option checking shared by the optimisers: every optimiser validates its options object in the
 * same words, so that a user who mistypes `lr` in any of them reads the same kind of message.
 */
import { ValueError, didYouMean } from '../kernel/errors.js';
import type { Schedule } from './optimizer.js';

/** A learning rate: a fixed positive number, or a schedule of the update count. */
export type LearningRate = number | Schedule;

/**
 * Options for every parameter alike, or (Pyro style) a function from a parameter's name to that
 * parameter's options, called once per parameter.
 */
export type PerParameterOptions<O> = O | ((paramName: string) => O);

function show(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Rejects anything but a plain options object, and keys the optimiser does not know. */
export function checkKnownKeys(where: string, options: unknown, known: readonly string[]): Record<string, unknown> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ValueError(`${where}: options must be an object such as { lr: 0.001 }, got ${show(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new ValueError(
        `${where}: unknown option '${key}'. Known options: ${known.join(', ')}.${didYouMean(key, known)}`,
      );
    }
  }
  return options as Record<string, unknown>;
}

/** `lr`: a positive finite number or a schedule function. */
export function lrOption(where: string, value: unknown, fallback: number): LearningRate {
  if (value === undefined) return fallback;
  if (typeof value === 'function') return value as Schedule;
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  throw new ValueError(`${where}: option 'lr' must be a positive number or a schedule, got ${show(value)}`);
}

export const isNonNegative = (x: number): boolean => x >= 0;
export const isPositive = (x: number): boolean => x > 0;

/** A finite number satisfying `ok`, described by `expected` in the message. */
export function numberOption(
  where: string,
  name: string,
  value: unknown,
  fallback: number,
  ok: (x: number) => boolean,
  expected: string,
): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isFinite(value) && ok(value)) return value;
  throw new ValueError(`${where}: option '${name}' must be ${expected}, got ${show(value)}`);
}

/** A finite number >= 0 (eps, weightDecay, momentum, …). */
export function nonNegativeOption(where: string, name: string, value: unknown, fallback: number): number {
  return numberOption(where, name, value, fallback, isNonNegative, 'a number >= 0');
}

export function booleanOption(where: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  throw new ValueError(`${where}: option '${name}' must be true or false, got ${show(value)}`);
}

/** `betas`: a pair of coefficients, each in [0, 1) as PyTorch requires. */
export function betasOption(where: string, value: unknown, fallback: readonly [number, number]): [number, number] {
  if (value === undefined) return [fallback[0], fallback[1]];
  const ok = (b: unknown): b is number => typeof b === 'number' && b >= 0 && b < 1;
  if (Array.isArray(value) && value.length === 2 && ok(value[0]) && ok(value[1])) return [value[0], value[1]];
  throw new ValueError(`${where}: option 'betas' must be a pair [beta1, beta2] with each in [0, 1), got ${show(value)}`);
}

/** The hyper-parameters every member of the Adam family takes. */
export interface AdamLikeHyper {
  lr: LearningRate;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/**
 * Reads `betas`, `lr`, `eps` and `weightDecay` (in that order) from a checked options record,
 * with PyTorch's defaults: betas [0.9, 0.999], eps 1e-8, weightDecay 0, and lr `lrFallback`.
 */
export function adamLikeOptions(where: string, o: Record<string, unknown>, lrFallback: number): AdamLikeHyper {
  const [beta1, beta2] = betasOption(where, o.betas, [0.9, 0.999]);
  return {
    lr: lrOption(where, o.lr, lrFallback),
    beta1,
    beta2,
    eps: nonNegativeOption(where, 'eps', o.eps, 1e-8),
    weightDecay: nonNegativeOption(where, 'weightDecay', o.weightDecay, 0),
  };
}

/** The learning rate to use at update `count`; a schedule must give a finite number. */
export function lrAt(where: string, lr: LearningRate, count: number): number {
  if (typeof lr === 'number') return lr;
  const value = lr(count);
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ValueError(
      `${where}: the learning-rate schedule must return a finite number, got ${show(value)} at update ${count}`,
    );
  }
  return value;
}

