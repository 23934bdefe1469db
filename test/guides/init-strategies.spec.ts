import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { bijectTo } from '../../src/distributions/biject-to.js';
import { simplex } from '../../src/distributions/constraints.js';
import { Dirichlet } from '../../src/distributions/dirichlet.js';
import { HalfCauchy } from '../../src/distributions/half-cauchy.js';
import { HalfNormal } from '../../src/distributions/half-normal.js';
import { Normal } from '../../src/distributions/normal.js';
import { Uniform } from '../../src/distributions/uniform.js';
import { AutoNormal } from '../../src/guides/auto-normal.js';
import {
  type InitStrategy,
  initToFeasible,
  initToMean,
  initToMedian,
  initToSample,
  initToUniform,
  initToValue,
} from '../../src/guides/init-strategies.js';
import { MAX_INIT_ATTEMPTS, type Prototype, buildPrototype } from '../../src/guides/prototype.js';
import { ModelError, ValueError } from '../../src/kernel/errors.js';
import { seed, substitute, trace } from '../../src/kernel/handlers/index.js';
import { factor, plate, sample } from '../../src/kernel/primitives.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { expectClose, expectVinferError } from '../helpers/assert.js';

const SEED = 0;

/** Sites with four kinds of support: real, positive, an interval and the simplex. */
const model = () => {
  sample('a', new Normal(3, 2));
  const b = sample('b', new HalfNormal(1));
  sample('c', new Uniform(-1, 2));
  sample('p', new Dirichlet([1, 2, 3]));
  plate('data', 3, () => sample('x', new Normal(0, b), { obs: tf.tensor1d([0.4, -0.2, 1.0]) }));
};

function withPrototype(init: InitStrategy, fn: (p: Prototype) => void, m: () => void = model, key = SEED): void {
  const p = buildPrototype('test', m, [], PRNGKey(key), init);
  try {
    fn(p);
  } finally {
    tf.dispose(p.owned);
  }
}

const valueOf = (p: Prototype, name: string): number[] => Array.from(p.latents.find((s) => s.name === name)!.initValue.dataSync());
const unconstrainedOf = (p: Prototype, name: string): number[] =>
  Array.from(p.latents.find((s) => s.name === name)!.initUnconstrained.dataSync());

describe('init strategies', () => {
  const strategies: [string, InitStrategy][] = [
    ['initToUniform()', initToUniform()],
    ['initToUniform (bare)', initToUniform],
    ['initToMedian()', initToMedian()],
    ['initToMean', initToMean],
    ['initToSample', initToSample],
    ['initToFeasible', initToFeasible],
    ['initToValue({ values: { a: 1.5 } })', initToValue({ values: { a: 1.5 } })],
  ];
  for (const [label, s] of strategies) {
    it(`${label} gives finite starting points inside every support`, () => {
      withPrototype(s, (p) => {
        expect(p.latents.map((l) => l.name)).to.deep.equal(['a', 'b', 'c', 'p']);
        for (const site of p.latents) {
          const ok = tf.tidy(() => tf.min(site.support.check(site.initValue)).dataSync()[0]);
          expect(ok, `site ${site.name} in ${site.support.name}`).to.equal(1);
          expect(Array.from(site.initUnconstrained.dataSync()).every(Number.isFinite), `site ${site.name}`).to.equal(true);
        }
      });
    });
  }

  it('initToFeasible maps 0 through bijectTo: a = 0, b = 1, c = 0.5, p = stick-breaking of [0, 0]', () => {
    withPrototype(initToFeasible(), (p) => {
      expect(valueOf(p, 'a')).to.deep.equal([0]);
      expectClose(valueOf(p, 'b'), [1]);
      expectClose(valueOf(p, 'c'), [0.5]);
      const expected = tf.tidy(() => bijectTo(simplex).forward(tf.zeros([2])).dataSync());
      expectClose(valueOf(p, 'p'), expected);
    });
  });

  it('initToUniform({ radius: 0.5 }) draws every unconstrained coordinate in [-0.5, 0.5]', () => {
    for (let k = 0; k < 5; k++) {
      withPrototype(
        initToUniform({ radius: 0.5 }),
        (p) => {
          for (const s of p.latents) for (const u of unconstrainedOf(p, s.name)) expect(Math.abs(u)).to.be.at.most(0.5 + 1e-6);
        },
        model,
        k,
      );
    }
  });

  // The median of n draws from N(3, 2) has sd ≈ 1.2533·2/√n = 0.125 for n = 401; 4 sd = 0.5.
  it('initToMedian({ numSamples: 401 }) starts a ~ N(3, 2) within 0.5 of 3 (4 standard errors)', () => {
    withPrototype(initToMedian({ numSamples: 401 }), (p) => expect(valueOf(p, 'a')[0]).to.be.closeTo(3, 0.5));
  });

  it('initToMean starts at the prior mean (a = 3, b = √(2/π)) and falls back to the median for HalfCauchy (infinite mean)', () => {
    withPrototype(initToMean, (p) => {
      expectClose(valueOf(p, 'a'), [3]);
      expectClose(valueOf(p, 'b'), [Math.sqrt(2 / Math.PI)], { rtol: 1e-5 });
    });
    const heavy = () => {
      sample('h', new HalfCauchy(1));
    };
    withPrototype(initToMean, (p) => expect(valueOf(p, 'h')[0]).to.satisfy((v: number) => Number.isFinite(v) && v > 0), heavy);
  });

  it('initToValue sets the named sites to the given constrained values and the others as initToUniform', () => {
    withPrototype(initToValue({ values: { a: 1.5, b: 0.25 } }), (p) => {
      expectClose(valueOf(p, 'a'), [1.5]);
      expectClose(valueOf(p, 'b'), [0.25], { rtol: 1e-5 });
      expect(Math.abs(unconstrainedOf(p, 'c')[0]!)).to.be.at.most(2);
    });
  });

  it('initToSample draws differently for different keys', () => {
    const a: number[] = [];
    for (const k of [1, 2]) withPrototype(initToSample, (p) => a.push(valueOf(p, 'a')[0]!), model, k);
    expect(a[0]).to.not.equal(a[1]);
  });

  it('answers only for latent sample sites: observed sites and params keep their values', () => {
    tf.tidy(() => {
      const tr = trace(substitute(seed(model, 0), { substituteFn: initToFeasible() })).getTrace();
      expectClose(tr.get('x')!.value!, [0.4, -0.2, 1.0]);
      expect(tr.get('x')!.isObserved).to.equal(true);
    });
  });

  it('works bare as an AutoNormal option (initLocFn: initToFeasible)', () => {
    const g = new AutoNormal(model, { initLocFn: initToFeasible });
    tf.tidy(() => {
      const tr = trace(seed(() => g.forward(), 0)).getTrace();
      expect(tr.get('auto_a_loc')!.value!.dataSync()[0]).to.equal(0);
    });
    g.dispose();
  });

  it('rejects bad options with ValueError', () => {
    expectVinferError(() => initToUniform({ radius: -1 }), ValueError, "initToUniform: option 'radius'", 'got -1');
    expectVinferError(() => initToMedian({ numSamples: 0 }), ValueError, "initToMedian: option 'numSamples'", 'got 0');
    expectVinferError(() => initToValue({} as never), ValueError, "initToValue: option 'values'");
  });

  describe('bounded retry', () => {
    // Only x > 1.5 has a finite density: with x ~ Uniform(-2, 2) unconstrained, each attempt
    // succeeds with probability 1/8, so 100 attempts all fail with probability 0.875^100 ≈ 1.6e-6.
    const narrow = () => {
      const x = sample('x', new Normal(0, 1));
      factor('gate', tf.where(tf.greater(x, 1.5), tf.scalar(0), tf.scalar(-Infinity)));
    };

    it('retries with fresh keys until the log-density is finite', () => {
      withPrototype(initToUniform(), (p) => expect(valueOf(p, 'x')[0]).to.be.greaterThan(1.5), narrow);
    });

    it(`fails after ${MAX_INIT_ATTEMPTS} attempts with a ModelError naming the site`, () => {
      const never = () => {
        sample('x', new Normal(0, 1));
        factor('bad', -Infinity);
      };
      expectVinferError(
        () => buildPrototype('AutoNormal', never, [], PRNGKey(SEED), initToUniform()),
        ModelError,
        `AutoNormal: could not find initial values with a finite log-density in ${MAX_INIT_ATTEMPTS} attempts`,
        'initToUniform({ radius: 2 })',
        "site 'bad'",
        'initToValue',
      );
    });

    it('names an observed site whose log-density cannot be computed at any starting point', () => {
      const outside = () => {
        const x = sample('x', new Normal(0, 1));
        sample('y', new Uniform(x, tf.add(x, 1)), { obs: 5 });
      };
      expectVinferError(() => buildPrototype('AutoNormal', outside, [], PRNGKey(SEED), initToUniform()), ModelError, "site 'y'", 'support');
    });

    it('makes a single attempt for a deterministic strategy (initToFeasible)', () => {
      expectVinferError(
        () => buildPrototype('AutoDelta', narrow, [], PRNGKey(SEED), initToFeasible()),
        ModelError,
        'AutoDelta: could not find initial values with a finite log-density in 1 attempt ',
        "site 'gate'",
      );
    });

    it('leaks no tensors when it fails', () => {
      const before = tf.memory().numTensors;
      expect(() => buildPrototype('AutoDelta', narrow, [], PRNGKey(SEED), initToFeasible())).to.throw();
      expect(tf.memory().numTensors).to.equal(before);
    });
  });
});

describe('initialisation with a model error that no starting point fixes', () => {
  it("stops after 3 attempts that raise the same error, and reports that error", () => {
    const bad = () => {
      const mu = sample('mu', new Normal(0, 1));
      // The observation has 3 values but the plate says 2: a shape error whatever mu is.
      plate('data', 2, () => sample('x', new Normal(mu, 1), { obs: [0.1, 0.2, 0.3] }));
    };
    const guide = new AutoNormal(bad);
    let err: unknown;
    try {
      seed(() => guide.forward(), 0)();
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(Error);
    expect((err as Error).message).to.contain('in 3 attempts (the same error every time');
    expect((err as Error).message).to.contain("sample('x')").and.contain('does not broadcast');
  });
});
