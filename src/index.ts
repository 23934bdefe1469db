/** vinfer: stochastic variational inference for TypeScript on TensorFlow.js. */
import * as tf from '@tensorflow/tfjs';

import { registerShims } from './kernel/shims.js';

export { tf };
export { PRNGKey, split, foldIn } from './kernel/rng.js';
export * from './kernel/errors.js';
export * as dist from './distributions/index.js';
export { constraints, transforms, bijectTo, registerBijection, klDivergence, registerKL, enableValidation } from './distributions/index.js';
export type { TensorLike } from './distributions/tensor-like.js';
export { sample, param, plate, deterministic, factor, subsample, prngKey } from './kernel/primitives.js';
export type { SampleOptions, ParamOptions, PlateOptions } from './kernel/primitives.js';
export type { Message, Site, SiteType, PlateFrame, InferConfig } from './kernel/runtime.js';
export { Messenger } from './kernel/runtime.js';
export type { Trace } from './kernel/trace-data.js';
export { siteLogProb, logProbSum, formatShapes } from './kernel/trace-data.js';
export * as handlers from './kernel/handlers/index.js';
export { setBackend } from './kernel/backend.js';
export type { SetBackendOptions } from './kernel/backend.js';
export { Registry, PLUGIN_KINDS } from './kernel/registry.js';
export type { PluginKind, PluginMeta, PluginClass, PluginOptions, PluginSpec, RegistryEntry, RegistryLoadOptions } from './kernel/registry.js';
export { createContainer, TOKENS } from './kernel/container.js';
export type { VinferContainer, CreateContainerOptions, GuideFactory, GuideModel, PluginInstances } from './kernel/container.js';
export type { Backend } from './plugins/backends/backend.js';
export { Adam, SGD, RMSProp, Adagrad, Adamax, ClippedAdam, Chain } from './optim/index.js';
export { adam, sgd, rmsprop, adagrad, adamax, clippedAdam, chain, clipByGlobalNorm, clipByValue } from './optim/index.js';
export {
  constantSchedule,
  exponentialDecay,
  cosineDecay,
  piecewiseConstant,
  polynomialSchedule,
  linearSchedule,
  joinSchedules,
  warmupCosineDecay,
} from './optim/index.js';
export { treeToJSON, treeToJSONAsync, treeFromJSON, cloneTree, disposeTree } from './optim/index.js';
export type {
  Optimizer,
  OptimizerState,
  Params,
  Schedule,
  StateTree,
  LearningRate,
  PerParameterOptions,
  GradientTransformation,
  AdamOptions,
  SGDOptions,
  RMSPropOptions,
  AdagradOptions,
  AdamaxOptions,
  ClippedAdamOptions,
  JsonValue,
} from './optim/index.js';
export {
  EarlyStopping,
  ConsoleLogger,
  JsonlLogger,
  Checkpoint,
  ProgressBar,
  TerminateOnNaN,
  loadCheckpoint,
  loadCheckpointWithMeta,
} from './plugins/callbacks/index.js';
export type {
  EarlyStoppingOptions,
  ConsoleLoggerOptions,
  JsonlLoggerOptions,
  JsonlRecord,
  CheckpointOptions,
  LoadCheckpointOptions,
  LoadedCheckpoint,
  ProgressBarOptions,
  ProgressStream,
  TerminateOnNaNOptions,
} from './plugins/callbacks/index.js';
export { SVI } from './kernel/svi.js';
export type { SVIRunOptions } from './kernel/svi.js';
export type { SVIState, SVIRunResult } from './kernel/svi-state.js';
export { stateToJSON, stateFromJSON, disposeState } from './kernel/svi-state.js';
export { ofType } from './kernel/events.js';
export type { SVIEvent, SVIEventType, RunContext, Callback } from './kernel/events.js';
export { createSVI } from './kernel/create-svi.js';
export type { SVISpecs } from './kernel/create-svi.js';
export { Predictive } from './kernel/predictive.js';
export type { PredictiveOptions } from './kernel/predictive.js';
export { Importance } from './kernel/importance.js';
export type { ImportanceOptions, ImportanceResult } from './kernel/importance.js';
export { ELBO, TraceELBO, TraceMeanFieldELBO, RenyiELBO } from './losses/index.js';
export type { ELBOOptions, TraceELBOOptions, RenyiELBOOptions } from './losses/index.js';
export { TraceGraphELBO, TraceEnumELBO } from './losses/index.js';
export type { TraceEnumELBOOptions } from './losses/index.js';
export type { Guide, ModelFn } from './guides/guide.js';
export { AutoGuide, AutoNormal, AutoDelta, AutoGuideList } from './guides/index.js';
export {
  AutoContinuous,
  AutoDiagonalNormal,
  AutoMultivariateNormal,
  AutoLowRankMultivariateNormal,
  AutoLaplaceApproximation,
  hessian,
  finiteDifferenceHessian,
} from './guides/index.js';
export type {
  AutoDiagonalNormalOptions,
  AutoMultivariateNormalOptions,
  AutoLowRankMultivariateNormalOptions,
  AutoLaplaceApproximationOptions,
  HessianFn,
} from './guides/index.js';
export { initToMedian, initToMean, initToUniform, initToSample, initToFeasible, initToValue } from './guides/index.js';
export type {
  AutoGuideOptions,
  AutoNormalOptions,
  AutoDeltaOptions,
  AutoGuideListOptions,
  GuidePart,
  InitStrategy,
  LatentSite,
  PlateSpec,
  SiteValues,
} from './guides/index.js';
export { stopGradient } from './kernel/autodiff.js';
export { posteriorSummary } from './report/posterior.js';
export { formatSummary } from './report/summary.js';
export type { SummaryRow } from './report/summary.js';
export { registerShims };

// vinfer's tfjs gradient fixes (zero gradients for comparisons, nested gradients of exp, sigmoid,
// tanh, softmax and pow) apply as soon as vinfer is imported.
registerShims();
