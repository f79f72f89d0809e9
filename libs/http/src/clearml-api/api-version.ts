/**
 * What Warden tells ClearML clients about itself. The SDK reads these from the token and from
 * server.info to decide which request shapes to use, so they name the ClearML server release whose
 * API Warden implements.
 */
export const CLEARML_API_VERSION = '2.31';
export const CLEARML_SERVER_VERSION = '1.17.0';
export const CLEARML_FEATURE_SET = 'basic';

/** Compares `major.minor` versions numerically: '2.9' < '2.13'. */
export function compareVersions(a: string, b: string): number {
  const [aMajor, aMinor] = a.split('.').map(Number);
  const [bMajor, bMinor] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}
