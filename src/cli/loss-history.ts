/**
 * The loss of every step of a fit, kept beside its checkpoints (`losses.json` in the checkpoint
 * directory), so that a resumed fit's outputs and report show the whole run, not only the part
 * after the resume.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';

import type { Subscription } from 'rxjs';

import type { Callback, RunContext } from '../kernel/events.js';
import { writeFileAtomic } from '../plugins/callbacks/atomic-write.js';
import { onEvents } from '../plugins/callbacks/subscribe.js';

export const LOSSES_FILE = 'losses.json';
const FORMAT = 'vinfer.losses';

/** Losses as JSON (non-finite values as null, which JSON can hold). */
export function lossesJson(losses: ArrayLike<number>, firstStep = 1): string {
  const list = Array.from(losses, (x) => (Number.isFinite(x) ? x : null));
  return `${JSON.stringify({ format: FORMAT, version: 1, firstStep, losses: list })}\n`;
}

/**
 * The losses of steps 1..`step` saved in a checkpoint directory; steps it does not cover (an older
 * or missing file) are NaN.
 */
export async function readLossHistory(dir: string, step: number): Promise<Float64Array> {
  const out = new Float64Array(step).fill(NaN);
  try {
    const doc = JSON.parse(await readFile(path.join(dir, LOSSES_FILE), 'utf8')) as { format?: unknown; firstStep?: unknown; losses?: unknown };
    if (doc.format !== FORMAT || !Array.isArray(doc.losses) || typeof doc.firstStep !== 'number') return out;
    doc.losses.forEach((x: unknown, i: number) => {
      const s = (doc.firstStep as number) + i;
      if (s >= 1 && s <= step && typeof x === 'number') out[s - 1] = x;
    });
  } catch {
    // no history: the report shows the steps of this run only
  }
  return out;
}

/**
 * Records each step's loss after `prior` (the losses of steps 1..prior.length) and rewrites the
 * file at every checkpoint step and when the run ends.
 */
export class LossHistory implements Callback {
  private losses: number[];
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: string,
    prior: ArrayLike<number>,
    private readonly every: number,
  ) {
    this.losses = Array.from(prior);
  }

  /** Losses of steps 1..n recorded so far. */
  get values(): readonly number[] {
    return this.losses;
  }

  attach(ctx: RunContext): Subscription {
    return onEvents(ctx, {
      step: ({ step, loss }) => {
        // The state's step numbers are global; a resumed run continues the same array.
        this.losses.length = step - 1;
        this.losses.push(loss);
        if (step % this.every === 0) this.save();
      },
    });
  }

  private save(): void {
    const text = lossesJson(this.losses);
    const file = path.join(this.dir, LOSSES_FILE);
    // Best effort: the losses only decorate the report, so a failed write never stops a fit.
    this.chain = this.chain.then(() => writeFileAtomic(file, text)).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.save();
    await this.chain;
  }
}
