import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { Normal } from '../../src/distributions/normal.js';
import { ModelError, ValueError } from '../../src/kernel/errors.js';
import { replay, seed, trace } from '../../src/kernel/handlers/index.js';
import { param, plate, sample, subsample } from '../../src/kernel/primitives.js';
import { siteLogProbSum } from '../../src/kernel/trace-data.js';
import { expectClose, expectVinferError } from '../helpers/assert.js';

describe('plate', () => {
  it('broadcasts a scalar site to the plate size at dim -1 and records the frame', () => {
    const tr = trace(seed(() => plate('data', 5, () => sample('x', new Normal(0, 1))), 0)).getTrace();
    const x = tr.get('x')!;
    expect(x.value!.shape).to.deep.equal([5]);
    expect(x.fn!.batchShape).to.deep.equal([5]);
    expect(x.condIndepStack).to.deep.equal([{ name: 'data', dim: -1, size: 5, subsampleSize: 5 }]);
  });

  it('nested plates take the next free dims from the right', () => {
    const m = () => plate('a', 3, () => plate('b', 4, () => sample('x', new Normal(0, 1))));
    const tr = trace(seed(m, 0)).getTrace();
    expect(tr.get('x')!.value!.shape).to.deep.equal([4, 3]);
    expect(tr.get('x')!.condIndepStack.map((f) => [f.name, f.dim])).to.deep.equal([
      ['b', -2],
      ['a', -1],
    ]);
  });

  it('honours explicit dims', () => {
    const m = () => plate('a', 3, () => plate('b', 4, () => sample('x', new Normal(0, 1)), { dim: -1 }), { dim: -2 });
    const tr = trace(seed(m, 0)).getTrace();
    expect(tr.get('x')!.value!.shape).to.deep.equal([3, 4]);
  });

  it('rejects a dim already used by an enclosing plate', () => {
    const m = () => plate('a', 3, () => plate('b', 4, () => 0, { dim: -1 }), { dim: -1 });
    expectVinferError(() => seed(m, 0)(), ModelError, "plate('b')", 'dim -1');
  });

  it('a site whose batch size disagrees with the plate fails naming plate, site and both sizes', () => {
    const m = () => plate('data', 5, () => sample('x', new Normal(tf.zeros([3]), 1)));
    expectVinferError(() => seed(m, 0)(), ModelError, "sample('x')", "plate('data')", 'size 5', 'size 3');
  });

  it('scales log-densities by size / subsampleSize', () => {
    const m = () => plate('data', 100, () => sample('y', new Normal(0, 1), { obs: tf.zeros([10]) }), { subsampleSize: 10 });
    const tr = trace(seed(m, 0)).getTrace();
    const y = tr.get('y')!;
    expect(y.scale).to.equal(10);
    expectClose(siteLogProbSum(y)!, 10 * 10 * (-0.5 * Math.log(2 * Math.PI)), { rtol: 1e-5 });
  });

  it('draws subsample indices from the key: reproducible, distinct, in range', () => {
    const m = () => plate('data', 1000, (idx) => idx, { subsampleSize: 20 });
    const a = Array.from(seed(m, 1)().dataSync());
    const b = Array.from(seed(m, 1)().dataSync());
    const c = Array.from(seed(m, 2)().dataSync());
    expect(a).to.deep.equal(b);
    expect(a).to.not.deep.equal(c);
    expect(new Set(a).size).to.equal(20);
    expect(a.every((i) => i >= 0 && i < 1000)).to.equal(true);
  });

  it('the same plate entered twice in one run uses the same indices', () => {
    const m = () => {
      const i1 = plate('data', 50, (idx) => idx, { subsampleSize: 5 });
      const i2 = plate('data', 50, (idx) => idx, { subsampleSize: 5 });
      return [i1, i2] as const;
    };
    const [i1, i2] = seed(m, 3)();
    expect(Array.from(i1.dataSync())).to.deep.equal(Array.from(i2.dataSync()));
  });

  it('replay reuses the subsample indices of a trace', () => {
    const m = () => plate('data', 50, (idx) => idx, { subsampleSize: 5 });
    const tr = trace(seed(m, 3)).getTrace();
    const again = replay(seed(m, 99), tr)();
    expectClose(again, tr.get('data')!.value!);
  });

  it('explicit subsample indices are used as given', () => {
    const m = () => plate('data', 10, (idx) => idx, { subsample: [1, 4, 7] });
    expect(Array.from(m().dataSync())).to.deep.equal([1, 4, 7]);
  });

  it('subsample() slices data along the plate dim; params of full size are sliced too', () => {
    const data = tf.range(0, 20).reshape([10, 2]);
    const m = () =>
      plate(
        'rows',
        10,
        () => {
          const d = subsample(data, 1);
          const p = param('loc', tf.range(0, 10), {});
          return [d, p] as const;
        },
        { subsample: [2, 5] },
      );
    const [d, p] = m();
    expect(Array.from(d.dataSync())).to.deep.equal([4, 5, 10, 11]);
    expect(Array.from(p.dataSync())).to.deep.equal([2, 5]);
  });

  it('subsampling without a seed fails with a message naming the plate', () => {
    const m = () => plate('data', 100, (i) => i, { subsampleSize: 10 });
    expectVinferError(() => trace(m).getTrace(), ModelError, "plate('data')", 'handlers.seed');
  });

  it('validates size and subsampleSize', () => {
    expectVinferError(() => plate('p', 0, () => 0), ValueError, 'size');
    expectVinferError(() => plate('p', 5, () => 0, { subsampleSize: 6 }), ValueError, 'subsampleSize');
  });
});
