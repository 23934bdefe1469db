/**
 * EarlyStopping: ends a run whose (smoothed) loss has stopped improving.
 */
import type { Subscription } from 'rxjs';

import type { Callback, RunContext } from '../../kernel/events.js';
import type { PluginMeta } from '../../kernel/plugin-meta.js';
import { formatLoss } from './format.js';
import { MovingAverage } from './moving-average.js';
import { checkOptions, intOption, nonNegativeOption } from './options.js';
import { onEvents } from './subscribe.js';

/** Options of {@link EarlyStopping}. */
export interface EarlyStoppingOptions {
  /** Steps without an improvement after which the run stops: an integer >= 1 (required). */
  readonly patience: number;
  /** An improvement must lower the best loss by more than this. @defaultValue 0 */
  readonly minDelta?: number;
  /**
   * Compare the mean of the last `smoothing` losses rather than single losses: SVI losses are
   * Monte Carlo estimates, so a single low draw would otherwise reset the patience counter.
   * @defaultValue 1
   */
  readonly smoothing?: number;
}

const KNOWN = ['patience', 'minDelta', 'smoothing'] as const;

/**
 * Stops the run (end reason `'stopped'`) when the moving average of the last `smoothing` losses
 * has not fallen below its best value by more than `minDelta` for `patience` consecutive steps.
 * Comparisons begin once `smoothing` losses have been seen; each run starts afresh.
 *
 * @example
 * ```ts
 * await svi.run(key, 50_000, [data], { callbacks: [new EarlyStopping({ patience: 500, smoothing: 100 })] });
 * ```
 * @throws {ValueError} for a missing or bad `patience`, a negative `minDelta`, or `smoothing` < 1
 * @public
 */
export class EarlyStopping implements Callback {
  static readonly plugin = { kind: 'callback', name: 'EarlyStopping' } as const satisfies PluginMeta;
  readonly patience: number;
  readonly minDelta: number;
  readonly smoothing: number;

  constructor(options: EarlyStoppingOptions) {
    const o = checkOptions('EarlyStopping', options, KNOWN);
    this.patience = intOption('EarlyStopping', 'patience', o.patience, undefined, 1);
    this.minDelta = nonNegativeOption('EarlyStopping', 'minDelta', o.minDelta, 0);
    this.smoothing = intOption('EarlyStopping', 'smoothing', o.smoothing, 1, 1);
  }

  attach(ctx: RunContext): Subscription {
    const avg = new MovingAverage(this.smoothing);
    let best = Infinity;
    let bestStep = -1;
    let wait = 0;
    return onEvents(ctx, {
      step: ({ step, loss }) => {
        avg.push(loss);
        if (!avg.full) return;
        const current = avg.mean();
        // NaN compares false, so a NaN average counts as no improvement.
        if (current < best - this.minDelta) {
          best = current;
          bestStep = step;
          wait = 0;
          return;
        }
        if (++wait < this.patience) return;
        const what = this.smoothing > 1 ? `the mean loss over ${this.smoothing} steps` : 'the loss';
        const at = bestStep < 0 ? '' : `; best ${formatLoss(best)} at step ${bestStep}`;
        ctx.stop(`EarlyStopping: ${what} did not improve by more than ${this.minDelta} in ${this.patience} steps${at}; stopped after step ${step}`);
      },
    });
  }
}
