/**
 * One subscription per callback, dispatching by event type. An exception thrown by a handler
 * would otherwise surface as an uncaught error outside the run (rxjs reports errors thrown in
 * `next` asynchronously); here it ends the run through `ctx.fail` instead.
 */
import type { Subscription } from 'rxjs';

import type { RunContext, SVIEvent } from '../../kernel/events.js';

type Handler<T extends SVIEvent['type']> = (event: Extract<SVIEvent, { type: T }>) => void;

export interface EventHandlers {
  start?: Handler<'start'>;
  step?: Handler<'step'>;
  end?: Handler<'end'>;
}

export function onEvents(ctx: RunContext, handlers: EventHandlers): Subscription {
  return ctx.events$.subscribe((e) => {
    try {
      if (e.type === 'start') handlers.start?.(e);
      else if (e.type === 'step') handlers.step?.(e);
      else handlers.end?.(e);
    } catch (err) {
      ctx.fail(err);
    }
  });
}
