/**
 * Ctrl-C during a fit: the first SIGINT asks the run to stop after the current step (the engine
 * yields to the event loop every few milliseconds, so the signal gets through), which lets the
 * Checkpoint callback write the last completed step; a second SIGINT quits at once.
 */
import { Subscription } from 'rxjs';

import type { Callback, RunContext } from '../kernel/events.js';
import { EXIT_INTERRUPTED } from './usage-error.js';

export class Interrupt implements Callback {
  /** Set once SIGINT has asked the run to stop. */
  requested = false;

  constructor(private readonly notify: (line: string) => void) {}

  attach(ctx: RunContext): Subscription {
    const onSignal = (): void => {
      if (this.requested) {
        this.notify('vinfer: second interrupt, quitting without waiting');
        process.exit(EXIT_INTERRUPTED);
      }
      this.requested = true;
      this.notify('\nvinfer: interrupted; stopping after the current step (press Ctrl-C again to quit now)');
      ctx.stop('interrupted (SIGINT)');
    };
    process.on('SIGINT', onSignal);
    // Removed when the run's subscriptions are torn down, after the end event.
    return new Subscription(() => {
      process.off('SIGINT', onSignal);
    });
  }
}
