import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { lossChart, movingAverage } from '../../src/report/charts.js';
import { escapeHtml, mostCorrelatedPair, renderReport } from '../../src/report/report.js';
import { siteColumns, summarize } from '../../src/report/summary.js';

describe('report', () => {
  it('movingAverage averages a trailing window, skipping non-finite values', () => {
    expect(Array.from(movingAverage([1, 2, 3, NaN, 5], 2))).to.deep.equal([1, 1.5, 2.5, 3, 5]);
  });

  it('lossChart spans the later steps on the y axis and thins long series', () => {
    const losses = Array.from({ length: 10_000 }, (_, i) => (i < 100 ? 1e6 : 10 + (i % 7)));
    const spec = lossChart(losses) as any;
    expect(spec.data.values.length).to.be.at.most(2 * 2000);
    const [lo, hi] = spec.encoding.y.scale.domain as [number, number];
    expect(hi).to.be.below(1000);
    expect(lo).to.be.at.most(10);
  });

  it('mostCorrelatedPair picks the strongest pair across different sites', () => {
    const a = Float64Array.from({ length: 50 }, (_, i) => i);
    const b = Float64Array.from({ length: 50 }, (_, i) => -2 * i + (i % 3));
    const c = Float64Array.from({ length: 50 }, (_, i) => (i * 37) % 11);
    const cols = [
      { site: 'a', shape: [], labels: ['a'], indices: [[]], values: [a] },
      { site: 'v', shape: [2], labels: ['v[0]', 'v[1]'], indices: [[0], [1]], values: [c, b] },
    ];
    const pair = mostCorrelatedPair(cols)!;
    expect([pair.a.label, pair.b.label]).to.deep.equal(['a', 'v[1]']);
    expect(pair.corr).to.be.below(-0.99);
    expect(mostCorrelatedPair([{ site: 'z', shape: [], labels: ['z'], indices: [[]], values: [a] }])).to.equal(null);
  });

  it('escapes text it puts into the page', () => {
    expect(escapeHtml(`<b a="x">&'`)).to.equal('&lt;b a=&quot;x&quot;&gt;&amp;&#39;');
  });

  it('renders a self-contained page: inline SVG for the loss and each site, no scripts or external resources', async () => {
    const draws = { mu: tf.linspace(-1, 1, 200), theta: tf.reshape(tf.linspace(0, 1, 600), [200, 3]) };
    const columns = siteColumns(draws);
    tf.dispose(Object.values(draws));
    const html = await renderReport({ title: 'a <model>', losses: [5, 4, 3, 2.5, 2.4], columns, rows: summarize(columns), meta: { steps: '5' } });
    expect(html).to.include('vinfer fit report: a &lt;model&gt;');
    expect(html.match(/<svg /g)).to.have.length(4); // loss, mu, theta, pair
    expect(html).to.include('data-site="mu"').and.include('data-site="theta"');
    expect(html).not.to.match(/<script|<link |src="http|href="http/);
  });
});
