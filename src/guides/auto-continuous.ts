/**
 * AutoContinuous: the base of the automatic guides that put one joint distribution over all
 * latent sites at once (NumPyro's AutoContinuous). Every continuous latent site is mapped to
 * unconstrained space with bijectTo(support), flattened, and the pieces are concatenated in the
 * prototype's site order into one vector of size D. A subclass chooses the distribution of that
 * vector; the guide draws it as the auxiliary site `_${prefix}_latent`, cuts it back into
 * per-site pieces, constrains each piece and records it as a Delta site whose log-density is
 * minus the log-Jacobian of the constraining map, so log q of the constrained values is exact.
 *
 * References:
 * - Kucukelbir et al. (2017), Automatic Differentiation Variational Inference, JMLR 18(14)
 * - NumPyro, `numpyro/infer/autoguide.py` (AutoContinuous, _unpack_and_constrain)
 */
import * as tf from '@tensorflow/tfjs';

import { Delta } from '../distributions/delta.js';
import { type Distribution, sumRightmost } from '../distributions/distribution.js';
import { Normal } from '../distributions/normal.js';
import { ndtri } from '../distributions/special.js';
import { sameShape } from '../distributions/tensor-like.js';
import { Identity, IndependentTransform } from '../distributions/transform-base.js';
import { Exp } from '../distributions/transforms-elementwise.js';
import type { Transform } from '../distributions/transforms.js';
import { TransformedDistribution } from '../distributions/transformed.js';
import { ModelError, ValueError, fmtShape } from '../kernel/errors.js';
import { sample } from '../kernel/primitives.js';
import type { PRNGKey } from '../kernel/rng.js';
import { AutoGuide, type LatentSite, type SiteValues, checkQuantiles } from './auto-guide.js';

/** Where a site's unconstrained coordinates sit in the flat latent vector. */
interface Block {
  readonly site: LatentSite;
  readonly offset: number;
}

/**
 * A stretch of the flat latent vector cut off in one piece: either one site, or a run of
 * consecutive scalar sites (one coordinate each), which one unstack separates (where a reshape
 * per site would record two ops each on the gradient tape).
 */
interface Piece {
  readonly blocks: readonly Block[];
  readonly size: number;
  readonly scalars: boolean;
}

function isScalarSite(site: LatentSite): boolean {
  return site.unconstrainedShape.length === 0;
}

/** Consecutive scalar sites grouped, every other site on its own. */
function piecesOf(blocks: readonly Block[]): Piece[] {
  const out: { blocks: Block[]; size: number; scalars: boolean }[] = [];
  for (const b of blocks) {
    const scalar = isScalarSite(b.site);
    const last = out[out.length - 1];
    if (scalar && last !== undefined && last.scalars) {
      last.blocks.push(b);
      last.size += 1;
    } else {
      out.push({ blocks: [b], size: b.site.size, scalars: scalar });
    }
  }
  return out;
}

/**
 * The Delta that carries a constrained site value in the guide: its draw is `v` itself, and its
 * log-density at exactly that draw is `logDensity` as given. The general Delta checks value = v
 * with a chain of ops (and copies v when drawing), which on every step records a dozen kernels per
 * site; here both values are known by construction. Other values take the general path.
 */
class SiteDelta extends Delta {
  override get familyName(): string {
    return 'Delta';
  }
  protected override sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    if (sampleShape.length === 0 && sameShape(this.v.shape, this.shape())) return this.v;
    return super.sampleImpl(key, sampleShape);
  }
  protected override logProbImpl(value: tf.Tensor): tf.Tensor {
    if (value === this.v && sameShape(this.logDensity.shape, this.batchShape)) return this.logDensity;
    return super.logProbImpl(value);
  }
}

/**
 * A site's constrained value and its log-density −log|det J| summed down to the site's batch
 * shape (NumPyro's sum_rightmost in AutoContinuous.__call__). The reals take u itself with
 * density 0, and Exp's log-Jacobian is u itself, so neither records a copy.
 */
function constrainSite(s: LatentSite, u: tf.Tensor): [tf.Tensor, tf.Tensor] {
  let base = s.transform;
  while (base instanceof IndependentTransform) base = base.base;
  if (base instanceof Identity) return [u, tf.zeros(u.shape.slice(0, u.rank - s.eventDim))];
  const value = s.transform.forward(u);
  // An IndependentTransform only sums its base's log-Jacobian, as sumRightmost does below.
  const ld = tf.neg(base instanceof Exp ? u : s.transform.logAbsDetJacobian(u, value));
  const batchRank = value.rank - s.eventDim;
  return [value, sumRightmost(ld, ld.rank - batchRank)];
}

/**
 * How leading dims of a latent are placed in front of each site's shape: `'sample'` keeps them
 * all (sampleShape and quantile levels); `'plate'` drops the trailing size-1 dims that an
 * enclosing plate added (vectorised particles) where the site's own batch dims go.
 */
type LeadMode = 'sample' | 'plate';

/**
 * Base class of the guides over the whole flattened latent space. Subclasses implement
 * `latentPosterior` (declares the parameters and returns the distribution of the flat vector
 * inside the guide), `getTransform`, `latentLoc` and `marginalScale`; the rest is shared.
 * Local latent sites (in subsampled plates) are not supported, as in NumPyro.
 * @public
 */
export abstract class AutoContinuous<A extends unknown[] = any[]> extends AutoGuide<A> {
  private blocks: Block[] = [];
  private pieces: Piece[] = [];
  private siteByName = new Map<string, LatentSite>();
  private initLatentValue: tf.Tensor | null = null;
  private dim = 0;

  /** Size D of the flat unconstrained latent vector (0 before the first call). */
  get latentDim(): number {
    return this.dim;
  }

  /** Name of the auxiliary site that carries the flat latent vector. */
  get latentSiteName(): string {
    return `_${this.prefix}_latent`;
  }

  /** The initial flat latent vector (unconstrained, owned by the guide). */
  protected get initLatent(): tf.Tensor {
    if (this.initLatentValue === null) this.prototype('initLatent');
    return this.initLatentValue!;
  }

  protected override setupPrototype(args: A): void {
    super.setupPrototype(args);
    const sites = this.latentSites;
    if (sites.length === 0) {
      throw new ModelError(`${this.guideName}: the model has no continuous latent sites. Use an empty guide (a function that samples nothing) instead.`);
    }
    for (const s of sites) {
      const local = s.plates.find((f) => f.subsampleSize < f.size);
      if (local !== undefined) {
        throw new ModelError(
          `${this.guideName}: site '${s.name}' is a local latent variable (inside plate '${local.name}', subsampled to ${local.subsampleSize} of ${local.size}); ` +
            'guides over the whole latent space do not support local latent variables. Use AutoNormal, or do not subsample that plate.',
        );
      }
    }
    let offset = 0;
    this.blocks = sites.map((site) => {
      const b = { site, offset };
      offset += site.size;
      return b;
    });
    this.dim = offset;
    this.pieces = piecesOf(this.blocks);
    this.siteByName = new Map(sites.map((s) => [s.name, s]));
    this.initLatentValue = this.own(tf.tidy(() => tf.concat(sites.map((s) => tf.reshape(s.initUnconstrained, [-1])))));
  }

  /**
   * Declares the guide's parameters with `param` and returns the distribution of the flat
   * latent vector (event shape [D]). Runs inside the guide program.
   */
  protected abstract latentPosterior(): Distribution;

  /** The location of the flat latent vector (the posterior median in unconstrained space). */
  protected abstract latentLoc(params: Record<string, tf.Tensor>): tf.Tensor;

  /** The marginal standard deviation of each unconstrained coordinate, shape [D]. */
  protected abstract marginalScale(params: Record<string, tf.Tensor>): tf.Tensor;

  protected guideBody(..._args: A): SiteValues {
    const latent = sample(this.latentSiteName, this.latentPosterior(), { infer: { isAuxiliary: true } });
    const out: SiteValues = {};
    for (const [name, u] of Object.entries(this.cutLatent(latent, 'plate'))) {
      const s = this.siteByName.get(name)!;
      // log q(value) = log q(u) - log|det J|: the Jacobian goes into the Delta's log-density. The
      // value is in the support by construction; validation would read it back every step.
      const [value, logDensity] = constrainSite(s, u);
      out[name] = sample(name, new SiteDelta(value, logDensity, { eventDim: s.eventDim, validateArgs: false }));
    }
    return out;
  }

  /**
   * Cuts a flat latent of shape [...lead, D] into unconstrained per-site values of shape
   * [...lead, ...unconstrainedShape], each a new tensor.
   */
  unpackLatent(latent: tf.Tensor, mode: LeadMode = 'sample'): Record<string, tf.Tensor> {
    const out = this.cutLatent(latent, mode);
    for (const [name, u] of Object.entries(out)) if (u === latent) out[name] = tf.clone(u);
    return out;
  }

  /**
   * As unpackLatent, with one split of the latent (none for a single piece) and one unstack per
   * run of scalar sites; a site that covers the whole latent gets the latent tensor itself.
   */
  private cutLatent(latent: tf.Tensor, mode: LeadMode): Record<string, tf.Tensor> {
    const d = this.dim;
    if (latent.rank < 1 || latent.shape[latent.rank - 1] !== d) {
      throw new ValueError(`${this.guideName}.unpackLatent: expected a latent of shape [..., ${d}], got ${fmtShape(latent.shape)}`);
    }
    const axis = latent.rank - 1;
    const lead = latent.shape.slice(0, -1);
    const parts = this.pieces.length === 1 ? [latent] : tf.split(latent, this.pieces.map((p) => p.size), axis);
    const out: Record<string, tf.Tensor> = {};
    this.pieces.forEach((piece, k) => {
      const part = parts[k]!;
      // (Unstack's gradient fails for a single output, which tfjs hands on as a bare tensor.)
      if (piece.scalars && piece.blocks.length > 1) {
        const values = tf.unstack(part, axis);
        piece.blocks.forEach(({ site }, i) => (out[site.name] = values[i]!));
        return;
      }
      const site = piece.blocks[0]!.site;
      const shape = site.unconstrainedShape;
      const batchRank = shape.length - site.unconstrainedEventDim;
      let siteLead = lead;
      if (mode === 'plate' && lead.length >= batchRank && lead.slice(lead.length - batchRank).every((n) => n === 1)) {
        siteLead = lead.slice(0, lead.length - batchRank);
      }
      const target = [...siteLead, ...shape];
      out[site.name] = sameShape(part.shape, target) ? part : tf.reshape(part, target);
    });
    return out;
  }

  /** Unpacks a flat latent and maps each piece onto its site's support. */
  protected unpackAndConstrain(latent: tf.Tensor): SiteValues {
    return tf.tidy(() => {
      const out: SiteValues = {};
      for (const [name, u] of Object.entries(this.cutLatent(latent, 'sample'))) {
        out[name] = this.siteByName.get(name)!.transform.forward(u);
      }
      return out;
    });
  }

  /**
   * The base distribution of the posterior seen as a transformed distribution: a standard Normal
   * over the D unconstrained coordinates (event shape [D]). Allocates tensors: call it inside
   * tf.tidy.
   */
  getBaseDist(): Distribution {
    const d = this.requireDim('getBaseDist');
    return new Normal(tf.zeros([d]), 1, { validateArgs: false }).toEvent(1);
  }

  /**
   * The map from the base distribution onto the unconstrained posterior (for the Gaussian guides,
   * `z ↦ loc + L z`).
   * @param params - constrained parameters, e.g. svi.getParams(state)
   */
  abstract getTransform(params: Record<string, tf.Tensor>): Transform;

  /**
   * The approximate posterior of the flat unconstrained latent vector (event shape [D]).
   * Allocates tensors: call it inside tf.tidy.
   */
  getPosterior(params: Record<string, tf.Tensor>): Distribution {
    return new TransformedDistribution(this.getBaseDist(), this.getTransform(params), { validateArgs: false });
  }

  /**
   * Posterior draws of every latent site (constrained), shape sampleShape ++ site shape.
   * @param params - constrained parameters, e.g. svi.getParams(state)
   * @throws {ValueError} if a parameter is missing
   */
  samplePosterior(key: PRNGKey, params: Record<string, tf.Tensor>, opts: { sampleShape?: number[] } = {}): SiteValues {
    this.requireDim('samplePosterior');
    const sampleShape = opts.sampleShape ?? [];
    return tf.tidy(() => this.unpackAndConstrain(this.getPosterior(params).sample(key, sampleShape)));
  }

  /** The posterior median of each site: the unconstrained location, unpacked and constrained. */
  override median(params: Record<string, tf.Tensor>): SiteValues {
    this.requireDim('median');
    return tf.tidy(() => this.unpackAndConstrain(this.latentLoc(params)));
  }

  /**
   * Quantiles of each coordinate's marginal Normal in unconstrained space, loc + sd·Φ⁻¹(q),
   * constrained (monotone for elementwise supports), stacked along a leading dim of length
   * qs.length.
   * @throws {ValueError} if a level is outside (0, 1)
   */
  override quantiles(params: Record<string, tf.Tensor>, qs: number[]): SiteValues {
    const levels = checkQuantiles(`${this.guideName}.quantiles`, qs);
    this.requireDim('quantiles');
    return tf.tidy(() => {
      const z = tf.reshape(ndtri(tf.tensor1d(levels)), [levels.length, 1]);
      return this.unpackAndConstrain(tf.add(this.latentLoc(params), tf.mul(this.marginalScale(params), z)));
    });
  }

  /** D, or a ModelError when the guide has not run yet. */
  protected requireDim(where: string): number {
    this.prototype(where);
    return this.dim;
  }

  /** A parameter of shape `shape`, or a ValueError naming it. */
  protected requireShaped(where: string, params: Record<string, tf.Tensor>, name: string, shape: readonly number[]): tf.Tensor {
    const v = this.requireParam(where, params, name);
    if (v.shape.length !== shape.length || v.shape.some((n, i) => n !== shape[i])) {
      throw new ValueError(`${this.guideName}.${where}: parameter '${name}' must have shape ${fmtShape(shape)}, got ${fmtShape(v.shape)}`);
    }
    return v;
  }

  override dispose(): void {
    super.dispose();
    this.blocks = [];
    this.pieces = [];
    this.siteByName.clear();
    this.initLatentValue = null;
    this.dim = 0;
  }
}
