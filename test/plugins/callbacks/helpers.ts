// Shared fixtures of the callback specs: the Normal–Normal model, a fake run context, temp dirs.
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { Subject } from 'rxjs';

import { positive } from '../../../src/distributions/constraints.js';
import { Normal } from '../../../src/distributions/normal.js';
import type { RunContext, SVIEvent } from '../../../src/kernel/events.js';
import { factor, param, sample } from '../../../src/kernel/primitives.js';
import { type SVIRunResult, type SVIState, disposeState } from '../../../src/kernel/svi-state.js';
import { SVI } from '../../../src/kernel/svi.js';
import { TraceELBO } from '../../../src/losses/trace-elbo.js';
import { Adam } from '../../../src/optim/adam.js';

export const DATA = [0.8, 1.9, 1.2, 2.4];

/** mu ~ N(0, 1); x_i ~ N(mu, 1), observed. */
export function model(): void {
  const mu = sample('mu', new Normal(0, 1));
  sample('x', new Normal(mu, 1), { obs: DATA });
}

/** q(mu) = N(loc, scale). */
export function guide(): void {
  const loc = param('loc', 0);
  const scale = param('scale', 1, { constraint: positive });
  sample('mu', new Normal(loc, scale));
}

export function makeSVI(lr = 0.05): SVI<[]> {
  return new SVI<[]>(model, guide, new Adam({ lr }), new TraceELBO());
}

/** The same model, whose log-density becomes NaN from its `nanFrom`-th execution on (init runs it once). */
export function makeNaNSVI(nanFrom: number): SVI<[]> {
  let calls = 0;
  const nanModel = (): void => {
    calls++;
    model();
    factor('poison', calls >= nanFrom ? NaN : 0);
  };
  return new SVI<[]>(nanModel, guide, new Adam({ lr: 0.05 }), new TraceELBO());
}

/** Disposes everything a run handed back. */
export function disposeResult(r: SVIRunResult): void {
  tf.dispose(Object.values(r.params));
  disposeState(r.state);
}

/** A new empty directory under the OS temp dir; remove it with `removeDir`. */
export function makeTempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'vinfer-callbacks-'));
}

export function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/** A RunContext driven by hand, recording stop/fail calls. */
export class FakeRun {
  readonly subject = new Subject<SVIEvent>();
  readonly stops: string[] = [];
  readonly failures: unknown[] = [];
  readonly ctx: RunContext;

  constructor(numSteps: number) {
    this.ctx = {
      events$: this.subject.asObservable(),
      stop: (reason?: string) => this.stops.push(reason ?? ''),
      fail: (error: unknown) => this.failures.push(error),
      svi: null,
      numSteps,
    };
  }

  start(step: number, numSteps = this.ctx.numSteps): void {
    this.subject.next({ type: 'start', step, numSteps });
  }

  /** A step event; the state is a dummy (the callbacks under test must not need one). */
  step(step: number, loss: number): void {
    const state = { params: {}, optimState: {}, mutableState: null, rngKey: [0, 0], step } as unknown as SVIState;
    this.subject.next({ type: 'step', step, loss, state });
  }

  end(step: number, reason: 'completed' | 'stopped' | 'error' = 'completed', message?: string): void {
    this.subject.next({ type: 'end', step, reason, ...(message === undefined ? {} : { message }) });
  }
}

/** Records the end event of the next run of `svi`. */
export function captureEnd(svi: SVI<[]>): { event: Extract<SVIEvent, { type: 'end' }> | null; stop(): void } {
  const box: { event: Extract<SVIEvent, { type: 'end' }> | null; stop(): void } = { event: null, stop: () => undefined };
  const sub = svi.events$.subscribe((e) => {
    if (e.type === 'end') box.event = e;
  });
  box.stop = () => sub.unsubscribe();
  return box;
}
