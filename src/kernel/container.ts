/**
 * The composition root: the only module that uses inversify. It binds every Registry entry and
 * offers typed helpers on top, so that the rest of vinfer (and plugins) never see the container.
 *
 * Bindings, per entry of kind K (see STYLE 2.5):
 * - `TOKENS[K]`, named by the entry's name and by each alias: an instance built with the entry's
 *   default options (`toDynamicValue(() => new cls(options))`). For the guide kind the bound value
 *   is instead a GuideFactory `(model, options?) => guide`, because a guide closes over its model.
 * - `FACTORY_TOKENS[K]`, same names: `(options) => instance` with `options` merged over the
 *   defaults. `container.create` goes through these, so a rebinding made on `container.inversify`
 *   is honoured.
 * - `TOKENS[K]` with no name resolves to the kind's default (plugins.json `defaults`), when the
 *   default is registered.
 *
 * Scope is transient: every request builds a new object, so two SVI runs never share a guide,
 * loss or optimiser instance by accident. Callbacks are named like every other kind rather than
 * left unnamed for `getAll()`: an unnamed binding would also match every named request, and
 * collecting them all would build every registered callback, including ones whose options (a log
 * file path) cannot have a default. `createAll('callback', specs)` collects the ones asked for.
 */
import 'reflect-metadata';

import { Container, ContainerModule } from 'inversify';

import type { Optimizer } from '../optim/optimizer.js';
import type { Backend } from '../plugins/backends/backend.js';
import { activateBackend } from './backend.js';
import { ValueError } from './errors.js';
import {
  PLUGIN_KINDS,
  type PluginKind,
  type PluginOptions,
  type PluginSpec,
  Registry,
  type RegistryEntry,
  mergeOptions,
  parseSpec,
} from './registry.js';

/** Injection tokens, one per kind: `Symbol.for('vinfer/<kind>')`. */
export const TOKENS = {
  backend: Symbol.for('vinfer/backend'),
  guide: Symbol.for('vinfer/guide'),
  loss: Symbol.for('vinfer/loss'),
  optimizer: Symbol.for('vinfer/optimizer'),
  callback: Symbol.for('vinfer/callback'),
  /** The container's Registry. */
  registry: Symbol.for('vinfer/registry'),
} as const satisfies Record<PluginKind | 'registry', symbol>;

/** Factories that build an instance with options merged over the entry's defaults: `Symbol.for('vinfer/<kind>-factory')`. */
export const FACTORY_TOKENS = Object.freeze(
  Object.fromEntries(PLUGIN_KINDS.map((k) => [k, Symbol.for(`vinfer/${k}-factory`)])) as Record<PluginKind, symbol>,
);

/** A model function, as guides receive it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type GuideModel = (...args: any[]) => unknown;

/** What the guide kind is bound to: builds a guide for a model, options merged over the entry's defaults. */
export type GuideFactory<G = unknown> = (model: GuideModel, options?: PluginOptions) => G;

/**
 * The instance type per kind. Kinds whose extension-point interface lives outside the kernel are
 * `unknown` here; callers narrow with the type argument of `create`, e.g. `create<ELBO>('loss', spec)`.
 */
export interface PluginInstances {
  backend: Backend;
  guide: unknown;
  loss: unknown;
  optimizer: Optimizer;
  callback: unknown;
}

type NonGuideKind = Exclude<PluginKind, 'guide'>;

export interface VinferContainer {
  readonly registry: Registry;
  /** Registry name of the backend set up by createContainer. */
  readonly backend: string;
  /** The underlying inversify container, for rebinding or adding services. */
  readonly inversify: Container;
  /**
   * Builds a plugin from a spec: a registry name or alias, or `{ name, ...options }` whose options
   * are merged (shallowly) over the entry's defaults. Without a spec, the kind's default is built.
   * Guides need the model: `create('guide', 'AutoNormal', model)`.
   */
  create<T = PluginInstances['guide']>(kind: 'guide', spec: PluginSpec | undefined, model: GuideModel): T;
  create<K extends NonGuideKind>(kind: K, spec?: PluginSpec): PluginInstances[K];
  /** With the instance type given: `create<ELBO>('loss', spec)`. */
  create<T>(kind: NonGuideKind, spec?: PluginSpec): T;
  /** `create` for each spec, in order (e.g. the callbacks of a run). */
  createAll<K extends NonGuideKind>(kind: K, specs: readonly PluginSpec[]): PluginInstances[K][];
  createAll<T>(kind: NonGuideKind, specs: readonly PluginSpec[]): T[];
  /** The entry a spec names (aliases resolved); RegistryError with did-you-mean if unknown. */
  resolve(kind: PluginKind, spec?: PluginSpec): RegistryEntry;
}

export interface CreateContainerOptions {
  /** User plugins.json file(s), loaded after vinfer's own. */
  readonly plugins?: string | readonly string[];
  /** Backend to set up (name or `{ name, ...options }`); defaults to plugins.json `defaults.backend` ('cpu'). */
  readonly backend?: PluginSpec;
}

type Factory = (options?: PluginOptions) => unknown;

/** The inversify module that binds every registry entry (see the file header). */
export function pluginModule(registry: Registry): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.registry).toConstantValue(registry);
    for (const entry of registry.list()) {
      const { kind, name, cls, options: defaults } = entry;
      const factory: Factory | GuideFactory =
        kind === 'guide'
          ? (model: GuideModel, overrides: PluginOptions = {}) => new cls(model, mergeOptions(defaults, overrides))
          : (overrides: PluginOptions = {}) => new cls(mergeOptions(defaults, overrides));
      bind(FACTORY_TOKENS[kind]).toConstantValue(factory).whenNamed(name);
      if (kind === 'guide') bind(TOKENS.guide).toConstantValue(factory).whenNamed(name);
      else bind(TOKENS[kind]).toDynamicValue(() => new cls(mergeOptions(defaults, {}))).whenNamed(name);
      for (const alias of entry.aliases) {
        bind(FACTORY_TOKENS[kind])
          .toDynamicValue((ctx) => ctx.get(FACTORY_TOKENS[kind], { name }))
          .whenNamed(alias);
        bind(TOKENS[kind])
          .toDynamicValue((ctx) => ctx.get(TOKENS[kind], { name }))
          .whenNamed(alias);
      }
    }
    for (const kind of PLUGIN_KINDS) {
      let name: string;
      try {
        name = registry.defaultName(kind);
      } catch {
        continue; // no default configured or not registered yet: unnamed requests fail as unbound
      }
      bind(TOKENS[kind])
        .toDynamicValue((ctx) => ctx.get(TOKENS[kind], { name }))
        .whenDefault();
      bind(FACTORY_TOKENS[kind])
        .toDynamicValue((ctx) => ctx.get(FACTORY_TOKENS[kind], { name }))
        .whenDefault();
    }
  });
}

class VinferContainerImpl implements VinferContainer {
  constructor(
    readonly registry: Registry,
    readonly inversify: Container,
    public backend: string,
  ) {}

  resolve(kind: PluginKind, spec?: PluginSpec): RegistryEntry {
    const name = spec === undefined ? this.registry.defaultName(kind) : parseSpec(kind, spec).name;
    return this.registry.get(kind, name);
  }

  create<T>(kind: PluginKind, spec?: PluginSpec, model?: GuideModel): T {
    const entry = this.resolve(kind, spec);
    const overrides = spec === undefined ? {} : parseSpec(kind, spec).options;
    if (kind === 'guide') {
      if (typeof model !== 'function') {
        throw new ValueError(
          `guide:${entry.name}: create('guide', spec, model) needs the model function as its third argument, got ${model === null ? 'null' : typeof model}`,
        );
      }
      return this.inversify.get<GuideFactory<T>>(FACTORY_TOKENS.guide, { name: entry.name })(model, overrides);
    }
    if (model !== undefined) {
      throw new ValueError(`${kind}:${entry.name}: create('${kind}', spec) takes no third argument; only guides are built for a model`);
    }
    return this.inversify.get<(o: PluginOptions) => T>(FACTORY_TOKENS[kind], { name: entry.name })(overrides);
  }

  createAll<T>(kind: NonGuideKind, specs: readonly PluginSpec[]): T[] {
    if (!Array.isArray(specs)) throw new ValueError(`createAll('${kind}', specs): specs must be an array, got ${typeof specs}`);
    return specs.map((s) => this.create<T>(kind, s));
  }
}

/**
 * Loads the Registry (vinfer's plugins.json plus `plugins`), binds every entry, and sets up the
 * backend: `options.backend`, else the merged plugins.json `defaults.backend`. The backend is
 * always set up, so a container's code runs on the backend its configuration names.
 */
export async function createContainer(options: CreateContainerOptions = {}): Promise<VinferContainer> {
  const registry = await Registry.load(options.plugins === undefined ? {} : { plugins: options.plugins });
  const inversify = new Container({ defaultScope: 'Transient' });
  await inversify.load(pluginModule(registry));
  const container = new VinferContainerImpl(registry, inversify, '');
  const backend = container.create<Backend>('backend', options.backend);
  const name = container.resolve('backend', options.backend).name;
  await activateBackend(backend, name);
  container.backend = name;
  return container;
}
