/** The Trace: an ordered record of the sites of one run, and what losses read off it. */
import * as tf from '@tensorflow/tfjs';

import { fmtShape } from './errors.js';
import type { Site } from './runtime.js';

export type Trace = Map<string, Site>;

/**
 * The masked, unscaled log-density of a sample site (shape: the site's batch shape), or null
 * for other site types.
 */
export function siteLogProb(site: Site): tf.Tensor | null {
  if (site.type !== 'sample' || site.fn === null || site.value === null) return null;
  let lp: tf.Tensor;
  try {
    lp = site.fn.logProb(site.value);
  } catch (err) {
    throw atSite(err, site);
  }
  return applySiteMask(lp, site);
}

/** `terms` (a per-element log-density or KL over the site's batch) with the site's mask applied: 0 where masked out. */
export function applySiteMask(terms: tf.Tensor, site: Site): tf.Tensor {
  const m = site.mask;
  if (m === null || m === true) return terms;
  if (m === false) return tf.zerosLike(terms);
  return tf.where(tf.broadcastTo(tf.cast(m, 'bool'), terms.shape), terms, tf.zerosLike(terms));
}

/**
 * The error of a site's log-density with the site named in front (`sample('x'): Normal.logProb:
 * …`): the distribution that raised it does not know which site it belongs to. The error keeps
 * its class and stack; the message is extended in place, once.
 */
function atSite(err: unknown, site: Site): unknown {
  const where = `sample('${site.name}')`;
  if (err instanceof Error && !err.message.startsWith(where)) err.message = `${where}: ${err.message}`;
  return err;
}

/** The masked log-density of a site multiplied by its scale and summed to a scalar. */
export function siteLogProbSum(site: Site): tf.Tensor | null {
  const lp = siteLogProb(site);
  if (lp === null) return null;
  return scaleAndSum(lp, site.scale);
}

export function scaleAndSum(lp: tf.Tensor, scale: number | tf.Tensor): tf.Tensor {
  if (typeof scale === 'number') {
    const s = tf.sum(lp);
    return scale === 1 ? s : tf.mul(s, scale);
  }
  return tf.sum(tf.mul(lp, scale));
}

/** Sum of every sample site's scaled log-density (observed and latent) as a scalar. */
export function logProbSum(trace: Trace, filter: (site: Site) => boolean = () => true): tf.Tensor {
  let total: tf.Tensor = tf.scalar(0);
  for (const site of trace.values()) {
    if (site.type !== 'sample' || !filter(site)) continue;
    total = tf.add(total, siteLogProbSum(site)!);
  }
  return total;
}

/** The sample sites that are not observed. */
export function latentSites(trace: Trace): Site[] {
  return [...trace.values()].filter((s) => s.type === 'sample' && !s.isObserved);
}

/** A shape table for error messages (Pyro's format_shapes). */
export function formatShapes(trace: Trace): string {
  const rows: string[] = [];
  for (const site of trace.values()) {
    if (site.type === 'plate') continue;
    const shape = site.value === null ? '?' : fmtShape(site.value.shape);
    const plates = site.condIndepStack.map((f) => `${f.name}@${f.dim}`).join(', ');
    rows.push(`  ${site.name}  ${site.type}${site.isObserved ? ' (observed)' : ''}  ${shape}${plates ? `  (plates: ${plates})` : ''}`);
  }
  return rows.length === 0 ? '' : `\n Trace shapes:\n${rows.join('\n')}`;
}
