import { isWardenError } from '@warden/errors';

/** The stable code a call was refused with (or the error's text when it is no WardenError); fails if the call succeeds. */
export async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return isWardenError(error) ? error.code : String(error);
  }
  throw new Error('expected a rejection');
}
