import { describe, expect, it } from 'vitest';
import { thrownOAuthError } from '../../test/helpers/errors.js';
import { allowedScopesFor, grantScope, narrowScope, parseScope } from './scopes.js';

const invalidScope = (fn: () => unknown) => thrownOAuthError(fn).code;

describe('parseScope (RFC 6749 §3.3)', () => {
  it('treats an absent or empty parameter as no request', () => {
    expect(parseScope(undefined)).toBeNull();
    expect(parseScope('')).toBeNull();
  });

  it('splits on single spaces and removes duplicates', () => {
    expect(parseScope('read write read')).toEqual(['read', 'write']);
  });

  it.each([['read  write'], [' read'], ['read '], ['re"ad'], ['re\\ad'], ['read\twrite'], ['lecture\u00e9']])(
    'refuses the malformed scope %j',
    (value) => {
      expect(invalidScope(() => parseScope(value))).toBe('invalid_scope');
    },
  );
});

describe('granting scopes', () => {
  it('limits a client to its own list, within the supported scopes', () => {
    expect(allowedScopesFor(null, ['read', 'write'])).toEqual(['read', 'write']);
    expect(allowedScopesFor(['write', 'gone'], ['read', 'write'])).toEqual(['write']);
  });

  it('grants exactly what was requested when it is allowed', () => {
    expect(grantScope(['write'], ['read', 'write'], ['read'])).toEqual(['write']);
  });

  it('refuses a scope the client is not allowed', () => {
    expect(invalidScope(() => grantScope(['admin'], ['read'], []))).toBe('invalid_scope');
  });

  it('defaults to default_scope narrowed to the client, never to every supported scope', () => {
    expect(grantScope(null, ['read', 'write'], ['read'])).toEqual(['read']);
    expect(grantScope(null, ['write'], ['read'])).toEqual([]);
  });

  it('lets a refresh narrow the original scope but never widen it', () => {
    expect(narrowScope(null, ['read', 'write'])).toEqual(['read', 'write']);
    expect(narrowScope(['read'], ['read', 'write'])).toEqual(['read']);
    expect(invalidScope(() => narrowScope(['admin'], ['read']))).toBe('invalid_scope');
  });
});
