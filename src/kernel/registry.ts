/**
 * The plugin Registry: the table from registry names to plugin classes, read from vinfer's own
 * plugins.json plus any plugins.json files a user passes.
 *
 * Loading is asynchronous (every entry's module is imported and its class's declared identity is
 * checked against the entry); lookups after loading are synchronous.
 *
 * Where an entry's `module` is looked for:
 * - in vinfer's own plugins.json (at the package root), relative to vinfer's *code root*: the
 *   directory that holds index.ts/index.js at run time, i.e. `src/` under tsx in development and
 *   `dist/` once built. It is computed from this file's URL (this file sits in `<root>/kernel/`), so
 *   `"./plugins/backends/cpu.js"` works in both layouts without a build step rewriting the table;
 * - in a user's plugins.json, relative paths ("./x.js", "../x.js") and absolute paths against the
 *   directory of *that* plugins.json file (never the current directory), and anything else as a
 *   package specifier, resolved from that file's directory.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { RegistryError, ValueError, didYouMean } from './errors.js';
import type { PluginKind, PluginMeta } from './plugin-meta.js';
import {
  DEFAULT_KINDS,
  PLUGIN_KINDS,
  type ParsedEntry,
  type ParsedFile,
  type PluginOptions,
  describeValue,
  isObject,
  parseFile,
} from './plugins-file.js';

// PluginKind and PluginMeta live in a leaf module so that plugin files (losses, guides…) can
// import the types without pulling in this loader; they are re-exported here.
export type { PluginKind, PluginMeta, PluginOptions };
export { PLUGIN_KINDS };

/** A plugin class: an ordinary class with a static identity. Options arrive as JSON; each constructor validates its own. */
export interface PluginClass<T = unknown> {
  readonly plugin: PluginMeta;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  new (...args: any[]): T;
}

/** How a caller names a plugin: its registry name (or alias), or the name plus options, e.g. `{ name: 'AutoNormal', initScale: 0.05 }`. */
export type PluginSpec = string | ({ readonly name: string } & PluginOptions);

/** One validated, imported and identity-checked plugins.json entry. */
export interface RegistryEntry extends ParsedEntry {
  readonly cls: PluginClass;
}

export interface RegistryLoadOptions {
  /** Paths of user plugins.json files (relative to the current directory), loaded after vinfer's own in this order. */
  readonly plugins?: string | readonly string[];
}

/** The directory containing index.(ts|js): built-in module paths are relative to it. */
const CODE_ROOT = new URL('../', import.meta.url);
/** vinfer's own plugins.json, at the package root (one level above src/ or dist/). */
const BUILT_IN_FILE = fileURLToPath(new URL('../../plugins.json', import.meta.url));

const PLURAL: Record<PluginKind, string> = {
  backend: 'backends',
  guide: 'guides',
  loss: 'losses',
  optimizer: 'optimizers',
  callback: 'callbacks',
};

function isRelativeOrAbsolute(spec: string): boolean {
  return spec.startsWith('./') || spec.startsWith('../') || path.isAbsolute(spec) || spec.startsWith('file:');
}

/** The URL to import for an entry's `module` (see the file header for the rules). */
function resolveModule(spec: string, file: string, builtIn: boolean): string {
  if (spec.startsWith('file:')) return spec;
  if (builtIn) return new URL(spec, CODE_ROOT).href;
  if (isRelativeOrAbsolute(spec)) return pathToFileURL(path.resolve(path.dirname(file), spec)).href;
  // A package specifier: resolve it from the plugins.json file's directory, as Node would for a
  // module living there. require.resolve cannot see packages that export only an "import"
  // condition; those fall back to Node's ESM resolution from vinfer's own location.
  try {
    return pathToFileURL(createRequire(file).resolve(spec)).href;
  } catch {
    return spec;
  }
}

/** A qualified reference for messages: `loss:Trace_ELBO`. */
function qualified(kind: PluginKind, name: string): string {
  return `${kind}:${name}`;
}

async function importEntry(e: ParsedFile['entries'][number]): Promise<PluginClass> {
  const url = resolveModule(e.module, e.source, e.builtIn);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (err) {
    const shown = url === e.module ? `'${e.module}'` : `'${e.module}' (${url.startsWith('file:') ? fileURLToPath(url) : url})`;
    const hint = e.builtIn
      ? 'This is a broken vinfer installation; reinstall the package.'
      : `Relative paths are resolved against the directory of ${e.source}; other names are package specifiers that must be installed.`;
    throw new RegistryError(`${e.where}: cannot import module ${shown}: ${(err as Error).message}. ${hint}`, { cause: err });
  }
  // A CommonJS module whose named exports Node could not detect still has them on `default`.
  const cjs = mod['default'];
  const exported = mod[e.export] ?? (isObject(cjs) || typeof cjs === 'function' ? (cjs as Record<string, unknown>)[e.export] : undefined);
  if (exported === undefined) {
    const names = Object.keys(mod);
    throw new RegistryError(
      `${e.where}: module '${e.module}' has no export '${e.export}'. Its exports: ${names.join(', ') || '(none)'}.${didYouMean(e.export, names)}`,
    );
  }
  const declared = typeof exported === 'function' ? (exported as { plugin?: unknown }).plugin : undefined;
  const expected = `{ kind: '${e.kind}', name: '${e.name}' }`;
  if (!isObject(declared) || typeof declared['kind'] !== 'string' || typeof declared['name'] !== 'string') {
    throw new RegistryError(
      `${e.where}: export '${e.export}' of '${e.module}' is not a plugin class, expected a class with 'static readonly plugin = ${expected}', got ${typeof exported === 'function' ? 'a function without a valid static plugin field' : describeValue(exported)}`,
    );
  }
  if (declared['kind'] !== e.kind || declared['name'] !== e.name) {
    throw new RegistryError(
      `${e.where}: export '${e.export}' declares plugin ${qualified(declared['kind'] as PluginKind, declared['name'])}, but the entry registers it as ${qualified(e.kind, e.name)}. Make the entry's kind and name match the class's static plugin field ${expected}.`,
    );
  }
  return exported as PluginClass;
}

/** Names → plugin classes, per kind. Build one with `await Registry.load()`. */
export class Registry {
  /** Loaded files, vinfer's own first. */
  readonly files: readonly string[];
  private readonly entries: readonly RegistryEntry[];
  /** Per kind: name or alias → entry. */
  private readonly byName: ReadonlyMap<PluginKind, ReadonlyMap<string, RegistryEntry>>;
  private readonly defaults: Readonly<Partial<Record<PluginKind, { name: string; file: string }>>>;

  private constructor(
    files: readonly string[],
    entries: readonly RegistryEntry[],
    defaults: Partial<Record<PluginKind, { name: string; file: string }>>,
  ) {
    this.files = Object.freeze([...files]);
    this.entries = Object.freeze([...entries]);
    this.defaults = Object.freeze({ ...defaults });
    const byName = new Map<PluginKind, Map<string, RegistryEntry>>(PLUGIN_KINDS.map((k) => [k, new Map()]));
    for (const entry of entries) {
      const table = byName.get(entry.kind)!;
      for (const key of [entry.name, ...entry.aliases]) {
        const other = table.get(key);
        if (other !== undefined) {
          const role = (e: RegistryEntry): string => (e.name === key ? 'name' : 'alias');
          throw new RegistryError(
            `${qualified(entry.kind, key)} is registered twice: by entry ${other.index} ('${other.name}', as ${role(other)}) of ${other.source} and by entry ${entry.index} ('${entry.name}', as ${role(entry)}) of ${entry.source}. Names and aliases must be unique within a kind; rename one of them.`,
          );
        }
        table.set(key, entry);
      }
    }
    this.byName = byName;
    // A default set by a user's file is checked now, so a typo is reported with its file. The
    // built-in defaults are checked when asked for (and by vinfer's tests): the built-in table
    // names defaults for kinds whose plugins may not all be present in every build of it.
    for (const kind of DEFAULT_KINDS) {
      const d = this.defaults[kind];
      if (d !== undefined && d.file !== BUILT_IN_FILE && !byName.get(kind)!.has(d.name)) {
        throw new RegistryError(
          `${d.file}: field 'defaults.${kind}' names '${d.name}', which is not a registered ${kind}. ${this.known(kind)}${didYouMean(d.name, this.allNames(kind))}`,
        );
      }
    }
  }

  /** Reads vinfer's own plugins.json, then each user file in order; imports every entry's module and checks its identity. */
  static async load(options: RegistryLoadOptions = {}): Promise<Registry> {
    const userFiles = options.plugins === undefined ? [] : typeof options.plugins === 'string' ? [options.plugins] : [...options.plugins];
    const files = [{ file: BUILT_IN_FILE, builtIn: true }, ...userFiles.map((f) => ({ file: path.resolve(f), builtIn: false }))];
    const entries: RegistryEntry[] = [];
    const defaults: Partial<Record<PluginKind, { name: string; file: string }>> = {};
    for (const { file, builtIn } of files) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        throw new RegistryError(`${file}: cannot read plugins file (${(err as Error).message}). Check the path.`, { cause: err });
      }
      const parsed = parseFile(file, text, builtIn);
      // Later files override earlier defaults: a user's plugins.json may pick another default backend.
      for (const [kind, name] of Object.entries(parsed.defaults)) defaults[kind as PluginKind] = { name, file };
      for (const e of parsed.entries) {
        const cls = await importEntry(e);
        const { where: _where, ...rest } = e;
        entries.push(Object.freeze({ ...rest, cls }));
      }
    }
    return new Registry(
      files.map((f) => f.file),
      entries,
      defaults,
    );
  }

  /** The entry registered under `name` (or an alias) for `kind`; RegistryError listing the registered names otherwise. */
  get(kind: PluginKind, name: string): RegistryEntry {
    const entry = this.byName.get(kind)?.get(name);
    if (entry !== undefined) return entry;
    throw new RegistryError(`no ${kind} named '${name}'. ${this.known(kind)}${didYouMean(name, this.allNames(kind))}`);
  }

  has(kind: PluginKind, name: string): boolean {
    return this.byName.get(kind)?.has(name) ?? false;
  }

  /** Registered names of a kind (not aliases), in table order. */
  names(kind: PluginKind): string[] {
    return this.entries.filter((e) => e.kind === kind).map((e) => e.name);
  }

  /** The entries of a kind (or all), in table order, with their default options — what `vinfer list` prints. */
  list(kind?: PluginKind): readonly RegistryEntry[] {
    return kind === undefined ? this.entries : this.entries.filter((e) => e.kind === kind);
  }

  /** The default name for a kind: the last plugins.json that sets `defaults.<kind>` wins. */
  defaultName(kind: PluginKind): string {
    const d = this.defaults[kind];
    if (d === undefined) {
      throw new RegistryError(`no default ${kind} is configured. Name one explicitly, or set "defaults": { "${kind}": "<name>" } in a plugins.json.`);
    }
    if (!this.has(kind, d.name)) this.get(kind, d.name); // throws the unknown-name error
    return d.name;
  }

  /** `Registered losses: a, b.` for messages. */
  private known(kind: PluginKind): string {
    const names = this.names(kind);
    return names.length > 0 ? `Registered ${PLURAL[kind]}: ${names.join(', ')}.` : `No ${PLURAL[kind]} are registered; add one to a plugins.json.`;
  }

  /** Names and aliases, for did-you-mean suggestions. */
  private allNames(kind: PluginKind): string[] {
    return [...(this.byName.get(kind)?.keys() ?? [])];
  }
}

/** Splits a spec into the registry name and the options it overrides. */
export function parseSpec(kind: PluginKind, spec: PluginSpec): { name: string; options: PluginOptions } {
  if (typeof spec === 'string') return { name: spec, options: {} };
  if (!isObject(spec) || typeof spec.name !== 'string') {
    throw new ValueError(
      `${kind} spec: expected a registry name or an object { name: string, ...options }, got ${isObject(spec) ? `an object with name ${describeValue(spec.name)}` : describeValue(spec)}`,
    );
  }
  const { name, ...options } = spec;
  return { name, options };
}

/** Default options merged with overrides. Defaults are deep-copied so a constructor can never alter the table. */
export function mergeOptions(defaults: PluginOptions, overrides: PluginOptions): PluginOptions {
  return { ...structuredClone(defaults), ...overrides };
}
