/**
 * The package builds to JavaScript with type declarations, and the build loads from ESM and from
 * CommonJS (require of ESM works in Node 20.19+ only without top-level await in the module graph).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect } from 'chai';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT = path.join(ROOT, 'build-check');

describe('build to JavaScript @slow', () => {
  before(function () {
    this.timeout(180_000);
    rmSync(OUT, { recursive: true, force: true });
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--outDir', OUT], {
      cwd: ROOT,
      stdio: 'pipe',
    });
  });
  after(() => rmSync(OUT, { recursive: true, force: true }));

  it('emits index.js with its declarations', () => {
    expect(existsSync(path.join(OUT, 'index.js'))).to.equal(true);
    expect(existsSync(path.join(OUT, 'index.d.ts'))).to.equal(true);
    expect(existsSync(path.join(OUT, 'kernel', 'svi.d.ts'))).to.equal(true);
  });

  it('loads through require() from CommonJS and resolves every built-in plugin', () => {
    const script = `
      const v = require(${JSON.stringify(path.join(OUT, 'index.js'))});
      if (typeof v.SVI !== 'function' || typeof v.PRNGKey !== 'function') throw new Error('exports missing');
      v.Registry.load().then((r) => {
        const n = ['backend', 'guide', 'loss', 'optimizer', 'callback'].map((k) => r.list(k).length);
        console.log(JSON.stringify(n));
      }).catch((e) => { console.error(e); process.exit(1); });`;
    const out = execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
    const counts = JSON.parse(out.trim().split('\n').pop()!) as number[];
    expect(counts.every((c) => c > 0), out).to.equal(true);
  });

  it('loads through import() from ESM and runs an SVI step', () => {
    const script = `
      const v = await import(${JSON.stringify(path.join(OUT, 'index.js'))});
      await v.setBackend('cpu');
      const model = () => v.sample('mu', new v.dist.Normal(0, 1));
      const svi = new v.SVI(model, new v.AutoNormal(model), new v.Adam({ lr: 0.01 }), new v.TraceELBO());
      const [, loss] = svi.update(svi.init(v.PRNGKey(0)));
      console.log(Number.isFinite(loss) ? 'ok' : 'bad');`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(out.trim().split('\n').pop()).to.equal('ok');
  });
});
