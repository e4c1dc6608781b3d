import { describe, expect, it } from 'vitest';
import { OAuthError } from '../errors.js';
import { checkOidcRequest, reauthenticationNeeded, withoutIgnoredOfflineAccess } from './authorization-request.js';

const params = (values: Record<string, string>) => new Map(Object.entries(values));

async function errorOf(values: Record<string, string>, frontChannelTokens = false): Promise<string> {
  try {
    await checkOidcRequest(params(values), 'client-1', frontChannelTokens, undefined);
  } catch (error) {
    if (error instanceof OAuthError) return error.code;
    throw error;
  }
  return 'accepted';
}

describe('OpenID authorization request checks', () => {
  it('reads prompt, max_age, login_hint, nonce and ui_locales', async () => {
    const checked = await checkOidcRequest(
      params({ prompt: 'login consent', max_age: '0', login_hint: 'ada', nonce: 'n', ui_locales: 'fr-CA fr' }),
      'client-1',
      false,
      undefined,
    );
    expect([...checked.prompt]).toEqual(['login', 'consent']);
    expect(checked).toMatchObject({ maxAge: 0, loginHint: 'ada', nonce: 'n', uiLocales: ['fr-CA', 'fr'] });
  });

  it('refuses what Core 3.1.2.1, 6 and 7.2.1 refuse, each with its code', async () => {
    expect(await errorOf({ prompt: 'none consent' })).toBe('invalid_request');
    expect(await errorOf({ prompt: 'select_account' })).toBe('invalid_request');
    expect(await errorOf({ max_age: '1.5' })).toBe('invalid_request');
    expect(await errorOf({ max_age: '12345678901' })).toBe('invalid_request');
    expect(await errorOf({ nonce: 'x'.repeat(256) })).toBe('invalid_request');
    expect(await errorOf({ id_token_hint: 'a.b.c' })).toBe('invalid_request');
    expect(await errorOf({ request: 'x' })).toBe('request_not_supported');
    expect(await errorOf({ request_uri: 'https://a.example/r' })).toBe('request_uri_not_supported');
    expect(await errorOf({ registration: '{}' })).toBe('registration_not_supported');
    expect(await errorOf({}, true)).toBe('invalid_request');
    expect(await errorOf({ nonce: 'n' }, true)).toBe('accepted');
  });

  it('offline_access only with a code (Core 11)', () => {
    expect(withoutIgnoredOfflineAccess(['openid', 'offline_access'], true)).toEqual(['openid', 'offline_access']);
    expect(withoutIgnoredOfflineAccess(['openid', 'offline_access'], false)).toEqual(['openid']);
  });

  it('re-authentication: prompt=login and max_age ask once; a sign-in since the request answers it', () => {
    const login = { prompt: new Set(['login'] as const), maxAge: undefined };
    const maxAge = (seconds: number) => ({ prompt: new Set<never>(), maxAge: seconds });
    expect(reauthenticationNeeded(null, 0, 1000, undefined)).toBe(false);
    expect(reauthenticationNeeded(login, 999, 1000, undefined)).toBe(true);
    expect(reauthenticationNeeded(login, 999, 1000, 1000)).toBe(true);
    expect(reauthenticationNeeded(login, 1000, 1005, 1000)).toBe(false);
    expect(reauthenticationNeeded(maxAge(0), 1000, 1000, undefined)).toBe(true);
    expect(reauthenticationNeeded(maxAge(60), 941, 1000, undefined)).toBe(false);
    expect(reauthenticationNeeded(maxAge(60), 940, 1000, undefined)).toBe(true);
  });
});
