import { expect } from 'vitest';
import { OAuthError } from '../../src/core/errors.js';

/** The OAuthError `fn` throws; fails the test when it throws nothing or something else. */
export function thrownOAuthError(fn: () => unknown): OAuthError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthError);
    return error as OAuthError;
  }
  throw new Error('expected an OAuthError, but nothing was thrown');
}

/** The OAuthError `promise` rejects with; fails the test when it resolves or rejects otherwise. */
export async function rejectedOAuthError(promise: Promise<unknown>): Promise<OAuthError> {
  const outcome = await promise.then(
    () => null,
    (error: unknown) => error,
  );
  if (outcome === null) throw new Error('expected an OAuthError, but the promise resolved');
  expect(outcome).toBeInstanceOf(OAuthError);
  return outcome as OAuthError;
}
