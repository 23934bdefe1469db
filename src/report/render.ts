/**
 * Vega-Lite specifications rendered to static SVG at report time: vega-lite compiles a spec to
 * Vega, and a headless Vega View (renderer 'none', which needs no canvas in Node) serialises the
 * scenegraph to SVG. Both packages are loaded on first use only, so the command line pays for
 * them only when it writes a report.
 */

/** A Vega-Lite specification (kept structural here; vega-lite validates it when compiling). */
export type VegaLiteSpec = Record<string, unknown>;

type VegaModule = typeof import('vega');
type VegaLiteModule = typeof import('vega-lite');

let modules: Promise<{ vega: VegaModule; vl: VegaLiteModule }> | undefined;

function load(): Promise<{ vega: VegaModule; vl: VegaLiteModule }> {
  modules ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vl]) => ({ vega, vl }));
  return modules;
}

/** Collects Vega's and Vega-Lite's warnings instead of printing them, so a report run stays quiet. */
function quietLogger(vega: VegaModule, warnings: string[]): ReturnType<VegaModule['logger']> {
  const base = vega.logger(vega.Warn);
  const keep = (...args: readonly unknown[]): typeof base => {
    warnings.push(args.map(String).join(' '));
    return base;
  };
  return Object.assign(Object.create(base) as typeof base, { warn: keep, error: keep, info: () => base, debug: () => base });
}

/**
 * Renders a Vega-Lite spec to an SVG string.
 * @param warnings - receives the renderers' warnings (a report notes none of them today)
 */
export async function renderSvg(spec: VegaLiteSpec, warnings: string[] = []): Promise<string> {
  const { vega, vl } = await load();
  const logger = quietLogger(vega, warnings);
  const compiled = vl.compile(spec as unknown as Parameters<VegaLiteModule['compile']>[0], { logger }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logger });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
