/**
 * `bijectTo(constraint)`: the transform from unconstrained space onto a constraint (NumPyro's
 * biject_to). Parameters and auto-guide latents live unconstrained and are mapped through it.
 *
 * The table is keyed by constraint class; a lookup walks the class's prototype chain, so a
 * subclass inherits its parent's bijection unless it registers its own. Users add their own
 * constraints with `registerBijection(MyConstraint, (c) => transform)`.
 */
import { ValueError } from '../kernel/errors.js';
import {
  BooleanConstraint,
  type Constraint,
  CorrCholesky as CorrCholeskyConstraint,
  CorrMatrix,
  GreaterThan,
  GreaterThanEq,
  IndependentConstraint,
  IntegerGreaterThan,
  IntegerInterval,
  Interval,
  LessThan,
  LowerCholesky as LowerCholeskyConstraint,
  OrderedVector,
  PositiveDefinite,
  Real,
  Simplex,
  Sphere,
  positive,
  unitInterval,
} from './constraints.js';
import { strictGap } from './constraint-base.js';
import { Compose, IndependentTransform, Identity, type Transform } from './transform-base.js';
import { Affine, Exp, Sigmoid } from './transforms-elementwise.js';
import { Cholesky, CorrCholesky, CorrMatrixCholesky, LowerCholesky, Ordered, StickBreaking } from './transforms-matrix.js';

/** A constraint class, as a key of the bijection table. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ConstraintClass<C extends Constraint = Constraint> = abstract new (...args: any[]) => C;
/** Builds the transform onto one constraint instance. */
export type BijectionFactory<C extends Constraint = Constraint> = (constraint: C) => Transform;

const TABLE = new Map<ConstraintClass, BijectionFactory>();

/**
 * Registers (or replaces) the bijection for a constraint class and its subclasses.
 * @param cls - the constraint class, e.g. `constraints.Interval` or a user's own
 * @param factory - builds the transform from real space onto one instance of `cls`
 * @public
 */
export function registerBijection<C extends Constraint>(cls: ConstraintClass<C>, factory: BijectionFactory<C>): void {
  TABLE.set(cls as ConstraintClass, factory as BijectionFactory);
}

/**
 * The transform from unconstrained space onto `constraint`.
 * @throws {ValueError} for a discrete constraint, or one with no registered bijection
 * @example
 * const t = bijectTo(constraints.positive); // Exp
 * const sigma = t.forward(unconstrained);
 * @public
 */
export function bijectTo(constraint: Constraint): Transform {
  if (constraint.isDiscrete) {
    throw new ValueError(
      `bijectTo: constraint '${constraint.name}' is discrete, so no bijection from unconstrained space exists. ` +
        'Observe such sites, or enumerate them (TraceEnum_ELBO)',
    );
  }
  for (let proto = Object.getPrototypeOf(constraint); proto !== null; proto = Object.getPrototypeOf(proto)) {
    const factory = TABLE.get(proto.constructor as ConstraintClass);
    if (factory !== undefined) return factory(constraint);
  }
  throw new ValueError(
    `bijectTo: no bijection is registered for constraint '${constraint.name}'. ` +
      'Register one with registerBijection(ConstraintClass, (c) => transform)',
  );
}

function discrete(c: Constraint): Transform {
  throw new ValueError(`bijectTo: constraint '${c.name}' is discrete, so no bijection from unconstrained space exists`);
}

registerBijection(Real, () => new Identity());

// x > a: a + exp(x). For a number bound the exp is floored at a gap that keeps a + exp(x)
// strictly above a in float32 (exp(-20) alone is absorbed by any |a| above ~0.02).
registerBijection(GreaterThan, (c) => {
  const a = c.lowerBound;
  if (a === 0) return new Exp();
  const exp = new Exp(typeof a === 'number' ? { floor: strictGap(a) } : {});
  return new Compose([exp, new Affine(a, 1, { domain: positive, codomain: c })], { codomain: c });
});
registerBijection(GreaterThanEq, (c) => {
  const a = c.lowerBound;
  // Exp maps onto x > 0, inside x >= 0; the Compose only reports the constraint asked for.
  if (a === 0) return new Compose([new Exp()], { codomain: c });
  return new Compose([new Exp(), new Affine(a, 1, { domain: positive, codomain: c })], { codomain: c });
});
registerBijection(LessThan, (c) => {
  const b = c.upperBound;
  const exp = new Exp(typeof b === 'number' ? { floor: strictGap(b) } : {});
  return new Compose([exp, new Affine(b, -1, { domain: positive, codomain: c })], { codomain: c });
});

// [a, b]: a + (b - a) sigmoid(x). The interval is closed, so float32 rounding onto a bound is fine.
registerBijection(Interval, (c) => {
  if (c === unitInterval) return new Sigmoid();
  return new Compose([new Sigmoid(), new Affine(c.lowerBound, c.width, { domain: unitInterval, codomain: c })], {
    codomain: c,
  });
});

registerBijection(IndependentConstraint, (c) => new IndependentTransform(bijectTo(c.baseConstraint), c.reinterpretedBatchNdims));
registerBijection(Simplex, () => new StickBreaking());
registerBijection(OrderedVector, () => new Ordered());
registerBijection(LowerCholeskyConstraint, () => new LowerCholesky());
registerBijection(CorrCholeskyConstraint, () => new CorrCholesky());
registerBijection(PositiveDefinite, (c) => new Compose([new LowerCholesky(), new Cholesky().inv], { codomain: c }));
registerBijection(CorrMatrix, (c) => new Compose([new CorrCholesky(), new CorrMatrixCholesky().inv], { codomain: c }));
registerBijection(Sphere, () => {
  throw new ValueError(
    'bijectTo: constraint \'sphere\' has no bijection from unconstrained space (the sphere is compact). ' +
      'Parameterise a free vector and normalise it in the model instead',
  );
});
for (const cls of [BooleanConstraint, IntegerInterval, IntegerGreaterThan] as ConstraintClass[]) registerBijection(cls, discrete);
