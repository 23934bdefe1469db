/**
 * JsonlLogger: one JSON object per logged step, appended to a file (JSON Lines), for plotting and
 * for comparing runs.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import * as path from 'node:path';

import type { Subscription } from 'rxjs';

import { VinferError } from '../../kernel/errors.js';
import type { Callback, RunContext } from '../../kernel/events.js';
import type { PluginMeta } from '../../kernel/plugin-meta.js';
import { defaultClock, jsonNumber } from './format.js';
import { MovingAverage } from './moving-average.js';
import { checkOptions, functionOption, intOption, pathOption } from './options.js';
import { onEvents } from './subscribe.js';

/** Options of {@link JsonlLogger}. */
export interface JsonlLoggerOptions {
  /** The file to append to (required); missing parent directories are created. */
  readonly path: string;
  /** Write a line every this many steps. @defaultValue 1 */
  readonly every?: number;
  /** Window of the moving average written as `smoothedLoss`. @defaultValue 100 */
  readonly smoothing?: number;
  /** Monotonic clock in milliseconds, injectable for tests (code API only). @defaultValue performance.now */
  readonly clock?: () => number;
}

/** One line of the log. Non-finite numbers are written as the strings "NaN", "Infinity", "-Infinity". */
export interface JsonlRecord {
  readonly step: number;
  readonly loss: number | string;
  /** Mean of the last `smoothing` losses. */
  readonly smoothedLoss: number | string;
  /** Over the steps since the previous line. */
  readonly stepsPerSecond: number | string;
  /** Seconds since this run started. */
  readonly time: number;
}

const KNOWN = ['path', 'every', 'smoothing', 'clock'] as const;

/**
 * Appends `{"step", "loss", "smoothedLoss", "stepsPerSecond", "time"}` lines to `path` at every
 * step that is a multiple of `every`. Lines are buffered and written in order, off the step loop;
 * `close()` (awaited by the engine when the run ends) flushes them. A write error ends the run
 * with reason 'error'.
 * @throws {ValueError} for a bad option
 * @public
 */
export class JsonlLogger implements Callback {
  static readonly plugin = { kind: 'callback', name: 'JsonlLogger' } as const satisfies PluginMeta;
  readonly path: string;
  readonly every: number;
  readonly smoothing: number;
  private readonly clock: () => number;
  private pending: string[] = [];
  private writing: Promise<void> | null = null;
  private ready: Promise<void> = Promise.resolve();
  private error: Error | null = null;
  private reported = false;
  private ended = false;
  private ctx: RunContext | null = null;

  constructor(options: JsonlLoggerOptions) {
    const o = checkOptions('JsonlLogger', options, KNOWN);
    this.path = pathOption('JsonlLogger', 'path', o.path);
    this.every = intOption('JsonlLogger', 'every', o.every, 1, 1);
    this.smoothing = intOption('JsonlLogger', 'smoothing', o.smoothing, 100, 1);
    this.clock = functionOption<() => number>('JsonlLogger', 'clock', o.clock) ?? defaultClock;
  }

  attach(ctx: RunContext): Subscription {
    this.ctx = ctx;
    this.ended = false;
    this.reported = false;
    this.error = null;
    this.ready = mkdir(path.dirname(path.resolve(this.path)), { recursive: true }).then(
      () => undefined,
      (err: unknown) => this.onError(err),
    );
    const avg = new MovingAverage(this.smoothing);
    let t0 = 0;
    let lastTime = 0;
    let lastStep = 0;
    return onEvents(ctx, {
      start: ({ step }) => {
        t0 = lastTime = this.clock();
        lastStep = step;
      },
      step: ({ step, loss }) => {
        avg.push(loss);
        if (step % this.every !== 0) return;
        const now = this.clock();
        const record: JsonlRecord = {
          step,
          loss: jsonNumber(loss),
          smoothedLoss: jsonNumber(avg.mean()),
          stepsPerSecond: jsonNumber(((step - lastStep) * 1000) / (now - lastTime)),
          time: Math.round(now - t0) / 1000,
        };
        lastTime = now;
        lastStep = step;
        this.pending.push(`${JSON.stringify(record)}\n`);
        this.flush();
      },
      end: () => {
        this.ended = true;
      },
    });
  }

  /** Starts a write of the buffered lines unless one is in flight (which restarts it when done). */
  private flush(): void {
    if (this.writing !== null || this.pending.length === 0 || this.error !== null) return;
    const chunk = this.pending.join('');
    this.pending = [];
    this.writing = this.ready
      .then(() => (this.error === null ? appendFile(this.path, chunk) : undefined))
      .catch((err: unknown) => this.onError(err))
      .then(() => {
        this.writing = null;
        this.flush();
      });
  }

  private onError(err: unknown): void {
    if (this.error !== null) return;
    const msg = err instanceof Error ? err.message : String(err);
    this.error = new VinferError(`JsonlLogger: cannot write '${this.path}': ${msg}. Check that the directory is writable.`, { cause: err });
    this.pending = [];
    if (!this.ended && this.ctx !== null) {
      this.reported = true;
      this.ctx.fail(this.error);
    }
  }

  /** Waits until every buffered line is written; throws a write error the run has not already reported. */
  async close(): Promise<void> {
    await this.ready;
    while (this.writing !== null) await this.writing;
    if (this.error !== null && !this.reported) {
      this.reported = true;
      throw this.error;
    }
  }
}
