// Mocha root setup: every spec runs on the cpu backend unless it switches explicitly.
import * as tf from '@tensorflow/tfjs';

import '../../src/index.js';

// Set before any spec module creates a tensor at load time (it also silences tfjs's Node banner).
tf.env().set('IS_TEST', true);

export const mochaHooks = {
  async beforeAll(): Promise<void> {
    await tf.setBackend('cpu');
    await tf.ready();
  },
};
