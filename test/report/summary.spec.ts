import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { formatSummary, meanSd, quantileSorted, siteColumns, summarize } from '../../src/report/summary.js';

describe('posterior summary', () => {
  it('quantileSorted interpolates between order statistics like numpy', () => {
    const xs = [1, 2, 3, 4, 5];
    expect(quantileSorted(xs, 0.5)).to.equal(3);
    expect(quantileSorted(xs, 0.05)).to.be.closeTo(1.2, 1e-12); // position 0.2 between 1 and 2
    expect(quantileSorted(xs, 0.95)).to.be.closeTo(4.8, 1e-12);
    expect(quantileSorted([7], 0.3)).to.equal(7);
  });

  it('meanSd uses the n - 1 denominator', () => {
    const { mean, sd } = meanSd([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(mean).to.equal(5);
    expect(sd).to.be.closeTo(Math.sqrt(32 / 7), 1e-12);
  });

  it('splits sites into labelled components, row-major, and summarises each', () => {
    const draws = { mu: tf.tensor1d([1, 2, 3]), theta: tf.tensor3d([1, 2, 3, 4, 10, 20, 30, 40, 100, 200, 300, 400], [3, 2, 2]) };
    const cols = siteColumns(draws);
    tf.dispose(Object.values(draws));
    expect(cols.map((c) => c.labels)).to.deep.equal([['mu'], ['theta[0,0]', 'theta[0,1]', 'theta[1,0]', 'theta[1,1]']]);
    const rows = summarize(cols);
    expect(rows).to.have.length(5);
    expect(rows[2]).to.include({ label: 'theta[0,1]', site: 'theta', mean: 74, q50: 20 });
    expect(rows[2]!.index).to.deep.equal([0, 1]);
  });

  it('formats an aligned table with a header and elides long sites', () => {
    const rows = summarize(siteColumns({ x: tf.zeros([4, 3]) }));
    const text = formatSummary(rows, 2);
    const lines = text.split('\n');
    expect(lines[0]).to.match(/^site\s+mean\s+sd\s+5%\s+50%\s+95%$/);
    expect(lines[1]).to.match(/^x\[0\]\s+0\.0000\s+0\.0000/);
    expect(lines[3]).to.include('… 1 more of x');
    expect(lines).to.have.length(4);
  });
});
