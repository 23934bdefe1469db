/**
 * KL divergences: the registry (kl-registry.ts) plus the built-in pairs, registered when this
 * module loads. Families never import this module; it imports them.
 *
 * Built-in pairs (p ‖ q), subclasses included:
 * - reductions: Independent–Independent (same reinterpreted dims: the base KL summed over them),
 *   ExpandedDistribution on either side (the base KL, broadcast);
 * - here: Normal–Normal, Bernoulli–Bernoulli, Binomial–Binomial (equal totalCount),
 *   Categorical–Categorical, OneHotCategorical–OneHotCategorical, Geometric–Geometric,
 *   Poisson–Poisson, Delta–any distribution;
 * - in kl-continuous.ts: Beta–Beta, Gamma–Gamma, Dirichlet–Dirichlet, and MultivariateNormal /
 *   LowRankMultivariateNormal in all four pairings.
 *
 * Discrete pairs take 0·log 0 = 0 through logs clamped at log(1e-37) ≈ -85.2 (so no comparison
 * lies on a gradient path); where q gives zero probability to an outcome p can produce, the
 * result is therefore large (≈ p·85) rather than +Infinity.
 *
 * References: the closed forms follow torch.distributions.kl and numpyro.distributions.kl.
 */
import * as tf from '@tensorflow/tfjs';

import { ValueError } from '../kernel/errors.js';
import { Bernoulli } from './bernoulli.js';
import { Binomial } from './binomial.js';
import { Categorical } from './categorical.js';
import { Delta } from './delta.js';
import { Distribution, ExpandedDistribution, Independent, sumRightmost } from './distribution.js';
import { Geometric } from './geometric.js';
import './kl-continuous.js';
import { klDivergence, registerKL } from './kl-registry.js';
import { Normal } from './normal.js';
import { OneHotCategorical } from './one-hot-categorical.js';
import { Poisson } from './poisson.js';

export { klDivergence, registerKL, type DistributionClass, type KLFn } from './kl-registry.js';

const TINY = 1e-37;

/** log max(x, 1e-37): finite at 0, exact elsewhere in float32's normal range. */
function safeLog(x: tf.Tensor): tf.Tensor {
  return tf.log(tf.maximum(x, TINY));
}

// Independent: the KL of the product is the sum of the KLs over the reinterpreted dims.
registerKL(Independent, Independent, (p, q) => {
  if (p.reinterpretedBatchNdims !== q.reinterpretedBatchNdims) {
    throw new ValueError(
      `klDivergence: Independent distributions reinterpret different numbers of batch dims ` +
        `(${p.reinterpretedBatchNdims} and ${q.reinterpretedBatchNdims}); build both with the same toEvent(n)`,
    );
  }
  return sumRightmost(klDivergence(p.baseDist, q.baseDist), p.reinterpretedBatchNdims);
});

// ExpandedDistribution: the KL of the base pair, broadcast by klDivergence to the expanded batch shape.
registerKL(ExpandedDistribution, Distribution, (p, q) => klDivergence(p.baseDist, q));
registerKL(Distribution, ExpandedDistribution, (p, q) => klDivergence(p, q.baseDist));
registerKL(ExpandedDistribution, ExpandedDistribution, (p, q) => klDivergence(p.baseDist, q.baseDist));

// ½ (σp²/σq² + (μp - μq)²/σq² - 1 - log σp²/σq²)
registerKL(Normal, Normal, (p, q) => {
  const varRatio = tf.square(tf.div(p.scale, q.scale));
  const t1 = tf.square(tf.div(tf.sub(p.loc, q.loc), q.scale));
  return tf.mul(0.5, tf.sub(tf.add(varRatio, t1), tf.add(1, tf.log(varRatio))));
});

/** A family with a success probability given as probs or logits (Bernoulli, Binomial). */
interface BinaryLike {
  readonly parameterization: 'probs' | 'logits';
  readonly probs: tf.Tensor;
  readonly logits: tf.Tensor;
}

/** Outcome weights [p, 1 - p] and their logs, from whichever parameter the family holds. */
function binaryParts(d: BinaryLike): { w: [tf.Tensor, tf.Tensor]; logw: [tf.Tensor, tf.Tensor] } {
  if (d.parameterization === 'logits') {
    const l = d.logits;
    // σ(-l) rather than 1 - σ(l) keeps the small weight accurate; log σ(±l) = -softplus(∓l) is finite.
    return { w: [tf.sigmoid(l), tf.sigmoid(tf.neg(l))], logw: [tf.neg(tf.softplus(tf.neg(l))), tf.neg(tf.softplus(l))] };
  }
  const p = d.probs;
  const q = tf.sub(1, p);
  return { w: [p, q], logw: [safeLog(p), safeLog(q)] };
}

/** Σ_k p_k (log p_k - log q_k) over the outcomes {1, 0}. */
function binaryKL(p: BinaryLike, q: BinaryLike): tf.Tensor {
  const a = binaryParts(p);
  const b = binaryParts(q);
  const t1 = tf.mul(a.w[0], tf.sub(a.logw[0], b.logw[0]));
  const t0 = tf.mul(a.w[1], tf.sub(a.logw[1], b.logw[1]));
  return tf.add(t1, t0);
}
registerKL(Bernoulli, Bernoulli, binaryKL);

// n trials of the Bernoulli pair; defined here only for equal totalCount (otherwise the supports differ).
registerKL(Binomial, Binomial, (p, q) => {
  const same = tf.tidy(() => tf.min(tf.cast(tf.equal(p.totalCount, q.totalCount), 'float32')).dataSync()[0]);
  if (same !== 1) {
    throw new ValueError(
      'klDivergence: Binomial–Binomial is implemented for equal totalCount only (with n_p > n_q the KL is infinite)',
    );
  }
  return tf.mul(p.totalCount, binaryKL(p, q));
});

interface CategoricalLike {
  readonly parameterization: 'probs' | 'logits';
  readonly probs: tf.Tensor;
  readonly logits: tf.Tensor;
}

/** Σ_k p_k (log p_k - log q_k) over the last dim. */
function categoricalKL(p: CategoricalLike, q: CategoricalLike): tf.Tensor {
  const logOf = (d: CategoricalLike) => (d.parameterization === 'logits' ? d.logits : safeLog(d.probs));
  return tf.sum(tf.mul(p.probs, tf.sub(logOf(p), logOf(q))), -1);
}
registerKL(Categorical, Categorical, categoricalKL);
registerKL(OneHotCategorical, OneHotCategorical, categoricalKL);

// log(pp/pq) + E_p[X]·(log(1-pp) - log(1-pq)), with E_p[X] = (1 - pp)/pp.
registerKL(Geometric, Geometric, (p, q) => {
  const parts = (d: Geometric): [tf.Tensor, tf.Tensor] => {
    if (d.parameterization === 'logits') {
      const l = d.logits;
      return [tf.neg(tf.softplus(tf.neg(l))), tf.neg(tf.softplus(l))];
    }
    const pr = d.probs;
    return [tf.log(pr), safeLog(tf.sub(1, pr))];
  };
  const [lp, l1p] = parts(p);
  const [lq, l1q] = parts(q);
  return tf.add(tf.sub(lp, lq), tf.mul(p.mean, tf.sub(l1p, l1q)));
});

// λp log(λp/λq) - λp + λq
registerKL(Poisson, Poisson, (p, q) =>
  tf.add(tf.sub(tf.mul(p.rate, tf.sub(safeLog(p.rate), safeLog(q.rate))), p.rate), q.rate),
);

// KL(δ_v ‖ q) = log p(v) - log q(v), with log p(v) the Delta's logDensity (0 for a plain point mass).
registerKL(Delta, Distribution, (p, q) => tf.sub(p.logDensity, q.logProb(p.v)));
