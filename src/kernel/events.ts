/** The events an SVI run emits, and the callback interface that consumes them. */
import { type Observable, type OperatorFunction, type Subscription, filter } from 'rxjs';

import type { SVIRunResult, SVIState } from './svi-state.js';

export type SVIEvent =
  | { readonly type: 'start'; readonly numSteps: number; readonly step: number }
  /**
   * `state` is the state after this step. Its tensors stay valid only while the event is being
   * delivered (the next update consumes them): read or serialise them synchronously.
   */
  | { readonly type: 'step'; readonly step: number; readonly loss: number; readonly state: SVIState }
  | {
      readonly type: 'end';
      readonly step: number;
      readonly reason: 'completed' | 'stopped' | 'error';
      readonly message?: string;
      readonly result?: SVIRunResult;
      readonly error?: Error;
    };

export type SVIEventType = SVIEvent['type'];

/** Filters the stream to one event type, with the narrowed type. */
export const ofType = <T extends SVIEventType>(type: T): OperatorFunction<SVIEvent, Extract<SVIEvent, { type: T }>> =>
  filter((e: SVIEvent): e is Extract<SVIEvent, { type: T }> => e.type === type);

/** What a callback sees of a run. */
export interface RunContext {
  readonly events$: Observable<SVIEvent>;
  /** Ask the engine to stop before the next step; the run ends with reason 'stopped'. */
  stop(reason?: string): void;
  /** End the run with reason 'error' (throwing inside subscribe() never reaches the engine). */
  fail(error: unknown): void;
  /** The engine running; read-only use (e.g. getParams). */
  readonly svi: unknown;
  /** Number of steps asked for in this run. */
  readonly numSteps: number;
}

export interface Callback {
  attach(ctx: RunContext): Subscription | void;
  /** Awaited after the end event: finish pending I/O (a last checkpoint, a log flush). */
  close?(): Promise<void> | void;
}

/** How `run(..., { progressBar: true })` gets its bar without the kernel importing a plugin. */
let progressBarFactory: (() => Callback) | undefined;
export function setProgressBarFactory(factory: () => Callback): void {
  progressBarFactory = factory;
}
export function makeProgressBar(): Callback | undefined {
  return progressBarFactory?.();
}
