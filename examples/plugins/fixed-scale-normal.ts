/**
 * A guide plugin as a user would write one: a mean-field Normal guide with one fixed scale for
 * every latent site (only the locations are fitted), drawn in each site's unconstrained space and
 * mapped onto its support. It is registered in ./plugins.json beside this file, which makes it
 * available to the command line with no change to vinfer:
 *
 *   vinfer fit examples/eight-schools.ts --plugins examples/plugins/plugins.json --guide FixedScaleNormal
 *
 * A plugin class needs only the static `plugin` field (its identity, matched against the
 * plugins.json entry) and the constructor a guide gets: (model, options).
 */
import { ModelError, PRNGKey, dist, handlers, param, sample, type PluginMeta } from '../../src/index.js';

export interface FixedScaleNormalOptions {
  /** Standard deviation of every site's Normal, in unconstrained space. @defaultValue 0.1 */
  readonly scale?: number;
}

export class FixedScaleNormal {
  static readonly plugin = { kind: 'guide', name: 'FixedScaleNormal' } as const satisfies PluginMeta;
  readonly scale: number;

  constructor(
    readonly model: (...args: any[]) => unknown,
    options: FixedScaleNormalOptions = {},
  ) {
    this.scale = options.scale ?? 0.1;
  }

  /** The guide program: SVI runs it with the model's arguments. */
  forward(...args: unknown[]): void {
    // The model's latent sites, found by running it once under trace with a fixed key; block keeps
    // that run's sites out of the trace of the guide itself.
    const traced = handlers.trace(handlers.seed(this.model, PRNGKey(0)));
    const modelTrace = handlers.block(() => traced.getTrace(...args))();
    for (const site of modelTrace.values()) {
      if (site.type !== 'sample' || site.isObserved) continue;
      const support = site.fn!.support;
      if (support.isDiscrete) throw new ModelError(`FixedScaleNormal: site '${site.name}' is discrete (${support.name}); this guide handles continuous sites only`);
      const toSupport = dist.bijectTo(support);
      // Start at the model's own draw, expressed in unconstrained space.
      const loc = param(`${site.name}_loc`, toSupport.inverse(site.value!));
      const base = new dist.Normal(loc, this.scale).toEvent(site.value!.rank);
      sample(site.name, new dist.TransformedDistribution(base, toSupport));
    }
  }
}
