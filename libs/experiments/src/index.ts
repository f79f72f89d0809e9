export { registerExperimentEndpoints, type ExperimentDeps, type Experiments } from './experiments';
export type { MetricsReport, ScalarSummary } from './entity-metrics';
