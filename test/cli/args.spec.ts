import { expect } from 'chai';

import { FIT_FLAGS, describeFlags, parseArgs } from '../../src/cli/args.js';
import { expectVinferError } from '../helpers/assert.js';

describe('parseArgs', () => {
  it('reads positionals, typed values, --flag=value, repeated lists and booleans', () => {
    const a = parseArgs(['m.ts', '--steps', '20', '--lr=0.5', '--plugins', 'a.json', '--plugins', 'b.json', '--quiet', '--seed', '0'], FIT_FLAGS, 'fit');
    expect(a.positionals).to.deep.equal(['m.ts']);
    expect(a.flags).to.deep.equal({ steps: 20, lr: 0.5, plugins: ['a.json', 'b.json'], quiet: true, seed: 0 });
    expect(a.help).to.equal(false);
  });

  it('recognises --help and -h', () => {
    expect(parseArgs(['-h'], FIT_FLAGS, 'fit').help).to.equal(true);
    expect(parseArgs(['x', '--help'], FIT_FLAGS, 'fit').help).to.equal(true);
  });

  it('rejects an unknown flag with a did-you-mean', () => {
    expectVinferError(() => parseArgs(['--ouut', 'x'], FIT_FLAGS, 'fit'), { name: 'UsageError' }, "unknown option '--ouut'", "Did you mean 'out'?");
  });

  it('rejects bad numbers, naming the flag and the value', () => {
    expectVinferError(() => parseArgs(['--steps', '1.5'], FIT_FLAGS, 'fit'), { name: 'UsageError' }, '--steps: expected a positive integer', "'1.5'");
    expectVinferError(() => parseArgs(['--lr', '-1'], FIT_FLAGS, 'fit'), { name: 'UsageError' }, '--lr: expected a positive number', "'-1'");
    expectVinferError(() => parseArgs(['--seed', '-1'], FIT_FLAGS, 'fit'), { name: 'UsageError' }, '--seed: expected an integer >= 0');
    expectVinferError(() => parseArgs(['--lr', 'Infinity'], FIT_FLAGS, 'fit'), { name: 'UsageError' }, '--lr');
  });

  it('rejects a missing value and a value given to a boolean flag', () => {
    expectVinferError(() => parseArgs(['--out'], FIT_FLAGS, 'fit'), { name: 'UsageError' }, '--out: expected a directory after it, got nothing');
    expectVinferError(() => parseArgs(['--out', '--steps', '3'], FIT_FLAGS, 'fit'), { name: 'UsageError' }, "got '--steps'");
    expectVinferError(() => parseArgs(['--quiet=yes'], FIT_FLAGS, 'fit'), { name: 'UsageError' }, '--quiet: takes no value');
  });

  it('describes every flag in the usage text', () => {
    const text = describeFlags(FIT_FLAGS);
    for (const name of Object.keys(FIT_FLAGS)) expect(text).to.include(`--${name}`);
  });
});
