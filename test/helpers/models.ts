/** Small models with closed-form posteriors, shared by engine, loss and guide specs. */
import * as tf from '@tensorflow/tfjs';

import * as constraints from '../../src/distributions/constraints.js';
import { Normal } from '../../src/distributions/normal.js';
import { param, plate, sample } from '../../src/kernel/primitives.js';

/** Normal–Normal: mu ~ N(0, priorSd), x_i ~ N(mu, noiseSd). */
export function normalNormal(data: number[], priorSd = 1, noiseSd = 1) {
  const n = data.length;
  const sum = data.reduce((a, b) => a + b, 0);
  const postPrec = 1 / priorSd ** 2 + n / noiseSd ** 2;
  const exact = { mean: sum / noiseSd ** 2 / postPrec, sd: Math.sqrt(1 / postPrec) };
  const obs = tf.tensor1d(data);
  const model = () => {
    const mu = sample('mu', new Normal(0, priorSd));
    plate('data', n, () => sample('x', new Normal(mu, noiseSd), { obs }));
  };
  const guide = () => {
    const loc = param('loc', 0);
    const scale = param('scale', 1, { constraint: constraints.positive });
    sample('mu', new Normal(loc, scale));
  };
  return { model, guide, exact };
}
