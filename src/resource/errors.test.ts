import { describe, expect, it } from 'vitest';
import { BearerError, quote } from './errors.js';

describe('error answers (RFC 6750 §3)', () => {
  it('challenges a request without a token with the realm only (§3.1)', () => {
    const error = BearerError.missingToken();
    expect(error.status).toBe(401);
    expect(error.headers()).toEqual({ 'cache-control': 'no-store', 'www-authenticate': 'Bearer realm="api"' });
    expect(error.toJSON()).toEqual({
      error: 'missing_token',
      error_description: 'an access token is required (Authorization: Bearer <token>)',
    });
  });

  it('names invalid_token with its description', () => {
    const error = BearerError.invalidToken('the access token has expired');
    expect(error.status).toBe(401);
    expect(error.headers()).toEqual({
      'cache-control': 'no-store',
      'www-authenticate': 'Bearer realm="api", error="invalid_token", error_description="the access token has expired"',
    });
    expect(error.toJSON()).toEqual({ error: 'invalid_token', error_description: 'the access token has expired' });
  });

  it('adds the needed scope to insufficient_scope, a 403', () => {
    const error = BearerError.insufficientScope('the access token lacks the scope write', ['read', 'write']);
    expect(error.status).toBe(403);
    expect(error.headers()['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="the access token lacks the scope write", scope="read write"',
    );
  });

  it('answers invalid_request with 400 and a challenge', () => {
    const error = BearerError.invalidRequest('malformed Authorization header');
    expect(error.status).toBe(400);
    expect(error.headers()['www-authenticate']).toBe(
      'Bearer realm="api", error="invalid_request", error_description="malformed Authorization header"',
    );
  });

  it('answers an unavailable checker with 503, Retry-After and no challenge', () => {
    const error = BearerError.temporarilyUnavailable('the token introspection endpoint could not be reached');
    expect(error.status).toBe(503);
    expect(error.headers()).toEqual({ 'cache-control': 'no-store', 'retry-after': '1' });
    expect(error.toJSON().error).toBe('temporarily_unavailable');
  });

  it('uses the resource server realm', () => {
    const error = BearerError.invalidToken('x').withRealm('notes "v2"');
    expect(error.headers()['www-authenticate']).toBe(
      'Bearer realm="notes \\"v2\\"", error="invalid_token", error_description="x"',
    );
    expect(error.code).toBe('invalid_token');
  });

  it('escapes quotes and backslashes and drops characters a header cannot carry', () => {
    expect(quote('say "hi" \\ there')).toBe('"say \\"hi\\" \\\\ there"');
    expect(quote('line\r\nX-Evil: 1')).toBe('"line??X-Evil: 1"');
    expect(quote('café')).toBe('"caf?"');
    const header = BearerError.invalidToken('bad "token"\n').headers()['www-authenticate']!;
    expect(header).toBe('Bearer realm="api", error="invalid_token", error_description="bad \\"token\\"?"');
    expect(() => new Headers({ 'www-authenticate': header })).not.toThrow();
  });
});
