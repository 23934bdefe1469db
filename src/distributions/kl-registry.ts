/**
 * The KL-divergence registry: `registerKL(P, Q, fn)` records a closed form for a pair of
 * distribution classes, and `klDivergence(p, q)` finds the most specific registered pair for the
 * classes of p and q by walking both prototype chains (as torch.distributions and NumPyro do).
 *
 * This module holds only the table and the dispatch. The built-in pairs are registered by kl.ts,
 * which re-exports both functions: import them from there (or from the `dist` namespace).
 */
import * as tf from '@tensorflow/tfjs';

import { ValueError, fmtShape } from '../kernel/errors.js';
import { Distribution } from './distribution.js';
import { broadcastShapes, sameShape } from './tensor-like.js';

/** A distribution class (abstract classes included), as passed to registerKL. */
export type DistributionClass<D extends Distribution = Distribution> = abstract new (...args: never[]) => D;

/** A closed form KL(p ‖ q) over the broadcast batch shape of p and q. */
export type KLFn<P extends Distribution = Distribution, Q extends Distribution = Distribution> = (p: P, q: Q) => tf.Tensor;

type AnyClass = abstract new (...args: never[]) => unknown;

const table = new Map<AnyClass, Map<AnyClass, KLFn>>();
// Dispatch results per (class of p, class of q); cleared by every registration.
const cache = new Map<AnyClass, Map<AnyClass, KLFn | null>>();

/**
 * Registers `fn` as KL(p ‖ q) for p an instance of `P` and q an instance of `Q` (subclasses
 * included). A later registration of the same pair replaces the earlier one.
 *
 * @param P - the class of the first argument
 * @param Q - the class of the second argument
 * @param fn - returns a tensor of shape broadcast(p.batchShape, q.batchShape)
 * @throws {ValueError} when P or Q is not a Distribution class, or fn is not a function
 * @example
 * registerKL(MyFamily, Normal, (p, q) => ...);
 * @public
 */
export function registerKL<P extends Distribution, Q extends Distribution>(
  P: DistributionClass<P>,
  Q: DistributionClass<Q>,
  fn: KLFn<P, Q>,
): void {
  for (const [name, c] of [['P', P], ['Q', Q]] as const) {
    if (typeof c !== 'function' || !(c === (Distribution as AnyClass) || c.prototype instanceof Distribution)) {
      throw new ValueError(`registerKL: argument '${name}' must be a Distribution class, got ${describe(c)}`);
    }
  }
  if (typeof fn !== 'function') throw new ValueError(`registerKL: argument 'fn' must be a function (p, q) => tf.Tensor, got ${describe(fn)}`);
  let row = table.get(P);
  if (row === undefined) table.set(P, (row = new Map()));
  row.set(Q, fn as KLFn);
  cache.clear();
}

/**
 * KL(p ‖ q) = E_p[log p(x) - log q(x)], from the closed form registered for the most specific
 * pair of classes (fewest prototype steps from p's and q's classes in total; ties go to the pair
 * more specific in p). Event dims are summed out: the result has shape broadcast(p.batchShape, q.batchShape).
 *
 * @throws {ValueError} when the event shapes differ, the batch shapes do not broadcast, or no
 *   pair is registered for the two families (the message says how to register one)
 * @example
 * klDivergence(new Normal(0, 1), new Normal(1, 2)); // scalar tensor
 * @public
 */
export function klDivergence(p: Distribution, q: Distribution): tf.Tensor {
  if (!sameShape(p.eventShape, q.eventShape)) {
    throw new ValueError(
      `klDivergence: event shapes differ: ${p.familyName} has ${fmtShape(p.eventShape)}, ${q.familyName} has ${fmtShape(q.eventShape)}`,
    );
  }
  const batch = broadcastShapes(p.batchShape, q.batchShape);
  if (batch === undefined) {
    throw new ValueError(
      `klDivergence: batch shapes do not broadcast: ${p.familyName} ${fmtShape(p.batchShape)}, ${q.familyName} ${fmtShape(q.batchShape)}`,
    );
  }
  const fn = lookup(p.constructor as AnyClass, q.constructor as AnyClass);
  if (fn === null) {
    const pc = p.constructor.name;
    const qc = q.constructor.name;
    throw new ValueError(
      `klDivergence: no KL divergence is registered for (${p.familyName}, ${q.familyName}). ` +
        `Register a closed form with registerKL(${pc}, ${qc}, (p, q) => ...), or use a Monte Carlo ELBO (TraceELBO) instead of TraceMeanFieldELBO.`,
    );
  }
  return tf.tidy(() => {
    const kl = fn(p, q);
    return sameShape(kl.shape, batch) ? kl : tf.broadcastTo(kl, batch);
  });
}

/** The registered function for the most specific pair matching (classP, classQ), or null. */
function lookup(classP: AnyClass, classQ: AnyClass): KLFn | null {
  let row = cache.get(classP);
  if (row === undefined) cache.set(classP, (row = new Map()));
  const hit = row.get(classQ);
  if (hit !== undefined) return hit;
  const chainP = lineage(classP);
  const chainQ = lineage(classQ);
  let best: KLFn | null = null;
  let bestScore = Infinity;
  chainP.forEach((a, i) => {
    const candidates = table.get(a);
    if (candidates === undefined) return;
    chainQ.forEach((b, j) => {
      const fn = candidates.get(b);
      // Total distance first; on ties the smaller i (more specific in p) wins.
      const score = (i + j) * 1024 + i;
      if (fn !== undefined && score < bestScore) {
        best = fn;
        bestScore = score;
      }
    });
  });
  row.set(classQ, best);
  return best;
}

/** The class and its ancestors up to Distribution, most specific first. */
function lineage(c: AnyClass): AnyClass[] {
  const out: AnyClass[] = [];
  let cur: unknown = c;
  while (typeof cur === 'function' && cur !== Function.prototype) {
    out.push(cur as AnyClass);
    if (cur === Distribution) break;
    cur = Object.getPrototypeOf(cur);
  }
  return out;
}

function describe(x: unknown): string {
  if (typeof x === 'function') return `function ${x.name || '(anonymous)'}`;
  return x === null ? 'null' : typeof x;
}
