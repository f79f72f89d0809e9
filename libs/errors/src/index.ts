export { ERROR_TABLE, WardenError, isWardenError, type ErrorCode } from './errors';
