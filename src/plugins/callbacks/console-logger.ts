/**
 * ConsoleLogger: a line of progress every `every` steps, for logs and non-interactive terminals.
 */
import type { Subscription } from 'rxjs';

import type { Callback, RunContext } from '../../kernel/events.js';
import type { PluginMeta } from '../../kernel/plugin-meta.js';
import { defaultClock, formatDuration, formatLoss, formatRate } from './format.js';
import { MovingAverage } from './moving-average.js';
import { checkOptions, functionOption, intOption } from './options.js';
import { onEvents } from './subscribe.js';

/** Options of {@link ConsoleLogger}. */
export interface ConsoleLoggerOptions {
  /** Log every this many steps; the smoothed loss is the mean over the same window. @defaultValue 100 */
  readonly every?: number;
  /** Receives each line, without a trailing newline (code API only). @defaultValue writes to stdout */
  readonly write?: (line: string) => void;
  /** Monotonic clock in milliseconds, injectable for tests (code API only). @defaultValue performance.now */
  readonly clock?: () => number;
}

const KNOWN = ['every', 'write', 'clock'] as const;

/**
 * Writes `step <n>/<total>  loss <last>  smoothed <mean of the last every losses>  <rate> steps/s`
 * at every step that is a multiple of `every` (counting from the state's step, so a resumed run
 * keeps its numbering), and one summary line when the run ends.
 * @throws {ValueError} for a bad option
 * @public
 */
export class ConsoleLogger implements Callback {
  static readonly plugin = { kind: 'callback', name: 'ConsoleLogger' } as const satisfies PluginMeta;
  readonly every: number;
  private readonly write: (line: string) => void;
  private readonly clock: () => number;

  constructor(options: ConsoleLoggerOptions = {}) {
    const o = checkOptions('ConsoleLogger', options, KNOWN);
    this.every = intOption('ConsoleLogger', 'every', o.every, 100, 1);
    this.write = functionOption<(line: string) => void>('ConsoleLogger', 'write', o.write) ?? ((line) => process.stdout.write(`${line}\n`));
    this.clock = functionOption<() => number>('ConsoleLogger', 'clock', o.clock) ?? defaultClock;
  }

  attach(ctx: RunContext): Subscription {
    const avg = new MovingAverage(this.every);
    let width = 1;
    let total = 0;
    let t0 = 0;
    let firstStep = 0;
    let lastTime = 0;
    let lastStep = 0;
    return onEvents(ctx, {
      start: ({ step, numSteps }) => {
        total = step + numSteps;
        width = String(total).length;
        t0 = lastTime = this.clock();
        firstStep = lastStep = step;
      },
      step: ({ step, loss }) => {
        avg.push(loss);
        if (step % this.every !== 0) return;
        const now = this.clock();
        const rate = ((step - lastStep) * 1000) / (now - lastTime);
        lastTime = now;
        lastStep = step;
        this.write(
          `step ${String(step).padStart(width)}/${total}  loss ${formatLoss(loss)}  ` +
            `smoothed ${formatLoss(avg.mean())}  ${formatRate(rate)} steps/s`,
        );
      },
      end: ({ step, reason, message, error }) => {
        const elapsed = (this.clock() - t0) / 1000;
        const ran = `${step - firstStep} steps in ${formatDuration(elapsed)}`;
        const smoothed = avg.count > 0 ? `, smoothed loss ${formatLoss(avg.mean())}` : '';
        if (reason === 'completed') this.write(`done: ${ran}${smoothed}`);
        else if (reason === 'stopped') this.write(`stopped at step ${step} after ${ran}${smoothed}: ${message ?? ''}`);
        else this.write(`error at step ${step} after ${ran}: ${error?.message ?? 'unknown error'}`);
      },
    });
  }
}
