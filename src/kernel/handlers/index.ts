/** The `handlers` namespace: each handler wraps a function and returns one. */
export { trace, TraceMessenger, type Traced } from './trace.js';
export { seed, SeedMessenger } from './seed.js';
export { substitute, SubstituteMessenger, type SubstituteOptions } from './substitute.js';
export { condition, ConditionMessenger } from './condition.js';
export { block, BlockMessenger, type BlockOptions } from './block.js';
export { replay, ReplayMessenger } from './replay.js';
export { scale, ScaleMessenger } from './scale.js';
export { mask, MaskMessenger } from './mask.js';
