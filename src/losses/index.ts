export { ELBO, type ELBOOptions, getTraces, checkModelGuide } from './elbo.js';
export { TraceELBO, type TraceELBOOptions, elboParticle } from './trace-elbo.js';
export { TraceMeanFieldELBO } from './trace-mean-field-elbo.js';
export { RenyiELBO, type RenyiELBOOptions } from './renyi-elbo.js';
export { TraceGraphELBO } from './trace-graph-elbo.js';
export { TraceEnumELBO, type TraceEnumELBOOptions } from './trace-enum-elbo.js';
