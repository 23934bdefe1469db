import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { chromium } from 'playwright-core';

import { PRNGKey, split } from '../../src/kernel/rng.js';
import { normal } from '../../src/kernel/rng.js';
import { renderReport } from '../../src/report/report.js';
import { siteColumns, summarize } from '../../src/report/summary.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('report.html in headless Chromium', function () {
  let dir: string;
  let file: string;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.log(`      (skipped: no Chromium at ${CHROMIUM}; install Debian's chromium package to run the browser test)`);
      this.skip();
    }
    dir = mkdtempSync(path.join(tmpdir(), 'vinfer-report-'));
    file = path.join(dir, 'report.html');
    // Three latent sites: two scalars (correlated, so the pair plot has something to show) and a vector.
    const [k1, k2, k3] = split(PRNGKey(7), 3);
    const draws = tf.tidy(() => {
      const mu = tf.add(tf.mul(normal(k1!, [600]), 3), 4);
      const logTau = tf.add(tf.mul(mu, 0.1), tf.mul(normal(k2!, [600]), 0.3));
      return { mu, tau: tf.exp(logTau), theta: normal(k3!, [600, 8]) };
    });
    const columns = siteColumns(draws);
    tf.dispose(Object.values(draws));
    const losses = Array.from({ length: 3000 }, (_, i) => 31 + 300 * Math.exp(-i / 150) + Math.cos(i * 1.7));
    writeFileSync(file, await renderReport({ title: 'browser test', losses, columns, rows: summarize(columns), meta: { guide: 'AutoNormal' } }));
  });

  after(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('loads with no console errors or network requests, and shows the loss curve, one panel per latent site and the pair plot', async () => {
    const profile = mkdtempSync(path.join(tmpdir(), 'vinfer-chromium-'));
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const problems: string[] = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console ${msg.type()}: ${msg.text()}`);
      });
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      page.on('request', (req) => {
        if (!req.url().startsWith('file:')) problems.push(`network request: ${req.url()}`);
      });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      expect(problems).to.deep.equal([]);

      const loss = page.locator('#loss-curve svg');
      expect(await loss.count()).to.equal(1);
      const box = await loss.boundingBox();
      expect(box!.width).to.be.above(200);
      expect(box!.height).to.be.above(100);
      // The curve itself: a path with many points.
      expect(await page.locator('#loss-curve svg path[d]').count()).to.be.above(0);

      const panels = page.locator('figure.site-panel');
      expect(await panels.evaluateAll((els) => els.map((e) => e.getAttribute('data-site')))).to.deep.equal(['mu', 'tau', 'theta']);
      for (let i = 0; i < 3; i++) {
        const b = await panels.nth(i).locator('svg').boundingBox();
        expect(b!.width, `panel ${i}`).to.be.above(100);
      }
      expect(await page.locator('#pair-plot').getAttribute('data-pair')).to.equal('mu,tau');
      expect(await page.locator('table.summary tbody tr').count()).to.equal(10);
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
