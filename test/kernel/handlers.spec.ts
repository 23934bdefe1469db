import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { Normal } from '../../src/distributions/normal.js';
import { ModelError, ValueError } from '../../src/kernel/errors.js';
import { block, condition, mask, replay, scale, seed, substitute, trace } from '../../src/kernel/handlers/index.js';
import { deterministic, factor, param, prngKey, sample } from '../../src/kernel/primitives.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { type Message, Messenger, STACK } from '../../src/kernel/runtime.js';
import { logProbSum, siteLogProb } from '../../src/kernel/trace-data.js';
import { expectClose, expectVinferError } from '../helpers/assert.js';

const NORMAL_LOGPDF = (x: number, m: number, s: number) => -0.5 * ((x - m) / s) ** 2 - Math.log(s) - 0.5 * Math.log(2 * Math.PI);

function model(): tf.Tensor {
  const mu = sample('mu', new Normal(0, 1));
  const p = param('p', 0.5);
  deterministic('twice', tf.mul(mu, 2));
  return sample('x', new Normal(mu, p), { obs: 0.3 });
}

describe('handlers', () => {
  afterEach(() => expect(STACK.length, 'handler stack left empty').to.equal(0));

  describe('trace', () => {
    it('records every site in execution order with its type, value and observation flag', () => {
      const tr = trace(seed(model, 0)).getTrace();
      expect([...tr.keys()]).to.deep.equal(['mu', 'p', 'twice', 'x']);
      expect(tr.get('mu')!.type).to.equal('sample');
      expect(tr.get('mu')!.isObserved).to.equal(false);
      expect(tr.get('p')!.type).to.equal('param');
      expect(tr.get('twice')!.type).to.equal('deterministic');
      expect(tr.get('x')!.isObserved).to.equal(true);
      expectClose(tr.get('twice')!.value!, tf.mul(tr.get('mu')!.value!, 2));
      expectClose(tr.get('x')!.value!, 0.3);
    });
    it('rejects two sample sites with the same name, naming it', () => {
      const bad = () => {
        sample('z', new Normal(0, 1));
        sample('z', new Normal(0, 1));
      };
      expectVinferError(() => trace(seed(bad, 0)).getTrace(), ModelError, "'z' already exists");
    });
    it('adds a shape table to errors raised inside the traced model', () => {
      const bad = () => {
        sample('a', new Normal(tf.zeros([3]), 1));
        sample('b', new Normal(0, 1));
        sample('b', new Normal(0, 1));
      };
      const e = expectVinferError(() => trace(seed(bad, 0)).getTrace(), ModelError, 'Trace shapes');
      expect(e.message).to.contain('a  sample  [3]');
    });
  });

  describe('seed', () => {
    it('sampling a latent site without a seed tells the user to use handlers.seed', () => {
      expectVinferError(() => trace(model).getTrace(), ModelError, "sample('mu')", 'handlers.seed');
      expectVinferError(() => sample('q', new Normal(0, 1)), ModelError, 'handlers.seed');
    });
    it('the same key gives the same draws; different keys differ', () => {
      const draw = (k: number) => trace(seed(model, PRNGKey(k))).getTrace().get('mu')!.value!.dataSync()[0];
      expect(draw(1)).to.equal(draw(1));
      expect(draw(1)).to.not.equal(draw(2));
    });
    it('gives different sites independent keys', () => {
      const two = () => {
        sample('a', new Normal(0, 1));
        sample('b', new Normal(0, 1));
      };
      const tr = trace(seed(two, 3)).getTrace();
      expect(tr.get('a')!.value!.dataSync()[0]).to.not.equal(tr.get('b')!.value!.dataSync()[0]);
      expect(tr.get('a')!.key).to.not.deep.equal(tr.get('b')!.key);
    });
    it('a param initialised from a key needs a seed', () => {
      const f = () => param('w', (key) => new Normal(0, 1).sample(key, [2]));
      expectVinferError(() => f(), ModelError, "param('w')", 'handlers.seed');
      expect(seed(f, 0)().shape).to.deep.equal([2]);
    });
  });

  describe('substitute and condition', () => {
    it('substitute sets values without observing', () => {
      const tr = trace(substitute(seed(model, 0), { data: { mu: 1.5, p: 2 } })).getTrace();
      expectClose(tr.get('mu')!.value!, 1.5);
      expect(tr.get('mu')!.isObserved).to.equal(false);
      expectClose(tr.get('p')!.value!, 2);
      expectClose(tr.get('twice')!.value!, 3);
    });
    it('substituteFn is consulted for every site', () => {
      const tr = trace(substitute(seed(model, 0), { substituteFn: (s) => (s.name === 'mu' ? tf.scalar(-1) : undefined) })).getTrace();
      expectClose(tr.get('mu')!.value!, -1);
    });
    it('condition observes a latent site', () => {
      const tr = trace(condition(model, { mu: 0.25 })).getTrace();
      expect(tr.get('mu')!.isObserved).to.equal(true);
      expectClose(tr.get('mu')!.value!, 0.25);
    });
    it('substitute requires exactly one of data or substituteFn', () => {
      expectVinferError(() => substitute(model, {})(), ValueError, 'exactly one');
    });
  });

  describe('block', () => {
    it('hides sites from handlers outside it', () => {
      const tr = trace(block(seed(model, 0), { hide: ['mu'] })).getTrace();
      expect([...tr.keys()]).to.deep.equal(['p', 'twice', 'x']);
      const tr2 = trace(block(seed(model, 0), { expose: ['x'] })).getTrace();
      expect([...tr2.keys()]).to.deep.equal(['x']);
      const tr3 = trace(block(seed(model, 0))).getTrace();
      expect(tr3.size).to.equal(0);
      const tr4 = trace(block(seed(model, 0), { hideFn: (s) => s.type === 'param' })).getTrace();
      expect([...tr4.keys()]).to.deep.equal(['mu', 'twice', 'x']);
    });
    it('sites blocked from the seed handler get no key', () => {
      expectVinferError(() => seed(block(model, { hide: ['mu'] }), 0)(), ModelError, 'no PRNG key');
    });
  });

  describe('replay', () => {
    it('reuses latent values from a trace and leaves observed sites alone', () => {
      const guideTrace = trace(seed(() => sample('mu', new Normal(5, 0.1)), 4)).getTrace();
      const tr = trace(replay(seed(model, 0), guideTrace)).getTrace();
      expectClose(tr.get('mu')!.value!, guideTrace.get('mu')!.value!);
      expectClose(tr.get('x')!.value!, 0.3);
    });
  });

  describe('scale and mask', () => {
    it('scale multiplies the log-density of sample sites; nested scales multiply', () => {
      const sub = { mu: 0.5 };
      const base = logProbSum(trace(substitute(seed(model, 0), { data: sub })).getTrace()).dataSync()[0]!;
      const scaled = logProbSum(trace(scale(scale(substitute(seed(model, 0), { data: sub }), 2), 3)).getTrace()).dataSync()[0]!;
      expect(scaled).to.be.closeTo(6 * base, 1e-4);
      const expected = NORMAL_LOGPDF(0.5, 0, 1) + NORMAL_LOGPDF(0.3, 0.5, 0.5);
      expect(base).to.be.closeTo(expected, 1e-5);
    });
    it('scale rejects non-positive factors', () => {
      expectVinferError(() => scale(model, 0)(), ValueError, 'factor > 0', 'mask');
    });
    it('mask drops the log-density where false', () => {
      const f = () => sample('y', new Normal(0, 1), { obs: [0, 1, 2] });
      const tr = trace(mask(f, tf.tensor1d([1, 0, 1], 'bool'))).getTrace();
      expectClose(siteLogProb(tr.get('y')!)!, [NORMAL_LOGPDF(0, 0, 1), 0, NORMAL_LOGPDF(2, 0, 1)], { atol: 1e-5 });
      const tr2 = trace(mask(f, false)).getTrace();
      expectClose(logProbSum(tr2), 0);
    });
    it('factor adds an arbitrary term to the log-density', () => {
      const f = () => factor('pen', -2.5);
      expectClose(logProbSum(trace(f).getTrace()), -2.5);
    });
  });

  describe('nesting order', () => {
    class Tag extends Messenger {
      constructor(
        private readonly tag: string,
        private readonly log: string[],
        private readonly stopIt = false,
      ) {
        super();
      }
      override process(msg: Message): void {
        this.log.push(`process:${this.tag}`);
        if (this.stopIt) msg.stop = true;
      }
      override postprocess(): void {
        this.log.push(`post:${this.tag}`);
      }
    }
    it('processes innermost first and postprocesses outermost first (NumPyro order)', () => {
      const log: string[] = [];
      const outer = new Tag('outer', log);
      const inner = new Tag('inner', log);
      outer.run(() => inner.run(() => sample('z', new Normal(0, 1), { obs: 0 })));
      expect(log).to.deep.equal(['process:inner', 'process:outer', 'post:outer', 'post:inner']);
    });
    it('a stopping handler hides the site from handlers outside it', () => {
      const log: string[] = [];
      new Tag('outer', log).run(() => new Tag('inner-block', log, true).run(() => sample('z', new Normal(0, 1), { obs: 0 })));
      expect(log).to.deep.equal(['process:inner-block', 'post:inner-block']);
    });
    it('the stack is empty after a throw', () => {
      expect(() => trace(seed(() => { throw new Error('boom'); }, 0)).getTrace()).to.throw('boom');
      expect(STACK.length).to.equal(0);
    });
    it('a model that returns a Promise is rejected', () => {
      const asyncModel = async () => sample('z', new Normal(0, 1), { obs: 0 });
      expectVinferError(() => trace(seed(asyncModel, 0)).getTrace(), ModelError, 'synchronous');
    });
  });
});

describe('prngKey', () => {
  it('is null outside a seed handler and a fresh key inside one, repeatable for the same seed', () => {
    expect(prngKey()).to.equal(null);
    const a = seed(() => prngKey(), 5)();
    const b = seed(() => prngKey(), 5)();
    expect(a).to.not.equal(null);
    expect(a).to.deep.equal(b);
    expect(trace(seed(() => prngKey(), 5)).getTrace().size).to.equal(0);
  });
});
