/**
 * Command-line parsing: `vinfer <command> [positional] [--flag value | --flag=value]...`.
 * Each flag has a type; an unknown flag or a bad value is a UsageError that names it (with a
 * did-you-mean), so a typo never silently falls back to a default.
 */
import { didYouMean } from '../kernel/errors.js';
import { UsageError } from './usage-error.js';

export type FlagType = 'string' | 'list' | 'positiveNumber' | 'positiveInt' | 'nonNegativeInt' | 'boolean';

export interface FlagSpec {
  readonly type: FlagType;
  /** Placeholder shown in the usage text. */
  readonly value?: string;
  readonly help: string;
}

/** The flags of `vinfer fit`, in the order the usage text lists them. */
export const FIT_FLAGS = {
  config: { type: 'string', value: 'FILE', help: 'run configuration (JSON); flags override it' },
  guide: { type: 'string', value: 'NAME', help: 'guide from the registry (default: the module\'s guide, else AutoNormal)' },
  loss: { type: 'string', value: 'NAME', help: 'loss from the registry (default Trace_ELBO)' },
  optim: { type: 'string', value: 'NAME', help: 'optimiser from the registry (default adam)' },
  lr: { type: 'positiveNumber', value: 'X', help: 'learning rate of the optimiser' },
  steps: { type: 'positiveInt', value: 'N', help: 'total number of SVI steps' },
  particles: { type: 'positiveInt', value: 'N', help: 'Monte Carlo particles per step (the loss\'s numParticles)' },
  seed: { type: 'nonNegativeInt', value: 'N', help: 'PRNG seed (default 0)' },
  plugins: { type: 'list', value: 'FILE', help: 'a plugins.json adding guides, losses, optimisers, callbacks (repeatable)' },
  callback: { type: 'list', value: 'NAME', help: 'a callback from the registry to attach (repeatable)' },
  backend: { type: 'string', value: 'NAME', help: 'tfjs backend: cpu (default) or wasm, or a plugin\'s' },
  checkpoint: { type: 'string', value: 'DIR', help: 'checkpoint directory (default OUT/checkpoints)' },
  every: { type: 'positiveInt', value: 'N', help: 'checkpoint every N steps (default 100)' },
  resume: { type: 'string', value: 'DIR', help: 'continue from the checkpoint in DIR' },
  out: { type: 'string', value: 'DIR', help: 'output directory (default out/<model name>)' },
  samples: { type: 'positiveInt', value: 'N', help: 'posterior draws for the summary and report (default 1000)' },
  'stable-update': { type: 'boolean', help: 'skip steps whose loss or parameters are not finite' },
  'no-progress': { type: 'boolean', help: 'no progress bar' },
  'no-report': { type: 'boolean', help: 'do not write report.html' },
  quiet: { type: 'boolean', help: 'print only the summary table' },
} as const satisfies Record<string, FlagSpec>;

export type FitFlagName = keyof typeof FIT_FLAGS;

export type FlagValue = string | number | boolean | string[];

export interface ParsedArgs {
  readonly positionals: string[];
  readonly flags: Partial<Record<string, FlagValue>>;
  readonly help: boolean;
}

function expectedValue(spec: FlagSpec): string {
  switch (spec.type) {
    case 'positiveNumber':
      return 'a positive number';
    case 'positiveInt':
      return 'a positive integer';
    case 'nonNegativeInt':
      return 'an integer >= 0';
    default:
      return spec.value === 'DIR' ? 'a directory' : spec.value === 'FILE' ? 'a file' : spec.value === 'NAME' ? 'a name' : 'a value';
  }
}

function parseValue(name: string, spec: FlagSpec, raw: string): number | string {
  if (spec.type === 'string' || spec.type === 'list') {
    if (raw === '') throw new UsageError(`--${name}: expected ${expectedValue(spec)}, got an empty string`);
    return raw;
  }
  const x = Number(raw);
  const ok =
    raw.trim() !== '' &&
    Number.isFinite(x) &&
    (spec.type === 'positiveNumber' ? x > 0 : spec.type === 'positiveInt' ? Number.isInteger(x) && x > 0 : Number.isInteger(x) && x >= 0);
  if (!ok) {
    throw new UsageError(`--${name}: expected ${expectedValue(spec)}, got '${raw}'`);
  }
  return x;
}

/** Parses `argv` (after the command) against a flag table. */
export function parseArgs(argv: readonly string[], table: Readonly<Record<string, FlagSpec>>, command: string): ParsedArgs {
  const positionals: string[] = [];
  const flags: Record<string, FlagValue> = {};
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i]!;
    if (tok === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (tok === '-h' || tok === '--help') {
      help = true;
      continue;
    }
    if (!tok.startsWith('-') || tok === '-') {
      positionals.push(tok);
      continue;
    }
    const eq = tok.indexOf('=');
    const name = (eq >= 0 ? tok.slice(0, eq) : tok).replace(/^--?/, '');
    const spec = table[name];
    if (spec === undefined) {
      const known = Object.keys(table);
      throw new UsageError(`vinfer ${command}: unknown option '--${name}'.${didYouMean(name, known)} Run 'vinfer ${command} --help' for the options.`);
    }
    if (spec.type === 'boolean') {
      if (eq >= 0) throw new UsageError(`--${name}: takes no value, got '${tok.slice(eq + 1)}'`);
      flags[name] = true;
      continue;
    }
    let raw: string | undefined;
    if (eq >= 0) raw = tok.slice(eq + 1);
    else {
      raw = argv[i + 1];
      if (raw === undefined || (raw.startsWith('--') && raw.length > 2)) {
        throw new UsageError(`--${name}: expected ${expectedValue(spec)} after it, got ${raw === undefined ? 'nothing' : `'${raw}'`}`);
      }
      i++;
    }
    const value = parseValue(name, spec, raw);
    if (spec.type === 'list') flags[name] = [...((flags[name] as string[] | undefined) ?? []), value as string];
    else flags[name] = value;
  }
  return { positionals, flags, help };
}

/** The usage text of a flag table: one line per flag, aligned. */
export function describeFlags(table: Readonly<Record<string, FlagSpec>>): string {
  const rows = Object.entries(table).map(([name, s]) => [`--${name}${s.value ? ` ${s.value}` : ''}`, s.help] as const);
  const width = Math.max(...rows.map(([l]) => l.length));
  return rows.map(([l, h]) => `  ${l.padEnd(width)}  ${h}`).join('\n');
}
