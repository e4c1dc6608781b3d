/**
 * What a token endpoint answer must look like (RFC 6749 §5.1/§5.2), shared by the token
 * endpoint's in-process tests and the CLI tests that check a running server afterwards.
 */
import { expect } from 'vitest';
import type { HttpResult } from '../helpers/server.js';

/** 256 random bits, base64url: 43 characters at least. */
export const TOKEN_VALUE = /^[A-Za-z0-9_-]{43,}$/;
export const BAD_CREDENTIALS = 'invalid username or password';

export function expectNoStore(res: HttpResult): void {
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('pragma')).toBe('no-cache');
}

/** An RFC 6749 §5.2 error: exact status and code, JSON, never cached. */
export function expectError(res: HttpResult, status: number, code: string): void {
  expect({ status: res.status, error: res.json?.error }, res.text).toEqual({ status, error: code });
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(typeof res.json.error_description).toBe('string');
  expectNoStore(res);
}

/** An RFC 6749 §5.1 success; `refresh` says whether a refresh token must (or must not) be there. */
export function expectTokens(res: HttpResult, { scope, refresh }: { scope: string; refresh: boolean }) {
  expect(res.status, res.text).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expectNoStore(res);
  const keys = ['access_token', 'token_type', 'expires_in', 'scope', ...(refresh ? ['refresh_token'] : [])];
  expect(Object.keys(res.json).sort()).toEqual(keys.sort());
  expect(res.json).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope });
  expect(res.json.access_token).toMatch(TOKEN_VALUE);
  if (refresh) {
    expect(res.json.refresh_token).toMatch(TOKEN_VALUE);
    expect(res.json.refresh_token).not.toBe(res.json.access_token);
  }
  return res.json as {
    access_token: string;
    token_type: string;
    expires_in: number;
    scope: string;
    refresh_token?: string;
  };
}
