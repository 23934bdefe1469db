import { readFileSync } from 'node:fs';

import { expect } from 'chai';

import { betaTails64, gammaTails64, studentTTails64 } from '../../src/distributions/special-incomplete.js';
import { betaQuantile64, gammaQuantile64, solveIncreasing, studentTQuantile64 } from '../../src/distributions/special-quantile.js';

interface GoldenQuantile {
  kind: 'gamma' | 'beta' | 't';
  params: number[];
  prob: number;
  quantile: number;
}

// Quantiles at 80 digits from mpmath (bisection on log tails); see the fixture's provenance.
const GOLDEN = JSON.parse(readFileSync(new URL('../fixtures/distributions/incomplete-gamma-beta.json', import.meta.url), 'utf8')) as {
  quantiles: GoldenQuantile[];
};

const PROBS = [1e-30, 1e-10, 1e-4, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 1 - 1e-4, 1 - 2 ** -24];

function rel(got: number, want: number): number {
  return Math.abs(got - want) / Math.abs(want);
}

/**
 * The round trip checks tails of the solved quantile against the target. The quantiles stop at a
 * relative step of ~1e-13, and a relative error e in z moves a tail by e * |d log T / d log z|,
 * which stays below ~1e3 on these grids: 1e-9 relative in the tail leaves a margin of ~10.
 */
const ROUND_TRIP_RTOL = 1e-9;

/**
 * The tail [lower, upper][upper ? 1 : 0] solved for is `prob`: checked on the smaller of the two
 * tails (1 - prob is exact in double for these probabilities).
 */
function expectRoundTrip(tails: [number, number], prob: number, label: string, upper = false): void {
  const [same, other] = upper ? [tails[1], tails[0]] : [tails[0], tails[1]];
  const [got, want] = prob <= 0.5 ? [same, prob] : [other, 1 - prob];
  expect(rel(got, want), `${label}: tail ${got} vs ${want}`).to.be.at.most(ROUND_TRIP_RTOL);
}

describe('special-quantile (double precision)', () => {
  it(`matches ${GOLDEN.quantiles.length} reference quantiles to 1e-11 relative (gamma a = 0.1, 1e3; beta; t)`, () => {
    for (const g of GOLDEN.quantiles) {
      const [p0, p1] = g.params as [number, number];
      const z =
        g.kind === 'gamma' ? gammaQuantile64(p0, g.prob) : g.kind === 'beta' ? betaQuantile64(p0, p1, g.prob)[0] : studentTQuantile64(p0, g.prob);
      expect(rel(z, g.quantile), `${g.kind}(${g.params.join(', ')}) at ${g.prob}`).to.be.at.most(1e-11);
    }
  });

  for (const a of [0.1, 0.5, 1, 3.7, 30, 1e3]) {
    it(`gamma quantile round-trips through P and Q to ${ROUND_TRIP_RTOL} for a = ${a}, lower and upper tail`, () => {
      let prev = 0;
      for (const prob of PROBS) {
        const z = gammaQuantile64(a, prob);
        expect(z, `monotone at ${prob}`).to.be.greaterThan(prev);
        prev = z;
        if (z > 1e-300) expectRoundTrip(gammaTails64(a, z), prob, `P, a=${a}, q=${prob}`);
        const zu = gammaQuantile64(a, prob, true);
        if (zu > 1e-300) expectRoundTrip(gammaTails64(a, zu), prob, `Q, a=${a}, q=${prob}`, true);
      }
    });
  }

  for (const [a, b] of [
    [0.1, 0.1],
    [0.1, 5],
    [1, 1],
    [2.5, 0.5],
    [30, 40],
    [1e3, 2],
    [1e3, 1e3],
  ] as [number, number][]) {
    it(`beta quantile round-trips to ${ROUND_TRIP_RTOL} and returns 1 - x accurately for (a, b) = (${a}, ${b})`, () => {
      let [prevX, prevY] = [0, 1];
      for (const prob of PROBS) {
        const [x, y] = betaQuantile64(a, b, prob);
        // Near 1 x rounds to 1 in double while y = 1 - x still moves.
        expect(x > prevX || (x === prevX && y < prevY), `monotone at ${prob}`).to.equal(true);
        [prevX, prevY] = [x, y];
        expect(x + y).to.be.closeTo(1, 4e-16);
        if (x > 1e-300 && y > 1e-300) expectRoundTrip(betaTails64(a, b, x, y), prob, `I, (${a}, ${b}), q=${prob}`);
      }
    });
  }

  for (const df of [0.1, 1, 2, 7, 1e3]) {
    it(`t quantile round-trips to ${ROUND_TRIP_RTOL} and is odd in q - 1/2 for df = ${df}`, () => {
      for (const prob of PROBS) {
        const t = studentTQuantile64(df, prob);
        if (Math.abs(t) < 1e300) expectRoundTrip(studentTTails64(df, t), prob, `df=${df}, q=${prob}`);
        // 1 - prob must be exact for the mirror image to be the same problem.
        if (prob < 0.5 && 1 - (1 - prob) === prob) expect(studentTQuantile64(df, 1 - prob), `symmetry at ${prob}`).to.be.closeTo(-t, 1e-12 * Math.abs(t));
      }
    });
  }

  it('gives the support ends at 0 and 1, and NaN outside [0, 1] or for invalid shapes', () => {
    expect(gammaQuantile64(2, 0)).to.equal(0);
    expect(gammaQuantile64(2, 1)).to.equal(Infinity);
    expect(gammaQuantile64(2, 0, true)).to.equal(Infinity);
    expect(gammaQuantile64(2, 1.5)).to.be.NaN;
    expect(gammaQuantile64(-1, 0.5)).to.be.NaN;
    expect(betaQuantile64(2, 3, 0)).to.deep.equal([0, 1]);
    expect(betaQuantile64(2, 3, 1)).to.deep.equal([1, 0]);
    expect(betaQuantile64(2, 3, -0.1)[0]).to.be.NaN;
    expect(studentTQuantile64(3, 0)).to.equal(-Infinity);
    expect(studentTQuantile64(3, 0.5)).to.equal(0);
    expect(studentTQuantile64(3, 2)).to.be.NaN;
  });

  it('solveIncreasing finds roots from far starting points and in a few steps near them', () => {
    let calls = 0;
    const h = (u: number): [number, number] => {
      calls++;
      return [Math.atan(u - 3), 1 / (1 + (u - 3) ** 2)];
    };
    // Plain Newton diverges on atan from |u - 3| > 1.39; the bracket and bisection keep it in.
    expect(solveIncreasing(h, -50)).to.be.closeTo(3, 1e-12);
    expect(calls).to.be.at.most(80);
    calls = 0;
    expect(solveIncreasing((u) => [Math.exp(u) - 2, Math.exp(u)], 0.6)).to.be.closeTo(Math.LN2, 1e-13);
  });
});
