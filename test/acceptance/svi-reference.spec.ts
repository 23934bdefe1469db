/**
 * The SVI engine against exact posteriors: Pyro's coin tutorial at its two settings, and the
 * NumPyro lesson's linear regression with its hand-written mean-field guide.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';

import { betaMoments, guide as coinGuide, model as coinModel, tosses } from '../../examples/coin.js';
import { data as linregData, guide as linregGuide, model as linregModel } from '../../examples/linear-regression.js';
import { PRNGKey } from '../../src/kernel/rng.js';
import { SVI } from '../../src/kernel/svi.js';
import { disposeState } from '../../src/kernel/svi-state.js';
import { TraceELBO } from '../../src/losses/trace-elbo.js';
import { Adam } from '../../src/optim/adam.js';
import { exponentialDecay } from '../../src/optim/schedules.js';

async function fitCoin(lr: number, steps: number, seed: number): Promise<{ mean: number; sd: number }> {
  const svi = new SVI(coinModel, coinGuide, new Adam({ lr, betas: [0.9, 0.999] }), new TraceELBO());
  const { params, state } = await svi.run(PRNGKey(seed), steps, [tosses], { progressBar: false });
  const m = betaMoments(params.alpha_q!.dataSync()[0]!, params.beta_q!.dataSync()[0]!);
  tf.dispose(Object.values(params));
  disposeState(state);
  return m;
}

describe('SVI against exact posteriors (acceptance)', () => {
  // Exact posterior Beta(16, 14): mean 16/30, sd 0.0896.
  it("coin, Pyro's tutorial settings (Adam 0.0005, 2000 steps): guide mean within 0.01 of 16/30 @slow", async () => {
    const { mean } = await fitCoin(0.0005, 2000, 0);
    expect(mean).to.be.closeTo(16 / 30, 0.01);
  });

  it('coin, Adam 0.005 for 4000 steps: mean within 0.005 and sd within 10% of Beta(16, 14) (last 3000 iterates averaged) @slow', async () => {
    // At a constant lr of 0.005 the last iterate still wanders: over seeds 0-7 its mean has an sd
    // of about 0.007 around 16/30 (Pyro's one printed run: 0.5363). Averaging the iterates after
    // step 1000 (Polyak-Ruppert; the fit converges within ~100 steps) brings that sd to ~0.0015,
    // so 0.005 is over 3 sd; the last iterate is checked at 0.02.
    const svi = new SVI(coinModel, coinGuide, new Adam({ lr: 0.005, betas: [0.9, 0.999] }), new TraceELBO());
    let sumLogA = 0;
    let sumLogB = 0;
    const sub = svi.events$.subscribe((e) => {
      if (e.type === 'step' && e.step > 1000) {
        sumLogA += e.state.params.alpha_q!.dataSync()[0]!;
        sumLogB += e.state.params.beta_q!.dataSync()[0]!;
      }
    });
    const { params, state } = await svi.run(PRNGKey(1), 4000, [tosses], { progressBar: false });
    sub.unsubscribe();
    const last = betaMoments(params.alpha_q!.dataSync()[0]!, params.beta_q!.dataSync()[0]!);
    const avg = betaMoments(Math.exp(sumLogA / 3000), Math.exp(sumLogB / 3000));
    expect(avg.mean).to.be.closeTo(16 / 30, 0.005);
    expect(avg.sd).to.be.closeTo(0.0896, 0.1 * 0.0896);
    expect(last.mean).to.be.closeTo(16 / 30, 0.02);
    expect(last.sd).to.be.closeTo(0.0896, 0.1 * 0.0896);
    tf.dispose(Object.values(params));
    disposeState(state);
  });

  it('linear regression, hand-written mean-field guide: guide means within 0.03 (w), 0.15 (b), 0.2 (s) of the exact posterior @slow', async () => {
    // Exact posterior means by numerical integration: w 0.5149, b -0.6894, s 1.399. A mean-field
    // Gaussian guide is biased (Pyro's AutoNormal: w 0.547, b -0.709, s 1.33), so the learning rate
    // decays to let the guide settle at its optimum rather than read a noisy last step.
    const lr = exponentialDecay({ initValue: 0.02, transitionSteps: 3000, decayRate: 0.1 });
    const svi = new SVI(linregModel, linregGuide, new Adam({ lr }), new TraceELBO({ numParticles: 4, vectorizeParticles: false }));
    const { params, state } = await svi.run(PRNGKey(0), 3000, linregData(), { progressBar: false });
    const v = (k: string) => params[k]!.dataSync()[0]!;
    const sMean = Math.exp(v('s_log_loc') + v('s_log_scale') ** 2 / 2);
    expect(v('w_loc')).to.be.closeTo(0.5149, 0.03);
    expect(v('b_loc')).to.be.closeTo(-0.6894, 0.15);
    expect(sMean).to.be.closeTo(1.399, 0.2);
    tf.dispose(Object.values(params));
    disposeState(state);
  });
});
