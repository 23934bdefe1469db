/** Guides: the Guide extension point, the automatic guides and their init strategies. */
export { type Guide, type ModelFn, guideFunction } from './guide.js';
export {
  AutoGuide,
  AUTO_GUIDE_OPTION_KEYS,
  checkQuantiles,
  type AutoGuideOptions,
  type LatentSite,
  type PlateSpec,
  type SiteValues,
} from './auto-guide.js';
export { AutoNormal, type AutoNormalOptions } from './auto-normal.js';
export { AutoDelta, type AutoDeltaOptions } from './auto-delta.js';
export { AutoGuideList, type AutoGuideListOptions, type GuidePart } from './auto-guide-list.js';
export { AutoContinuous } from './auto-continuous.js';
export { AutoDiagonalNormal, type AutoDiagonalNormalOptions } from './auto-diagonal-normal.js';
export { AutoMultivariateNormal, type AutoMultivariateNormalOptions } from './auto-multivariate-normal.js';
export { AutoLowRankMultivariateNormal, type AutoLowRankMultivariateNormalOptions } from './auto-low-rank-multivariate-normal.js';
export { AutoLaplaceApproximation, type AutoLaplaceApproximationOptions } from './auto-laplace-approximation.js';
export { hessian, finiteDifferenceHessian, type HessianFn, type ScalarFn, type FiniteDifferenceOptions } from './hessian.js';
export {
  initToFeasible,
  initToMean,
  initToMedian,
  initToSample,
  initToUniform,
  initToValue,
  type InitStrategy,
  type InitToMedianOptions,
  type InitToUniformOptions,
  type InitToValueOptions,
} from './init-strategies.js';
export { MAX_INIT_ATTEMPTS, periodicRepeat, type Prototype } from './prototype.js';
