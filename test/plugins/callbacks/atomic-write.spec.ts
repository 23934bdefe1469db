import { readFile, readdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

import { expect } from 'chai';

import { tempName, writeFileAtomic, writeFileAtomicSync } from '../../../src/plugins/callbacks/atomic-write.js';
import { makeTempDir, removeDir } from './helpers.js';

describe('atomic-write', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  it('tempName is a hidden .tmp file beside the target, new on each call', () => {
    const a = tempName(path.join(dir, 'x.json'));
    const b = tempName(path.join(dir, 'x.json'));
    expect(path.dirname(a)).to.equal(dir);
    expect(path.basename(a)).to.match(/^\.x\.json\.\d+\.\d+\.tmp$/);
    expect(a).not.to.equal(b);
  });

  for (const [label, write] of [
    ['writeFileAtomic', writeFileAtomic],
    ['writeFileAtomicSync', async (f: string, d: string) => writeFileAtomicSync(f, d)],
  ] as const) {
    describe(label, () => {
      it('creates and then replaces a file (1 MB of multi-byte text), leaving no temporary file', async () => {
        const file = path.join(dir, 'state.json');
        await write(file, 'first');
        const big = 'é'.repeat(500_000); // 2 bytes each in UTF-8
        await writeFile(path.join(dir, 'other'), 'x');
        await write(file, big);
        expect(await readFile(file, 'utf8')).to.equal(big);
        expect((await readdir(dir)).sort()).to.deep.equal(['other', 'state.json']);
      });

      it('throws when the directory does not exist, and writes nothing', async () => {
        const file = path.join(dir, 'missing', 'state.json');
        let err: unknown;
        try {
          await write(file, 'x');
        } catch (e) {
          err = e;
        }
        expect((err as { code?: string })?.code).to.equal('ENOENT');
        expect(await readdir(dir)).to.deep.equal([]);
      });
    });
  }
});
