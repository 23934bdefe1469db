import { readFileSync } from 'node:fs';

import { expect } from 'chai';

import {
  betaDab64,
  betaTails64,
  gammaDa64,
  gammaTails64,
  lbeta64,
  studentTDdf64,
  studentTTails64,
} from '../../src/distributions/special-incomplete.js';
import { lgamma64 } from '../helpers/special-ref.js';

interface Golden {
  provenance: string;
  gamma: { a: number; x: number; p: number; q: number; dpda: number }[];
  beta: { a: number; b: number; x: number; p: number; q: number; dpda: number; dpdb: number }[];
  studentT: { df: number; t: number; p: number; q: number; dpddf: number }[];
}

// Reference values at 80 digits from mpmath; see the provenance field and the generator script
// next to the fixture.
const GOLDEN = JSON.parse(readFileSync(new URL('../fixtures/distributions/incomplete-gamma-beta.json', import.meta.url), 'utf8')) as Golden;

/** |got - want| / |want|. */
function rel(got: number, want: number): number {
  return Math.abs(got - want) / Math.abs(want);
}

/** The smaller of the two tails, which the functions compute directly, against the reference. */
function expectTails([p, q]: [number, number], want: { p: number; q: number }, rtol: number, label: string): void {
  const [got, ref] = want.p < want.q ? [p, want.p] : [q, want.q];
  expect(rel(got, ref), `${label}: smaller tail ${got} vs ${ref}`).to.be.at.most(rtol);
  expect(p + q, `${label}: tails sum to 1`).to.be.closeTo(1, 1e-15);
}

describe('special-incomplete (double precision)', () => {
  it('fixture records its provenance', () => {
    expect(GOLDEN.provenance).to.match(/mpmath/);
  });

  // Tolerances: the measured worst relative errors are ~4e-14 (gamma), ~3.4e-13 (beta with a
  // shape of 1e3, where the continued fraction needs ~100 terms) and ~1.4e-14 (t); the bounds
  // leave a factor of ~5.
  it(`P(a, x) and Q(a, x) match the reference to 2e-13 relative in the smaller tail (${GOLDEN.gamma.length} points, a in [0.1, 1e3])`, () => {
    for (const r of GOLDEN.gamma) expectTails(gammaTails64(r.a, r.x), r, 2e-13, `a=${r.a}, x=${r.x}`);
  });
  it(`I_x(a, b) matches the reference to 2e-12 relative in the smaller tail (${GOLDEN.beta.length} points, shapes 0.1 to 1e3)`, () => {
    for (const r of GOLDEN.beta) expectTails(betaTails64(r.a, r.b, r.x, 1 - r.x), r, 2e-12, `a=${r.a}, b=${r.b}, x=${r.x}`);
  });
  it(`the Student t CDF matches the reference to 1e-13 relative in the smaller tail (${GOLDEN.studentT.length} points, df 0.1 to 1e3)`, () => {
    for (const r of GOLDEN.studentT) expectTails(studentTTails64(r.df, r.t), r, 1e-13, `df=${r.df}, t=${r.t}`);
  });

  // Shape derivatives: the gamma one is a series (measured 1e-13); the beta and t ones are central
  // differences of log tails (measured 5e-9 and, for df <= 30, 3e-9; 2.2e-7 at df = 1e3, where
  // the tail itself is only good to ~1e-14 and the derivative is ~1e-7 of it).
  it('dP/da matches the reference to 1e-12 relative', () => {
    for (const r of GOLDEN.gamma) expect(rel(gammaDa64(r.a, r.x), r.dpda), `a=${r.a}, x=${r.x}`).to.be.at.most(1e-12);
  });
  it('dI/da and dI/db match the reference to 2e-8 relative', () => {
    for (const r of GOLDEN.beta) {
      const [da, db] = betaDab64(r.a, r.b, r.x, 1 - r.x);
      expect(rel(da, r.dpda), `d/da at a=${r.a}, b=${r.b}, x=${r.x}`).to.be.at.most(2e-8);
      expect(rel(db, r.dpdb), `d/db at a=${r.a}, b=${r.b}, x=${r.x}`).to.be.at.most(2e-8);
    }
  });
  it('dF/d(df) of the t CDF matches the reference to 2e-8 relative (df <= 30) and 1e-6 (df = 1e3)', () => {
    for (const r of GOLDEN.studentT) {
      expect(rel(studentTDdf64(r.df, r.t), r.dpddf), `df=${r.df}, t=${r.t}`).to.be.at.most(r.df > 30 ? 1e-6 : 2e-8);
    }
  });

  it('lbeta64 agrees with lgamma sums and keeps its digits for large arguments', () => {
    for (const [a, b] of [
      [0.3, 2],
      [12, 15],
      [0.5, 40],
      [3, 1e4],
    ] as [number, number][]) {
      expect(lbeta64(a, b)).to.be.closeTo(lgamma64(a) + lgamma64(b) - lgamma64(a + b), 1e-12 * Math.max(1, lgamma64(a + b)));
    }
    // log B(1e6, 1e6) = log(Gamma(1e6)^2 / Gamma(2e6)); Stirling gives
    // -2e6 log 2 + log(2 sqrt(pi)) - log(1e6)/2 + remainders (1/(12 a) terms), to 1e-16 relative.
    const a = 1e6;
    const stirling = -2 * a * Math.LN2 + Math.log(2 * Math.sqrt(Math.PI)) - 0.5 * Math.log(a) + 2 / (12 * a) - 1 / (24 * a);
    expect(rel(lbeta64(a, a), stirling)).to.be.at.most(1e-15);
  });

  it('gives the ends of the support and NaN for invalid shapes', () => {
    expect(gammaTails64(2, 0)).to.deep.equal([0, 1]);
    expect(gammaTails64(2, -1)).to.deep.equal([0, 1]);
    expect(gammaTails64(2, Infinity)).to.deep.equal([1, 0]);
    expect(gammaTails64(0, 1).every(Number.isNaN)).to.equal(true);
    expect(betaTails64(2, 3, 0)).to.deep.equal([0, 1]);
    expect(betaTails64(2, 3, 1)).to.deep.equal([1, 0]);
    expect(betaTails64(-1, 3, 0.5).every(Number.isNaN)).to.equal(true);
    expect(studentTTails64(3, 0)).to.deep.equal([0.5, 0.5]);
    expect(studentTTails64(3, -Infinity)).to.deep.equal([0, 1]);
    expect(studentTTails64(0, 1).every(Number.isNaN)).to.equal(true);
    expect(gammaDa64(2, 0)).to.equal(0);
    expect(betaDab64(2, 3, 0)).to.deep.equal([0, 0]);
    expect(studentTDdf64(3, 0)).to.equal(0);
  });
});
