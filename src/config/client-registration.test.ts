/**
 * The client_registration settings: what stops start-up (with the key and the reason), what the
 * environment can say, and the software statement keys read from a file.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientRegistrationConfig, softwareStatementKeys } from './client-registration.js';
import { ConfigError, loadConfig, validateConfig } from './load.js';

function problem(input: Record<string, unknown>): string {
  try {
    validateConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`accepted: ${JSON.stringify(input)}`);
}

describe('client_registration settings', () => {
  let dir: string;
  let jwks: { keys: Record<string, unknown>[] };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-dcr-config-'));
    const { publicKey } = await generateKeyPair('ES256', { extractable: true });
    jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1' }] };
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('defaults to off, with a narrow policy', () => {
    const config = validateConfig({});
    expect(config.client_registration).toMatchObject({
      mode: 'off',
      allowed_grant_types: ['authorization_code', 'refresh_token'],
      requests_per_address: 10,
      max_clients: 1000,
    });
    expect(clientRegistrationConfig(config, (path) => path)).toBeNull();
  });

  it('the default scopes are the OpenID ones and default_scope', () => {
    const config = validateConfig({
      supported_scopes: ['read', 'write'],
      default_scope: 'read',
      client_registration: { mode: 'open' },
    });
    expect(clientRegistrationConfig(config, (path) => path)?.settings.policy.scopes).toEqual([
      'openid',
      'profile',
      'email',
      'read',
    ]);
  });

  it('refuses unknown modes, grant types and auth methods, scopes not supported, statements required without keys', () => {
    expect(problem({ client_registration: { mode: 'yes' } })).toMatch(/client_registration\.mode/);
    expect(problem({ client_registration: { allowed_grant_types: ['magic'] } })).toMatch(/allowed_grant_types/);
    expect(problem({ client_registration: { allowed_auth_methods: ['tls_client_auth'] } })).toMatch(
      /allowed_auth_methods/,
    );
    expect(problem({ client_registration: { allowed_scopes: ['admin'] } })).toMatch(
      /client_registration\.allowed_scopes.*admin.*supported_scopes/,
    );
    expect(problem({ client_registration: { require_software_statement: true } })).toMatch(
      /require_software_statement/,
    );
    expect(
      problem({ client_registration: { software_statement_jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } } }),
    ).toMatch(/software_statement_jwks/);
    expect(problem({ client_registration: { max_clients: 0 } })).toMatch(/max_clients/);
  });

  it('takes the mode and the keys from the environment (the key set as JSON)', () => {
    const config = loadConfig({
      env: {
        GATEHOUSE_CLIENT_REGISTRATION_MODE: 'initial_access_token',
        GATEHOUSE_CLIENT_REGISTRATION_SOFTWARE_STATEMENT_JWKS: JSON.stringify(jwks),
        GATEHOUSE_CLIENT_REGISTRATION_MAX_CLIENTS: '5',
      },
    });
    expect(config.client_registration).toMatchObject({ mode: 'initial_access_token', max_clients: 5 });
    expect(softwareStatementKeys(config.client_registration)).toEqual(jwks);
  });

  it('reads the keys from a file at start-up; a missing or bad file is a configuration error naming the key', async () => {
    const path = join(dir, 'statements.json');
    await writeFile(path, JSON.stringify(jwks));
    const section = (file: string) =>
      validateConfig({ client_registration: { mode: 'open', software_statement_jwks_file: file } }).client_registration;
    expect(softwareStatementKeys(section(path))).toEqual(jwks);
    const failure = (file: string) => {
      try {
        softwareStatementKeys(section(file));
      } catch (error) {
        expect((error as Error).name).toBe('ConfigError');
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(failure(join(dir, 'missing.json'))).toMatch(/software_statement_jwks_file: .*missing\.json: not found/);
    const notJson = join(dir, 'bad.json');
    await writeFile(notJson, 'not json');
    expect(failure(notJson)).toMatch(/not valid JSON/);
    const privateKey = join(dir, 'private.json');
    await writeFile(privateKey, JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }));
    expect(failure(privateKey)).toMatch(/private or symmetric/);
  });
});
