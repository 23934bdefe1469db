/**
 * Reading one plugins.json document: hand-written shape validation (unknown keys, wrong types)
 * whose errors name the file, the entry index and the field. Importing the modules and checking
 * class identity is the Registry's job (registry.ts).
 */
import { RegistryError, didYouMean } from './errors.js';
import type { PluginKind } from './plugin-meta.js';

/** Every kind, in the order `vinfer list` prints them. */
export const PLUGIN_KINDS: readonly PluginKind[] = ['backend', 'guide', 'loss', 'optimizer', 'callback'];

/** Plugin options: a JSON object from plugins.json, possibly overridden from code. */
export type PluginOptions = { readonly [option: string]: unknown };

/** One entry as written in a plugins.json file, validated. */
export interface ParsedEntry {
  readonly kind: PluginKind;
  readonly name: string;
  readonly aliases: readonly string[];
  /** The `module` string as written in the file. */
  readonly module: string;
  readonly export: string;
  /** Default options (deeply frozen); a spec's options are merged over them, shallowly. */
  readonly options: PluginOptions;
  readonly description: string | undefined;
  /** Absolute path of the plugins.json that declared the entry, and the entry's index there. */
  readonly source: string;
  readonly index: number;
  readonly builtIn: boolean;
}

export interface ParsedFile {
  readonly file: string;
  readonly builtIn: boolean;
  readonly defaults: Partial<Record<PluginKind, string>>;
  /** Each entry with `where`, its location for messages: `<file>: entry 3 ('name')`. */
  readonly entries: readonly (ParsedEntry & { readonly where: string })[];
}

/** Kinds that may have a default in `defaults`. */
export const DEFAULT_KINDS: readonly PluginKind[] = ['backend', 'guide', 'loss', 'optimizer'];

const TOP_KEYS = ['$comment', '$schema', 'version', 'defaults', 'plugins'];
const ENTRY_KEYS = ['$comment', 'kind', 'name', 'aliases', 'module', 'export', 'options', 'description'];

type Json = { [key: string]: unknown };

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A value described for messages: `the string "x"`, `number 3`, `an array`. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const child of Object.values(v)) deepFreeze(child);
    Object.freeze(v);
  }
  return v;
}

/** A name is a non-empty string without whitespace (it is typed on command lines and in configs). */
function isName(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && !/\s/.test(v);
}

/** Validates a plugins.json document by hand; every error names the file and the entry index/field. */
export function parseFile(file: string, text: string, builtIn: boolean): ParsedFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new RegistryError(`${file}: not valid JSON (${(err as Error).message}). Fix the syntax of this plugins file.`, {
      cause: err,
    });
  }
  if (!isObject(doc)) throw new RegistryError(`${file}: expected a JSON object at the top level, got ${describeValue(doc)}`);
  for (const key of Object.keys(doc)) {
    if (!TOP_KEYS.includes(key)) {
      throw new RegistryError(`${file}: unknown top-level key '${key}'. Allowed keys: ${TOP_KEYS.join(', ')}.${didYouMean(key, TOP_KEYS)}`);
    }
  }
  if (doc['version'] !== 1) {
    throw new RegistryError(`${file}: field 'version' must be 1, got ${describeValue(doc['version'])}. Add "version": 1.`);
  }
  const defaults: Partial<Record<PluginKind, string>> = {};
  const rawDefaults = doc['defaults'];
  if (rawDefaults !== undefined) {
    if (!isObject(rawDefaults)) throw new RegistryError(`${file}: field 'defaults' must be an object, got ${describeValue(rawDefaults)}`);
    for (const [key, value] of Object.entries(rawDefaults)) {
      if (!(DEFAULT_KINDS as readonly string[]).includes(key)) {
        throw new RegistryError(
          `${file}: unknown key 'defaults.${key}'. Kinds with a default: ${DEFAULT_KINDS.join(', ')}.${didYouMean(key, DEFAULT_KINDS)}`,
        );
      }
      if (!isName(value)) {
        throw new RegistryError(`${file}: field 'defaults.${key}' must be a non-empty name, got ${describeValue(value)}`);
      }
      defaults[key as PluginKind] = value;
    }
  }
  const plugins = doc['plugins'];
  if (!Array.isArray(plugins)) {
    throw new RegistryError(`${file}: field 'plugins' must be an array of entries, got ${describeValue(plugins)}`);
  }
  const entries = plugins.map((raw: unknown, index) => parseEntry(file, index, raw, builtIn));
  return { file, builtIn, defaults, entries };
}

function parseEntry(file: string, index: number, raw: unknown, builtIn: boolean): ParsedFile['entries'][number] {
  let where = `${file}: entry ${index}`;
  if (!isObject(raw)) throw new RegistryError(`${where}: expected an object, got ${describeValue(raw)}`);
  if (isName(raw['name'])) where += ` ('${raw['name']}')`;
  for (const key of Object.keys(raw)) {
    if (!ENTRY_KEYS.includes(key)) {
      throw new RegistryError(`${where}: unknown field '${key}'. Allowed fields: ${ENTRY_KEYS.join(', ')}.${didYouMean(key, ENTRY_KEYS)}`);
    }
  }
  const kind = raw['kind'];
  if (typeof kind !== 'string' || !(PLUGIN_KINDS as readonly string[]).includes(kind)) {
    throw new RegistryError(
      `${where}: field 'kind' must be one of ${PLUGIN_KINDS.join(', ')}, got ${describeValue(kind)}.${typeof kind === 'string' ? didYouMean(kind, PLUGIN_KINDS) : ''}`,
    );
  }
  for (const field of ['name', 'module', 'export'] as const) {
    const v = raw[field];
    const ok = field === 'name' ? isName(v) : typeof v === 'string' && v.length > 0;
    if (!ok) {
      const what = field === 'name' ? 'a non-empty name without spaces' : 'a non-empty string';
      throw new RegistryError(`${where}: field '${field}' must be ${what}, got ${describeValue(v)}`);
    }
  }
  const name = raw['name'] as string;
  const aliases = raw['aliases'] ?? [];
  if (!Array.isArray(aliases) || !aliases.every(isName)) {
    throw new RegistryError(`${where}: field 'aliases' must be an array of non-empty names, got ${describeValue(raw['aliases'])}`);
  }
  const repeated = (aliases as string[]).find((a, i) => a === name || aliases.indexOf(a) !== i);
  if (repeated !== undefined) {
    throw new RegistryError(`${where}: field 'aliases' repeats '${repeated}'; list each alias once and leave out the name itself`);
  }
  const options = raw['options'] ?? {};
  if (!isObject(options)) throw new RegistryError(`${where}: field 'options' must be an object, got ${describeValue(options)}`);
  const description = raw['description'];
  if (description !== undefined && typeof description !== 'string') {
    throw new RegistryError(`${where}: field 'description' must be a string, got ${describeValue(description)}`);
  }
  return {
    kind: kind as PluginKind,
    name,
    aliases: Object.freeze([...(aliases as string[])]),
    module: raw['module'] as string,
    export: raw['export'] as string,
    options: deepFreeze(options),
    description,
    source: file,
    index,
    builtIn,
    where,
  };
}
