import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { ValueError } from '../../src/kernel/errors.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { positive, simplex } from '../../src/distributions/constraints.js';
import { ImproperUniform } from '../../src/distributions/improper-uniform.js';
import { expectClose, expectVinferError } from '../helpers/assert.js';

describe('ImproperUniform', () => {
  it('has logProb 0 with shape sample ++ batch, for batch [2] and event [3]', () => {
    tf.tidy(() => {
      const d = new ImproperUniform(positive, [2], [3]);
      expect(d.support.eventDim).to.equal(1);
      expect(d.support.name).to.equal('independent(positive, 1)');
      const lp = d.logProb(tf.ones([5, 2, 3]));
      expect(lp.shape).to.deep.equal([5, 2]);
      expectClose(lp, 0);
    });
  });
  it('rejects values outside the support', () => {
    tf.tidy(() => {
      expectVinferError(() => new ImproperUniform(positive, [2]).logProb(tf.tensor1d([1, -1])), ValueError, 'ImproperUniform.logProb', 'positive');
    });
  });
  it('cannot be sampled: sample and rsample throw a ValueError that says what to do', () => {
    const d = new ImproperUniform(positive, [2]);
    expectVinferError(() => d.sample(PRNGKey(0)), ValueError, 'ImproperUniform.sample', 'initToUniform');
    expectVinferError(() => d.rsample(PRNGKey(0)), ValueError, 'ImproperUniform');
  });
  it('rejects an event shape shorter than the support needs', () => {
    expectVinferError(() => new ImproperUniform(simplex, [2], []), ValueError, 'ImproperUniform', 'simplex');
  });
});
