/**
 * TerminateOnNaN: ends a run as soon as its loss is NaN or infinite.
 */
import type { Subscription } from 'rxjs';

import type { Callback, RunContext } from '../../kernel/events.js';
import type { PluginMeta } from '../../kernel/plugin-meta.js';
import { checkOptions } from './options.js';
import { onEvents } from './subscribe.js';

/** TerminateOnNaN takes no options. */
export type TerminateOnNaNOptions = Record<string, never>;

/**
 * Stops the run (end reason `'stopped'`) after the first step whose loss is NaN or ±Infinity, as
 * Keras's TerminateOnNaN does; later steps would only propagate the NaN through the parameters.
 * @throws {ValueError} when given any option
 * @public
 */
export class TerminateOnNaN implements Callback {
  static readonly plugin = { kind: 'callback', name: 'TerminateOnNaN' } as const satisfies PluginMeta;

  constructor(options: TerminateOnNaNOptions = {}) {
    checkOptions('TerminateOnNaN', options, []);
  }

  attach(ctx: RunContext): Subscription {
    return onEvents(ctx, {
      step: ({ step, loss }) => {
        if (Number.isFinite(loss)) return;
        ctx.stop(
          `TerminateOnNaN: the loss is ${loss} at step ${step}; stopping. ` +
            'Try a smaller learning rate, ClippedAdam, or stableUpdate.',
        );
      },
    });
  }
}
