/**
 * Sum-product contraction of plated log-factors over enumerated dims: tensor variable
 * elimination for plated factor graphs (Obermeyer et al. 2019, the algorithm behind Pyro's and
 * NumPyro's TraceEnum_ELBO), in log space.
 *
 * Every factor and every enumerated variable sits in a set of plates (its ordinal). The
 * contraction works from the deepest ordinal up: at an ordinal it eliminates (logsumexp, one
 * variable at a time) the variables that live exactly there, then sums each remaining term over
 * the plates that none of its remaining variables is in (the product over independent plate
 * slices) and hands it to the ordinal of those variables. So a factor inside a plate is summed
 * over the plate after the variables local to the plate are marginalised, and before the
 * variables outside it are.
 */
import * as tf from '@tensorflow/tfjs';

import { stopGradient } from '../kernel/autodiff.js';
import { ValueError } from '../kernel/errors.js';
import type { PlateFrame } from '../kernel/runtime.js';

/** An enumerated variable: its values lie along `dim` (negative, left of every plate dim). */
export interface EnumVar {
  readonly name: string;
  readonly dim: number;
  readonly plates: readonly PlateFrame[];
}

/** A log-factor, broadcast-aligned to the full rank (plate dims right, enumeration dims left of them). */
export interface LogFactor {
  readonly name: string;
  readonly logProb: tf.Tensor;
  readonly plates: readonly PlateFrame[];
  /** Applied to the contracted component, outside the log-sum-exp. */
  readonly scale: number;
}

interface Term {
  readonly t: tf.Tensor;
  /** Indices into the variable list of the variables the term depends on. */
  readonly vars: ReadonlySet<number>;
}

const ordinalKey = (plates: readonly PlateFrame[]): string => plates.map((f) => f.name).sort().join('\u0000');
const platesText = (plates: readonly PlateFrame[]): string =>
  plates.length === 0 ? 'no plate' : plates.map((f) => `'${f.name}'`).join(', ');

/**
 * log Σ over every enumerated variable of Π of the factors, with plates as products; each
 * connected component of factors is multiplied by its (shared) scale. Every factor must be
 * aligned to `rank`; its dependence on a variable is read off its shape (size > 1 at the
 * variable's dim).
 * @throws {ValueError} for plate structures this contraction cannot handle
 */
export function contractLogFactors(where: string, factors: readonly LogFactor[], vars: readonly EnumVar[], rank: number): tf.Tensor {
  const depends = factors.map((f) => varsOf(f.logProb, vars, rank));
  factors.forEach((f, i) => {
    for (const v of depends[i]!) {
      const outside = vars[v]!.plates.find((p) => !f.plates.some((q) => q.name === p.name));
      if (outside !== undefined) {
        throw new ValueError(
          `${where}: site '${f.name}' (in ${platesText(f.plates)}) depends on the enumerated site '${vars[v]!.name}' inside ` +
            `plate '${outside.name}', which '${f.name}' is not in; a site outside a plate cannot depend on a per-slice enumerated ` +
            `variable. Move '${f.name}' into plate '${outside.name}', or sample '${vars[v]!.name}' in the guide instead.`,
        );
      }
    }
  });
  let total: tf.Tensor = tf.scalar(0);
  for (const component of components(depends, vars.length)) {
    const scale = factors[component[0]!]!.scale;
    const odd = component.find((i) => factors[i]!.scale !== scale);
    if (odd !== undefined) {
      throw new ValueError(
        `${where}: sites '${factors[component[0]!]!.name}' and '${factors[odd]!.name}' depend on the same enumerated variables but ` +
          `have different scales (${scale} vs ${factors[odd]!.scale}); enumeration needs one common scale (subsample the plates ` +
          'they share alike, or sample the global enumerated site in the guide).',
      );
    }
    const c = contractComponent(
      where,
      component.map((i) => ({ factor: factors[i]!, term: { t: factors[i]!.logProb, vars: depends[i]! } })),
      vars,
      rank,
    );
    total = tf.add(total, scale === 1 ? c : tf.mul(c, scale));
  }
  return total;
}

/** The variables whose dim has size > 1 in `t` (aligned to `rank`). */
function varsOf(t: tf.Tensor, vars: readonly EnumVar[], rank: number): Set<number> {
  const out = new Set<number>();
  vars.forEach((v, i) => {
    if (t.shape[rank + v.dim]! > 1) out.add(i);
  });
  return out;
}

/** Groups factor indices into connected components through shared variables (union-find). */
function components(depends: readonly ReadonlySet<number>[], numVars: number): number[][] {
  const parent = Array.from({ length: numVars }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  for (const d of depends) {
    const [first, ...rest] = [...d];
    for (const v of rest) parent[find(v)] = find(first!);
  }
  const groups = new Map<number, number[]>();
  depends.forEach((d, i) => {
    // A factor with no variable is a component of its own.
    const root = d.size === 0 ? numVars + i : find(d.values().next().value!);
    const g = groups.get(root);
    if (g === undefined) groups.set(root, [i]);
    else g.push(i);
  });
  return [...groups.values()];
}

interface Node {
  readonly plates: readonly PlateFrame[];
  terms: Term[];
}

function contractComponent(
  where: string,
  members: { factor: LogFactor; term: Term }[],
  vars: readonly EnumVar[],
  rank: number,
): tf.Tensor {
  const tree = new Map<string, Node>();
  const addTerm = (plates: readonly PlateFrame[], term: Term): void => {
    const key = ordinalKey(plates);
    const node = tree.get(key);
    if (node === undefined) tree.set(key, { plates, terms: [term] });
    else node.terms.push(term);
  };
  for (const { factor, term } of members) addTerm(factor.plates, term);
  let total: tf.Tensor = tf.scalar(0);
  while (tree.size > 0) {
    // The deepest ordinal first: everything below it has already been handed up to it.
    let leafKey = '';
    let leaf: Node | null = null;
    for (const [k, n] of tree) if (leaf === null || n.plates.length > leaf.plates.length) [leafKey, leaf] = [k, n];
    tree.delete(leafKey);
    let terms = leaf!.terms;
    const present = new Set(terms.flatMap((t) => [...t.vars]));
    const local = [...present].filter((v) => ordinalKey(vars[v]!.plates) === leafKey);
    for (const node of tree.values()) {
      for (const t of node.terms) {
        const shared = local.find((v) => t.vars.has(v));
        if (shared !== undefined) throw nonTree(where, vars[shared]!, node.plates);
      }
    }
    terms = eliminate(terms, local, rank, vars);
    for (const term of terms) {
      const keep = leaf!.plates.filter((p) => [...term.vars].some((v) => vars[v]!.plates.some((q) => q.name === p.name)));
      if (term.vars.size > 0 && keep.length === leaf!.plates.length) {
        throw nonTree(where, vars[[...term.vars][0]!]!, leaf!.plates);
      }
      const summed = sumPlates(term.t, leaf!.plates.filter((p) => !keep.includes(p)), rank);
      if (term.vars.size === 0) total = tf.add(total, tf.sum(summed));
      else addTerm(keep, { t: summed, vars: term.vars });
    }
  }
  return total;
}

function nonTree(where: string, v: EnumVar, plates: readonly PlateFrame[]): ValueError {
  return new ValueError(
    `${where}: the enumerated site '${v.name}' (in ${platesText(v.plates)}) meets enumerated sites of other plates in a factor ` +
      `in ${platesText(plates)}; those plates do not nest as a tree, which this contraction needs. Sample one of the sites in ` +
      'the guide instead of enumerating it.',
  );
}

/** Variable elimination at one ordinal: logsumexp out each variable in `local`, smallest intermediate first. */
function eliminate(terms: Term[], local: number[], rank: number, vars: readonly EnumVar[]): Term[] {
  let out = terms;
  const todo = new Set(local);
  while (todo.size > 0) {
    let best = -1;
    let bestSize = Infinity;
    for (const v of todo) {
      const size = broadcastSize(out.filter((t) => t.vars.has(v)).map((t) => t.t.shape));
      if (size < bestSize) [best, bestSize] = [v, size];
    }
    todo.delete(best);
    const using = out.filter((t) => t.vars.has(best));
    let joint = using[0]!.t;
    for (const t of using.slice(1)) joint = tf.add(joint, t.t);
    const reduced = logSumExpKeep(joint, rank + vars[best]!.dim);
    const rest = new Set(using.flatMap((t) => [...t.vars]));
    rest.delete(best);
    out = [...out.filter((t) => !t.vars.has(best)), { t: reduced, vars: rest }];
  }
  return out;
}

function broadcastSize(shapes: number[][]): number {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  let n = 1;
  for (let a = 0; a < rank; a++) n *= Math.max(1, ...shapes.map((s) => s[s.length - rank + a] ?? 1));
  return n;
}

/** Sums `t` over the dims of `plates` (kept as size 1); a dim broadcast at size 1 counts its slices. */
function sumPlates(t: tf.Tensor, plates: readonly PlateFrame[], rank: number): tf.Tensor {
  let out = t;
  const axes: number[] = [];
  for (const p of plates) {
    const axis = rank + p.dim;
    if (out.shape[axis]! > 1) axes.push(axis);
    else if (p.subsampleSize > 1) out = tf.mul(out, p.subsampleSize);
  }
  return axes.length === 0 ? out : tf.sum(out, axes, true);
}

/**
 * log Σ exp(t) along `axis`, keeping it as size 1. The shift is the max with its gradient
 * stopped (the result does not depend on it), and 0 where every entry is −∞ so that an
 * impossible configuration gives −∞ rather than NaN.
 */
export function logSumExpKeep(t: tf.Tensor, axis: number): tf.Tensor {
  const m = stopGradient(tf.max(t, axis, true));
  const shift = tf.where(tf.isFinite(m), m, tf.zerosLike(m));
  return tf.add(tf.log(tf.sum(tf.exp(tf.sub(t, shift)), axis, true)), shift);
}
