/**
 * The jwt_bearer section and assertion_max_lifetime: trusted issuers must bring public keys
 * (inline or a URL, exactly one), a known subject mapping, and no issuer twice; the environment
 * gives the issuers as a JSON array.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load.js';

const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PUBLIC = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'idp-1' }] };
const PRIVATE = { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'idp-1' }] };

const withIssuers = (issuers: unknown[]) => () => loadConfig({ flags: { jwt_bearer: { issuers } } });

describe('jwt_bearer configuration', () => {
  it('accepts issuers with inline public keys or a jwks_uri, and reads them from the environment as JSON', () => {
    const config = loadConfig({
      env: {
        GATEHOUSE_JWT_BEARER_ISSUERS: JSON.stringify([
          { issuer: 'https://idp.example', jwks: PUBLIC, subject: 'username' },
          {
            issuer: 'https://ci.example',
            jwks_uri: 'https://ci.example/jwks',
            subject: 'client',
            allowed_clients: ['c1'],
          },
        ]),
        GATEHOUSE_ASSERTION_MAX_LIFETIME: '120',
      },
    });
    expect(config.jwt_bearer.issuers.map((issuer) => issuer.subject)).toEqual(['username', 'client']);
    expect(config.assertion_max_lifetime).toBe(120);
    expect(loadConfig({}).jwt_bearer.issuers).toEqual([]);
    expect(loadConfig({}).assertion_max_lifetime).toBe(300);
  });

  it('refuses private keys, both or neither key source, an unknown subject mapping and an issuer listed twice', () => {
    expect(withIssuers([{ issuer: 'https://idp.example', jwks: PRIVATE, subject: 'username' }])).toThrow(/private/);
    expect(
      withIssuers([
        { issuer: 'https://idp.example', jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }, subject: 'username' },
      ]),
    ).toThrow(ConfigError);
    expect(
      withIssuers([
        { issuer: 'https://idp.example', jwks: PUBLIC, jwks_uri: 'https://idp.example/jwks', subject: 'username' },
      ]),
    ).toThrow(/exactly one of jwks and jwks_uri/);
    expect(withIssuers([{ issuer: 'https://idp.example', subject: 'username' }])).toThrow(/exactly one/);
    expect(withIssuers([{ issuer: 'https://idp.example', jwks: PUBLIC, subject: 'email' }])).toThrow(/subject/);
    const twice = { issuer: 'https://idp.example', jwks: PUBLIC, subject: 'username' };
    expect(withIssuers([twice, twice])).toThrow(/listed twice/);
    expect(() => loadConfig({ env: { GATEHOUSE_JWT_BEARER_ISSUERS: '[{' } })).toThrow(ConfigError);
    expect(() => loadConfig({ flags: { assertion_max_lifetime: 86_400 } })).toThrow(/assertion_max_lifetime/);
  });
});
