// Mocha root setup: every spec runs on the cpu backend unless it switches explicitly.
import * as tf from '@tensorflow/tfjs';

import '../../src/index.js';

export const mochaHooks = {
  async beforeAll(): Promise<void> {
    tf.env().set('IS_TEST', true);
    await tf.setBackend('cpu');
    await tf.ready();
  },
};
