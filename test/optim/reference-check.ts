// Compares an Optimizer run on the fixed gradients with an element-wise double reference.
import { expectClose } from '../helpers/assert.js';
import type { Optimizer } from '../../src/optim/optimizer.js';
import { disposeTree } from '../../src/optim/state.js';
import { INIT, type RefSpec, TOL, run, runReference, slotValues } from './harness.js';

export const STEPS = 10;

function within(context: string, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    (e as Error).message = `${context}: ${(e as Error).message}`;
    throw e;
  }
}

/** Checks parameters after every update and the final slots (`slots`: names to compare). */
export function checkAgainstReference(
  optim: Optimizer,
  ref: RefSpec,
  slots: readonly string[] | ((name: string) => readonly string[]),
  steps = STEPS,
): void {
  const got = run(optim, steps);
  const want = runReference(ref, steps);
  try {
    for (let t = 0; t < steps; t++) {
      for (const name of Object.keys(INIT)) within(`update ${t + 1}, parameter '${name}'`, () => expectClose(got.history[t]![name]!, want.history[t]![name]!, TOL));
    }
    for (const name of Object.keys(INIT)) {
      for (const s of typeof slots === 'function' ? slots(name) : slots) within(`slot '${s}' of '${name}'`, () => expectClose(slotValues(got.state, s, name), want.slots[s]![name]!, TOL));
    }
  } finally {
    disposeTree(got.params);
    disposeTree(got.state);
  }
}
