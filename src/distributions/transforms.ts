/**
 * The `transforms` namespace: bijections between constrained spaces, used by bijectTo,
 * TransformedDistribution and the automatic guides. The code lives in three files:
 * transform-base.ts (Transform, Identity, InverseTransform, Compose, IndependentTransform),
 * transforms-elementwise.ts (Exp, Affine, Sigmoid, Softplus, Tanh, Power) and
 * transforms-matrix.ts (StickBreaking, Ordered, LowerCholesky, SoftplusLowerCholesky,
 * CorrCholesky, Cholesky, CorrMatrixCholesky).
 */
export { Compose, IndependentTransform, Identity, InverseTransform, Transform } from './transform-base.js';
export type { ComposeOptions } from './transform-base.js';
export { Affine, Exp, FLOAT32_EPS, FLOAT32_TINY, Power, Sigmoid, Softplus, Tanh } from './transforms-elementwise.js';
export type { AffineOptions, ExpOptions } from './transforms-elementwise.js';
export {
  Cholesky,
  CorrCholesky,
  CorrMatrixCholesky,
  LowerCholesky,
  Ordered,
  SoftplusLowerCholesky,
  StickBreaking,
} from './transforms-matrix.js';
