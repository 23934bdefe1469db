/**
 * ProgressBar: a one-line live bar on an interactive terminal — what `svi.run(..., { progressBar: true })`
 * (the default) shows. Importing vinfer registers it with the engine.
 */
import type { Subscription } from 'rxjs';

import { ValueError } from '../../kernel/errors.js';
import { type Callback, type RunContext, setProgressBarFactory } from '../../kernel/events.js';
import type { PluginMeta } from '../../kernel/plugin-meta.js';
import { defaultClock, formatDuration, formatLoss, formatRate } from './format.js';
import { MovingAverage } from './moving-average.js';
import { checkOptions, functionOption, intOption } from './options.js';
import { onEvents } from './subscribe.js';

/** What the bar writes to: a Node stream such as process.stderr, or anything shaped like one. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(chunk: string): unknown;
}

/** Options of {@link ProgressBar}. */
export interface ProgressBarOptions {
  /** Where to draw (code API only). @defaultValue process.stderr */
  readonly stream?: ProgressStream;
  /** Least time between two redraws, in milliseconds. @defaultValue 100 */
  readonly intervalMs?: number;
  /** Monotonic clock in milliseconds, injectable for tests (code API only). @defaultValue performance.now */
  readonly clock?: () => number;
}

const KNOWN = ['stream', 'intervalMs', 'clock'] as const;
const BAR_WIDTH = 20;

/**
 * Draws `37% |███████·············| 370/1000  loss 5.95  312 steps/s  ETA 0:02`, redrawn in place
 * (`\r`) at most every `intervalMs`, and finished with a newline when the run ends. The loss shown
 * is the mean of the last ~5% of steps (at most 100), as single SVI losses are noisy. Silent when
 * the stream is not a terminal or the CI environment variable is set, so logs stay clean.
 * @throws {ValueError} for a bad option
 * @public
 */
export class ProgressBar implements Callback {
  static readonly plugin = { kind: 'callback', name: 'ProgressBar' } as const satisfies PluginMeta;
  readonly intervalMs: number;
  private readonly stream: ProgressStream | undefined;
  private readonly clock: () => number;

  constructor(options: ProgressBarOptions = {}) {
    const o = checkOptions('ProgressBar', options, KNOWN);
    const stream = o.stream as ProgressStream | undefined;
    if (stream !== undefined && typeof stream?.write !== 'function') {
      throw new ValueError('ProgressBar: option \'stream\' must have a write(chunk) method, such as process.stderr');
    }
    this.stream = stream;
    this.intervalMs = intOption('ProgressBar', 'intervalMs', o.intervalMs, 100, 0);
    this.clock = functionOption<() => number>('ProgressBar', 'clock', o.clock) ?? defaultClock;
  }

  attach(ctx: RunContext): Subscription | void {
    const out = this.stream ?? process.stderr;
    if (out.isTTY !== true || isCI()) return;
    const total = ctx.numSteps;
    const avg = new MovingAverage(Math.max(1, Math.min(100, Math.ceil(total / 20))));
    let t0 = 0;
    let lastDraw = -Infinity;
    let done = 0;
    let drawn = false;
    const draw = (): void => {
      const now = this.clock();
      lastDraw = now;
      const rate = (done * 1000) / (now - t0);
      const eta = done > 0 ? (total - done) / rate : NaN;
      const line = renderLine(done, total, avg.count > 0 ? avg.mean() : NaN, rate, eta);
      const width = Math.max(20, (out.columns ?? 80) - 1);
      // \x1b[K clears what a longer previous line left to the right of the cursor.
      out.write(`\r${line.length > width ? line.slice(0, width) : line}\x1b[K`);
      drawn = true;
    };
    return onEvents(ctx, {
      start: () => {
        t0 = this.clock();
      },
      step: ({ loss }) => {
        done++;
        avg.push(loss);
        if (done === 1 || this.clock() - lastDraw >= this.intervalMs) draw();
      },
      end: () => {
        if (done > 0) draw();
        if (drawn) out.write('\n');
      },
    });
  }
}

function isCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/** One line of the bar (exported for tests). */
export function renderLine(done: number, total: number, loss: number, rate: number, etaSeconds: number): string {
  const frac = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(frac * BAR_WIDTH);
  const bar = '█'.repeat(filled) + '·'.repeat(BAR_WIDTH - filled);
  const pct = `${Math.floor(frac * 100)}%`.padStart(4);
  const eta = done >= total ? formatDuration(0) : formatDuration(etaSeconds);
  return `${pct} |${bar}| ${done}/${total}  loss ${formatLoss(loss)}  ${formatRate(rate)} steps/s  ETA ${eta}`;
}

setProgressBarFactory(() => new ProgressBar());
