import { expect } from 'chai';

import { SiteTracker } from '../../src/cli/site-tracker.js';
import { PRNGKey, dist, handlers, sample } from '../../src/index.js';

describe('SiteTracker', () => {
  const model = (fail: 'between' | 'none'): void => {
    sample('a', new dist.Normal(0, 1));
    if (fail === 'between') throw new Error('boom');
    sample('b', new dist.Normal(0, 1));
  };

  it('names the last site completed before an error thrown between sites', () => {
    const t = new SiteTracker();
    const m = t.wrap(model, 'model');
    expect(() => handlers.seed(m, PRNGKey(0))('between')).to.throw('boom');
    expect(t.describe()).to.equal("in the model after sample('a')");
  });

  it('names the site being processed when the error comes from inside it', () => {
    const t = new SiteTracker();
    const m = t.wrap(model, 'model');
    expect(() => m('none')).to.throw(/no PRNG key/); // unseeded: sample('a') itself fails
    expect(t.describe()).to.equal("in the model at sample('a')");
  });

  it('returns to the outer program after a nested one completes, and says when both completed', () => {
    const t = new SiteTracker();
    const m = t.wrap(model, 'model');
    const guide = t.wrap((): void => {
      handlers.block(() => handlers.seed(m, PRNGKey(1))('none'))();
      throw new Error('guide bug');
    }, 'guide');
    expect(() => guide()).to.throw('guide bug');
    expect(t.describe()).to.equal('in the guide before its first site');
    handlers.seed(m, PRNGKey(2))('none');
    expect(t.describe()).to.equal("after the model ran (its last site: sample('b')), while computing the loss");
  });
});
