import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import type { ResourceOwnerAuthenticator } from '../ports.js';
import { TokenMinter } from '../tokens.js';
import {
  AUTHORIZATION_ENDPOINT_GRANT_TYPES,
  BUILT_IN_GRANT_TYPES,
  CLIENT_GRANT_TYPES,
  builtOnExtensionApi,
  createGrantRegistry,
  isExtensionGrantType,
  type GrantDependencies,
} from './registry.js';

describe('the grant registry', () => {
  it("lists the token endpoint's built-in grants once; implicit is a client grant type without a handler", () => {
    expect(BUILT_IN_GRANT_TYPES).toEqual([
      'authorization_code',
      'client_credentials',
      'password',
      'refresh_token',
      'urn:ietf:params:oauth:grant-type:token-exchange',
      'urn:ietf:params:oauth:grant-type:device_code',
      'urn:ietf:params:oauth:grant-type:jwt-bearer',
    ]);
    expect(AUTHORIZATION_ENDPOINT_GRANT_TYPES).toEqual(['implicit']);
    expect(CLIENT_GRANT_TYPES).toEqual([...BUILT_IN_GRANT_TYPES, 'implicit']);
  });

  it('builds one handler per built-in grant, named by its grant_type', () => {
    const clock = new ManualClock(1_700_000_000);
    const ids = { id: () => 'id', token: () => 'token', secret: () => 'secret' };
    const unused = () => Promise.reject(new Error('not called'));
    const resourceOwners: ResourceOwnerAuthenticator = { authenticate: unused };
    const deps: GrantDependencies = {
      store: {
        findAuthorizationCode: unused,
        redeemAuthorizationCode: unused,
        revokeFamily: unused,
        findUserById: unused,
        issueTokens: unused,
        findRefreshTokenWithUser: unused,
        rotateRefreshToken: unused,
        refuseForeignRefreshToken: unused,
        findAccessToken: unused,
      },
      minter: new TokenMinter({ accessTokenLifetime: 3600, refreshTokenLifetime: 86_400 }, clock, ids, {
        kind: 'opaque',
      }),
      clock,
      scopes: { supported: [], defaults: [] },
      resources: { defaultAudience: 'https://api.example' },
      refreshTokenGracePeriod: 0,
      resourceOwners,
      users: { findById: unused, findByLogin: unused },
      deviceCodes: { findDeviceCode: unused, pollDeviceCode: unused, redeemDeviceCode: unused },
    };
    const registry = createGrantRegistry(deps);
    expect([...registry.keys()]).toEqual(BUILT_IN_GRANT_TYPES);
    for (const [grantType, handler] of registry) expect(handler.grantType).toBe(grantType);
  });
});

describe('built-in grants on the extension API', () => {
  it('refuses a definition whose grant is built under another grant type', () => {
    const definition = builtOnExtensionApi('urn:example:one', () => ({
      grantType: 'urn:example:two',
      decide: () => ({ client: true }),
    }));
    expect(() => definition.create({} as GrantDependencies)).toThrow(/built as urn:example:two/);
  });

  it('wraps the grant in a handler named by its grant type', () => {
    const definition = builtOnExtensionApi('urn:example:one', () => ({
      grantType: 'urn:example:one',
      decide: () => ({ client: true }),
    }));
    expect(definition.create({} as GrantDependencies).grantType).toBe('urn:example:one');
  });
});

describe('extension grant types (RFC 6749 §4.5)', () => {
  it.each([
    'urn:ietf:params:oauth:grant-type:jwt-bearer',
    'urn:ietf:params:oauth:grant-type:device_code',
    'https://grants.example.com/delegation',
    'https://grants.example.com/x?version=2',
  ])('accepts the absolute URI %s', (grantType) => {
    expect(isExtensionGrantType(grantType)).toBe(true);
  });

  it.each(['password', 'jwt-bearer', 'urn', ':no-scheme', '1http://x', 'https://x.example/#frag', 'urn:a b', 'urn:'])(
    'refuses %j',
    (grantType) => {
      expect(isExtensionGrantType(grantType)).toBe(false);
    },
  );
});
