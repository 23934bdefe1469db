/**
 * Benchmark: ms per SVI step for each reference workload on the cpu and wasm backends, beside
 * Pyro's figures, plus tfjs kernels per step. Usage:
 *   npx tsx bench/run.ts [--backends cpu,wasm] [--only W1,W2a] [--steps 300] [--reps 3]
 * Each timing is the median over `reps` repetitions of `steps` updates after a warm-up, divided by
 * the steps. Never part of `npm test`.
 */
import os from 'node:os';

import * as tf from '@tensorflow/tfjs';

import { setBackend } from '../src/kernel/backend.js';
import { PRNGKey } from '../src/kernel/rng.js';
import { SVI } from '../src/kernel/svi.js';
import { disposeState } from '../src/kernel/svi-state.js';
import '../src/index.js';
import { WORKLOADS } from './workloads.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const backends = arg('backends', 'cpu,wasm').split(',');
const only = arg('only', '');
const steps = Number(arg('steps', '300'));
const reps = Number(arg('reps', '3'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Row {
  id: string;
  label: string;
  pyroMs: number;
  ms: Record<string, number>;
  kernels: Record<string, number>;
  finalLoss: Record<string, number>;
}

const rows: Row[] = [];
for (const w of WORKLOADS) {
  if (only && !only.split(',').includes(w.id)) continue;
  rows.push({ id: w.id, label: w.label, pyroMs: w.pyroMs, ms: {}, kernels: {}, finalLoss: {} });
}

for (const backend of backends) {
  await setBackend(backend);
  for (const row of rows) {
    const w = WORKLOADS.find((x) => x.id === row.id)!;
    try {
      const { model, guide, optim, loss, args } = w.build();
      const svi = new SVI(model, guide as never, optim, loss);
      let state = svi.init(PRNGKey(0), ...args);
      let l = 0;
      for (let i = 0; i < 30; i++) [state, l] = svi.update(state, ...args);
      const times: number[] = [];
      for (let r = 0; r < reps; r++) {
        const t0 = performance.now();
        for (let i = 0; i < steps; i++) [state, l] = svi.update(state, ...args);
        times.push((performance.now() - t0) / steps);
      }
      const prof = await tf.profile(() => {
        [state] = svi.update(state, ...args);
      });
      row.ms[backend] = median(times);
      row.kernels[backend] = prof.kernels.length;
      row.finalLoss[backend] = l;
      disposeState(state);
      (guide as { dispose?: () => void }).dispose?.();
      process.stderr.write(`${backend} ${row.id}: ${row.ms[backend]!.toFixed(3)} ms/step, ${prof.kernels.length} kernels\n`);
    } catch (e) {
      process.stderr.write(`${backend} ${row.id}: failed: ${(e as Error).message.split('\n')[0]}\n`);
    }
  }
}

const fmt = (x: number | undefined) => (x === undefined ? '—' : x.toFixed(3));
console.log(`\nMachine: ${os.cpus()[0]?.model ?? 'unknown'} x${os.cpus().length}, Node ${process.version}; ${steps} steps x ${reps} reps, median.\n`);
const head = ['workload', 'Pyro ms', ...backends.map((b) => `${b} ms`), ...backends.map((b) => `Pyro/${b}`), ...backends.map((b) => `${b} kernels`)];
console.log(`| ${head.join(' | ')} |`);
console.log(`|${head.map(() => '---').join('|')}|`);
for (const r of rows) {
  const cells = [
    `${r.id} ${r.label}`,
    r.pyroMs.toFixed(2),
    ...backends.map((b) => fmt(r.ms[b])),
    ...backends.map((b) => (r.ms[b] ? `${(r.pyroMs / r.ms[b]!).toFixed(2)}x` : '—')),
    ...backends.map((b) => String(r.kernels[b] ?? '—')),
  ];
  console.log(`| ${cells.join(' | ')} |`);
}
