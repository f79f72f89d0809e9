export { registerExperimentEndpoints, type ExperimentDeps, type Experiments } from './experiments';
