/** createSVI: an SVI engine assembled from registry names plus options, through the container. */
import type { Guide, ModelFn } from '../guides/guide.js';
import type { ELBO } from '../losses/elbo.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { VinferContainer } from './container.js';
import { ValueError } from './errors.js';
import type { PluginSpec } from './registry.js';
import { SVI } from './svi.js';

export interface SVISpecs<A extends unknown[]> {
  model: ModelFn<A>;
  /** A registry name or `{ name, ...options }` of an automatic guide, or a guide function/object. Default: plugins.json `defaults.guide`. */
  guide?: PluginSpec | ModelFn<A> | Guide<A>;
  /** e.g. `{ name: 'adam', lr: 0.01 }`. Default: plugins.json `defaults.optimizer` with its default options. */
  optim?: PluginSpec;
  /** e.g. `{ name: 'Trace_ELBO', numParticles: 4 }`. Default: plugins.json `defaults.loss`. */
  loss?: PluginSpec;
}

function isGuideObject(g: unknown): g is Guide<any> {
  return typeof g === 'object' && g !== null && typeof (g as { forward?: unknown }).forward === 'function';
}

export function createSVI<A extends unknown[]>(container: VinferContainer, specs: SVISpecs<A>): SVI<A> {
  if (typeof specs?.model !== 'function') throw new ValueError('createSVI: specs.model must be the model function');
  const g = specs.guide;
  const guide: ModelFn<A> | Guide<A> =
    typeof g === 'function' || isGuideObject(g) ? g : container.create<Guide<A>>('guide', g, specs.model);
  const optim = container.create<Optimizer>('optimizer', specs.optim);
  const loss = container.create<ELBO>('loss', specs.loss);
  return new SVI(specs.model, guide, optim, loss);
}
