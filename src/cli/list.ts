/** `vinfer list`: the registered plugins by kind, with their default options and descriptions. */
import * as path from 'node:path';

import { Registry } from '../kernel/registry.js';
import { PLUGIN_KINDS } from '../kernel/plugins-file.js';
import type { FlagValue } from './args.js';

export const LIST_FLAGS = {
  plugins: { type: 'list', value: 'FILE', help: 'also list the plugins of this plugins.json (repeatable)' },
} as const;

const TITLES = { backend: 'Backends', guide: 'Guides', loss: 'Losses', optimizer: 'Optimizers', callback: 'Callbacks' } as const;

/** The listing as text. */
export function formatRegistry(registry: Registry): string {
  const blocks: string[] = [];
  for (const kind of PLUGIN_KINDS) {
    const entries = registry.list(kind);
    let def: string | undefined;
    try {
      def = registry.defaultName(kind);
    } catch {
      def = undefined;
    }
    const lines = entries.map((e) => {
      const names = [e.name, ...e.aliases.map((a) => `alias ${a}`)].join(', ') + (e.name === def ? ' (default)' : '');
      const opts = Object.keys(e.options).length > 0 ? `  options ${JSON.stringify(e.options)}` : '';
      const from = e.builtIn ? '' : `  [${path.basename(e.source)}]`;
      return `  ${names}${opts}${from}${e.description ? `\n      ${e.description}` : ''}`;
    });
    blocks.push(`${TITLES[kind]}:\n${lines.length > 0 ? lines.join('\n') : '  (none registered)'}`);
  }
  return blocks.join('\n\n');
}

/** Runs `vinfer list`; resolves with the text to print. */
export async function listCommand(flags: Partial<Record<string, FlagValue>>, cwd: string): Promise<string> {
  const plugins = ((flags['plugins'] as string[] | undefined) ?? []).map((p) => path.resolve(cwd, p));
  const registry = await Registry.load({ plugins });
  return formatRegistry(registry);
}
