/** Number and duration formatting shared by the console logger and the progress bar. */

/** A loss for humans: 6 significant digits, exponent form only for very large or small values. */
export function formatLoss(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e7 || a < 1e-4)) return x.toExponential(4);
  return Number(x.toPrecision(6)).toString();
}

/** Steps per second with three significant digits (at least the integer part). */
export function formatRate(x: number): string {
  if (!Number.isFinite(x)) return '?';
  return x >= 100 ? Math.round(x).toString() : x.toPrecision(3);
}

/** A duration as m:ss or h:mm:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A number for JSON: non-finite values as the strings "NaN", "Infinity", "-Infinity" (JSON has none). */
export function jsonNumber(x: number): number | string {
  return Number.isFinite(x) ? x : String(x);
}

/** The default clock: a monotonic millisecond counter. */
export const defaultClock = (): number => performance.now();
