export { fileserverRoutes, type FileserverRoutes } from './fileserver-routes';
export { DEFAULT_MAX_PATH_BYTES, validateObjectPath } from './object-path';
export type { FileserverCaller, FileserverLimits, FileserverOptions } from './fileserver-options';
