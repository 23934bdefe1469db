import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { createContainer } from '../../src/kernel/container.js';
import { createSVI } from '../../src/kernel/create-svi.js';
import { RegistryError, ValueError } from '../../src/kernel/errors.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { disposeState } from '../../src/kernel/svi-state.js';
import { RenyiELBO } from '../../src/losses/renyi-elbo.js';
import { TraceELBO } from '../../src/losses/trace-elbo.js';
import { Adam } from '../../src/optim/adam.js';
import { expectVinferError, expectVinferErrorAsync } from '../helpers/assert.js';
import { normalNormal } from '../helpers/models.js';

describe('createSVI', () => {
  it('builds an SVI from registry names plus options and fits', async () => {
    const container = await createContainer();
    const { model, guide, exact } = normalNormal([0.9, 1.4, 0.2, 1.1, 0.7]);
    const svi = createSVI(container, { model, guide, optim: { name: 'adam', lr: 0.02 }, loss: { name: 'Trace_ELBO', numParticles: 4 } });
    expect(svi.optim).to.be.instanceOf(Adam);
    expect(svi.loss).to.be.instanceOf(TraceELBO);
    expect((svi.loss as TraceELBO).numParticles).to.equal(4);
    const { params, state } = await svi.run(PRNGKey(0), 1500, [], { progressBar: false });
    expect(params.loc!.dataSync()[0]).to.be.closeTo(exact.mean, 0.05);
    tf.dispose(Object.values(params));
    disposeState(state);
  });

  it('resolves aliases and every registered loss and optimiser', async () => {
    const container = await createContainer();
    const { model, guide } = normalNormal([1]);
    expect(createSVI(container, { model, guide, loss: 'RenyiELBO' }).loss).to.be.instanceOf(RenyiELBO);
    for (const e of container.registry.list('loss')) createSVI(container, { model, guide, loss: e.name });
    for (const e of container.registry.list('optimizer')) createSVI(container, { model, guide, optim: e.name });
  });

  it('an unknown name fails with a did-you-mean; a missing model with a ValueError', async () => {
    const container = await createContainer();
    const { model, guide } = normalNormal([1]);
    expectVinferError(() => createSVI(container, { model, guide, loss: 'Trace_ELOB' }), RegistryError, "Did you mean 'Trace_ELBO'");
    expectVinferError(() => createSVI(container, { model: undefined as never, guide }), ValueError, 'model');
    await expectVinferErrorAsync(async () => createSVI(container, { model, guide, optim: { name: 'adam', lr: -1 } }), ValueError, 'lr');
  });
});
