export type { CheckId, CheckResult } from './checks';
export { runDoctor, runDoctorCommand, type DoctorContext, type DoctorRun } from './doctor-command';
export { backendPorts, runningFacts } from './running-facts';
