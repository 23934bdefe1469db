import * as tf from '@tensorflow/tfjs';

import { ValueError, fmtShape } from '../kernel/errors.js';
import type { PRNGKey } from '../kernel/rng.js';
import { type Constraint, independent } from './constraints.js';
import { Distribution, type DistributionOptions, sumRightmost } from './distribution.js';
import { sameShape } from './tensor-like.js';
import { Compose, type Transform } from './transform-base.js';

/**
 * The distribution of `t_n(…t_1(x))` for x drawn from `baseDist` (NumPyro's
 * TransformedDistribution). Its log-density is the base density at the inverse image minus the
 * log-Jacobians of the transforms; it is reparameterised whenever the base is.
 *
 * Shapes follow NumPyro: when the transforms act on more event dims than the base has, that many
 * rightmost batch dims of the base become event dims; shape-changing transforms (StickBreaking…)
 * map the event shape with their forwardShape.
 * @public
 */
export class TransformedDistribution extends Distribution {
  readonly baseDist: Distribution;
  readonly transforms: readonly Transform[];

  /**
   * @param baseDist - the distribution of the input
   * @param transforms - applied in order (one transform or a list)
   * @throws {ValueError} when the base has fewer dims than the transforms act on
   */
  constructor(baseDist: Distribution, transforms: Transform | readonly Transform[], options: DistributionOptions = {}) {
    const parts = Array.isArray(transforms) ? [...(transforms as readonly Transform[])] : [transforms as Transform];
    const { base, batchShape, eventShape } = TransformedDistribution.shapes(baseDist, parts);
    super(batchShape, eventShape, options);
    this.baseDist = base;
    this.transforms = parts;
  }

  /** The (possibly expanded and reinterpreted) base and the resulting shapes. */
  private static shapes(
    baseDist: Distribution,
    parts: Transform[],
  ): { base: Distribution; batchShape: number[]; eventShape: number[] } {
    let base = baseDist;
    if (parts.length === 0) return { base, batchShape: base.batchShape, eventShape: base.eventShape };
    const t = new Compose(parts);
    const baseShape = base.shape();
    const baseEventDim = base.eventShape.length;
    const domainEventDim = t.domain.eventDim;
    if (baseShape.length < domainEventDim) {
      throw new ValueError(
        `TransformedDistribution: the transforms need values with at least ${domainEventDim} dims, ` +
          `but the base distribution ${base.familyName} has shape ${fmtShape(baseShape)}`,
      );
    }
    const shape = t.forwardShape(baseShape);
    const expandedBaseShape = t.inverseShape(shape);
    if (!sameShape(expandedBaseShape, baseShape)) {
      base = base.expand(expandedBaseShape.slice(0, expandedBaseShape.length - baseEventDim));
    }
    if (domainEventDim > baseEventDim) base = base.toEvent(domainEventDim - baseEventDim);
    const eventDim = t.codomain.eventDim + Math.max(baseEventDim - domainEventDim, 0);
    const cut = shape.length - eventDim;
    return { base, batchShape: shape.slice(0, cut), eventShape: shape.slice(cut) };
  }

  override get familyName(): string {
    return this.constructor === TransformedDistribution ? `TransformedDistribution(${this.baseDist.familyName})` : this.constructor.name;
  }

  get support(): Constraint {
    const last = this.transforms[this.transforms.length - 1];
    if (last === undefined) return this.baseDist.support;
    return independent(last.codomain, this.eventShape.length - last.codomain.eventDim);
  }
  override get hasRsample(): boolean {
    return this.baseDist.hasRsample;
  }

  protected sampleImpl(key: PRNGKey, sampleShape: number[]): tf.Tensor {
    return tf.tidy(() => {
      const x = this.baseDist.hasRsample ? this.baseDist.rsample(key, sampleShape) : this.baseDist.sample(key, sampleShape);
      return this.transforms.reduce((v, t) => t.forward(v), x);
    });
  }

  protected logProbImpl(value: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      // Walk the transforms backwards, tracking how many rightmost dims of the current point
      // form one event, so each log-Jacobian is summed over exactly the event dims.
      let eventDim = this.eventShape.length;
      let y = value;
      let logProb: tf.Tensor | number = 0;
      for (let i = this.transforms.length - 1; i >= 0; i--) {
        const t = this.transforms[i]!;
        const x = t.inverse(y);
        const ld = sumRightmost(t.logAbsDetJacobian(x, y), eventDim - t.codomain.eventDim);
        logProb = tf.sub(logProb, ld);
        eventDim += t.domain.eventDim - t.codomain.eventDim;
        y = x;
      }
      const baseLp = sumRightmost(this.baseDist.logProb(y), eventDim - this.baseDist.eventShape.length);
      return tf.add(logProb, baseLp);
    });
  }
}
