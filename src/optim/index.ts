/** Optimisers, gradient transformations, learning-rate schedules and state (de)serialisation. */
export type { Optimizer, OptimizerState, Params, Schedule, StateTree } from './optimizer.js';
export type { LearningRate, PerParameterOptions } from './options.js';
export { PerParameterOptimizer } from './per-parameter.js';
export type { StepInput, StepOutput, Slots } from './per-parameter.js';
export { Adam, adam, type AdamOptions } from './adam.js';
export { SGD, sgd, type SGDOptions } from './sgd.js';
export { RMSProp, rmsprop, type RMSPropOptions } from './rmsprop.js';
export { Adagrad, adagrad, type AdagradOptions } from './adagrad.js';
export { Adamax, adamax, type AdamaxOptions } from './adamax.js';
export { ClippedAdam, clippedAdam, type ClippedAdamOptions } from './clipped-adam.js';
export { Chain, chain, isGradientTransformation, type GradientTransformation, type TransformSlots } from './chain.js';
export { clipByGlobalNorm, clipByValue } from './clip.js';
export {
  constantSchedule,
  cosineDecay,
  exponentialDecay,
  joinSchedules,
  linearSchedule,
  piecewiseConstant,
  polynomialSchedule,
  warmupCosineDecay,
  type CosineDecayOptions,
  type ExponentialDecayOptions,
  type LinearScheduleOptions,
  type PiecewiseConstantOptions,
  type PolynomialScheduleOptions,
  type WarmupCosineDecayOptions,
} from './schedules.js';
export { cloneTree, disposeTree, treeFromJSON, treeTensors, treeToJSON, treeToJSONAsync, type JsonValue, type TensorJSON } from './state.js';
