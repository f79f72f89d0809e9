export { CHECKS, CHECK_IDS, type CheckId, type CheckResult, type Finding, type Status } from './checks';
export { DoctorInputError } from './compose-facts';
export { DOCTOR_USAGE, runDoctor, runDoctorCommand, type DoctorContext, type DoctorRun } from './doctor-command';
export { backendPorts, runningFacts } from './running-facts';
