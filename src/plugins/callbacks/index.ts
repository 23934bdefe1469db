/** The built-in callback plugins. Importing this module also makes ProgressBar the engine's default bar. */
export { EarlyStopping, type EarlyStoppingOptions } from './early-stopping.js';
export { ConsoleLogger, type ConsoleLoggerOptions } from './console-logger.js';
export { JsonlLogger, type JsonlLoggerOptions, type JsonlRecord } from './jsonl-logger.js';
export {
  Checkpoint,
  type CheckpointOptions,
  loadCheckpoint,
  loadCheckpointWithMeta,
  type LoadCheckpointOptions,
  type LoadedCheckpoint,
} from './checkpoint.js';
export { ProgressBar, type ProgressBarOptions, type ProgressStream } from './progress-bar.js';
export { TerminateOnNaN, type TerminateOnNaNOptions } from './terminate-on-nan.js';
