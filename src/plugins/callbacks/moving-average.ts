/** The mean of the last `window` values pushed, for smoothing noisy per-step ELBO losses. */
export class MovingAverage {
  private readonly buf: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(readonly window: number) {
    this.buf = new Float64Array(window);
  }

  push(x: number): void {
    this.buf[this.next] = x;
    this.next = (this.next + 1) % this.window;
    if (this.filled < this.window) this.filled++;
  }

  /** Number of values in the window (at most `window`). */
  get count(): number {
    return this.filled;
  }

  /** True once `window` values have been pushed. */
  get full(): boolean {
    return this.filled === this.window;
  }

  /**
   * Mean of the values in the window (NaN when empty). Summed afresh on each call rather than kept
   * as a running sum, so one NaN or Infinity stops counting once it leaves the window.
   */
  mean(): number {
    if (this.filled === 0) return NaN;
    let s = 0;
    for (let i = 0; i < this.filled; i++) s += this.buf[i]!;
    return s / this.filled;
  }
}
