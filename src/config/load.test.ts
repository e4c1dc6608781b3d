/**
 * What loadConfig says about names it does not know: an unknown key stops it and names the
 * nearest known key; an unknown GATEHOUSE_* variable is a warning naming the nearest known one.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, unknownEnvironmentWarnings, validateConfig } from './load.js';
import { configKeys, environmentVariable, environmentVariables } from './keys.js';

function configError(input: Record<string, unknown>): ConfigError {
  try {
    validateConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`validateConfig(${JSON.stringify(input)}) did not throw`);
}

describe('an unknown key', () => {
  it('names the nearest known key', () => {
    expect(configError({ acces_token_lifetim: 60 }).message).toBe(
      'invalid configuration: acces_token_lifetim: unknown setting (did you mean access_token_lifetime?)',
    );
    expect(configError({ databse: 'sqlite::memory:' }).message).toMatch(
      /databse: unknown setting \(did you mean database\?\)/,
    );
  });

  it('inside a section, names the nearest key of that section', () => {
    expect(configError({ registration: { enabeld: true } }).message).toMatch(
      /registration\.enabeld: unknown setting \(did you mean registration\.enabled\?\)/,
    );
    expect(configError({ mail: { templats: './t' } }).message).toMatch(
      /mail\.templats: unknown setting \(did you mean mail\.templates\?\)/,
    );
  });

  it('a section misspelt is found too', () => {
    expect(configError({ registraton: { enabled: true } }).message).toMatch(
      /registraton: unknown setting \(did you mean registration\?\)/,
    );
  });

  it('suggests nothing when nothing is near, and names every unknown key', () => {
    const { message } = configError({ frobnicate: 1, prot: 80 });
    expect(message).toMatch(/frobnicate: unknown setting(?! \()/);
    expect(message).toMatch(/prot: unknown setting \(did you mean port\?\)/);
  });
});

describe('an unknown GATEHOUSE_* variable', () => {
  it('is a warning naming the nearest known variable, and the rest still loads', () => {
    const warnings: string[] = [];
    const config = loadConfig({
      env: { GATEHOUSE_ACCES_TOKEN_LIFETIME: '60', GATEHOUSE_PORT: '9000' },
      warn: (message) => warnings.push(message),
    });
    expect(config.port).toBe(9000);
    expect(config.access_token_lifetime).toBe(3600);
    expect(warnings).toEqual([
      'GATEHOUSE_ACCES_TOKEN_LIFETIME is not a Gatehouse setting and is ignored ' +
        '(did you mean GATEHOUSE_ACCESS_TOKEN_LIFETIME?)',
    ]);
  });

  it('a section variable with a slip is matched to the section key', () => {
    expect(unknownEnvironmentWarnings({ GATEHOUSE_REGISTRATION_ENABLD: 'true' })).toEqual([
      'GATEHOUSE_REGISTRATION_ENABLD is not a Gatehouse setting and is ignored ' +
        '(did you mean GATEHOUSE_REGISTRATION_ENABLED?)',
    ]);
  });

  it('without a near name, says only that it is ignored', () => {
    expect(unknownEnvironmentWarnings({ GATEHOUSE_SOMETHING_ELSE_ENTIRELY: '1' })).toEqual([
      'GATEHOUSE_SOMETHING_ELSE_ENTIRELY is not a Gatehouse setting and is ignored',
    ]);
  });

  it('the shared GATEHOUSE_ prefix makes no two names alike: only the rest of the name is compared', () => {
    // With the prefix counted, RATE_LIMIT_REDIS_URL was "near" (8 edits in a 24-character name).
    expect(unknownEnvironmentWarnings({ GATEHOUSE_TEST_REDIS_URL: 'redis://x' })).toEqual([
      'GATEHOUSE_TEST_REDIS_URL is not a Gatehouse setting and is ignored',
    ]);
  });

  it("every variable a setting reads, GATEHOUSE_DATABASE_URL and other programs' variables give no warning", () => {
    const env: NodeJS.ProcessEnv = { PATH: '/bin', HOME: '/root', GATEHOUSE_DATABASE_URL: 'sqlite::memory:' };
    for (const key of configKeys) env[environmentVariable(key)] = 'x';
    expect(unknownEnvironmentWarnings(env)).toEqual([]);
    expect(environmentVariables).toContain('GATEHOUSE_REGISTRATION_ENABLED');
    expect(environmentVariables).toContain('GATEHOUSE_RATE_LIMIT_REDIS_URL');
  });

  it('is told through process.emitWarning when no warn is given', async () => {
    const emitted: string[] = [];
    const listener = (warning: Error) => emitted.push(warning.message);
    process.on('warning', listener);
    try {
      loadConfig({ env: { GATEHOUSE_PROT: '1' } });
      // emitWarning delivers on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', listener);
    }
    expect(emitted).toEqual([
      'GATEHOUSE_PROT is not a Gatehouse setting and is ignored (did you mean GATEHOUSE_PORT?)',
    ]);
  });
});

describe('outbound_fetch', () => {
  it('allows loopback by default only for a development issuer (http:// on a loopback host)', () => {
    const allowed = (input: Record<string, unknown>) => validateConfig(input).outbound_fetch.allow_loopback;
    expect(allowed({})).toBe(true); // http://127.0.0.1:8080
    expect(allowed({ issuer: 'http://localhost:3000' })).toBe(true);
    expect(allowed({ issuer: 'http://[::1]:3000' })).toBe(true);
    expect(allowed({ issuer: 'http://127.0.0.2/auth' })).toBe(true);
    expect(allowed({ issuer: 'https://localhost:3000' })).toBe(false);
    expect(allowed({ issuer: 'https://login.example.com' })).toBe(false);
    expect(allowed({ issuer: 'http://login.example.com' })).toBe(false);
    expect(allowed({ issuer: 'http://10.0.0.5:8080' })).toBe(false);
    expect(allowed({ host: '0.0.0.0' })).toBe(false); // http://0.0.0.0:8080: listening on every interface
    // Said outright, it wins either way.
    expect(allowed({ issuer: 'https://login.example.com', outbound_fetch: { allow_loopback: true } })).toBe(true);
    expect(allowed({ outbound_fetch: { allow_loopback: false } })).toBe(false);
  });

  it('reads its limits from the environment and checks their bounds', () => {
    const config = loadConfig({
      env: {
        GATEHOUSE_OUTBOUND_FETCH_TIMEOUT: '2',
        GATEHOUSE_OUTBOUND_FETCH_MAX_BYTES: '4096',
        GATEHOUSE_OUTBOUND_FETCH_ALLOW_LOOPBACK: 'false',
      },
    });
    expect(config.outbound_fetch).toEqual({ timeout: 2, max_bytes: 4096, allow_loopback: false });
    expect(validateConfig({}).outbound_fetch).toEqual({ timeout: 5, max_bytes: 524_288, allow_loopback: true });
    expect(configError({ outbound_fetch: { timeout: 0 } }).message).toMatch(/outbound_fetch\.timeout/);
    expect(configError({ outbound_fetch: { max_bytes: 100 } }).message).toMatch(/outbound_fetch\.max_bytes/);
    expect(configError({ outbound_fetch: { max_byte: 100 } }).message).toMatch(
      /outbound_fetch\.max_byte: unknown setting \(did you mean outbound_fetch\.max_bytes\?\)/,
    );
  });
});

describe('access_token_format: jwt without key_encryption_key', () => {
  it('is valid on a SQLite file, whose key is generated in <database>.kek (the README walk-through sets only the format)', () => {
    const config = validateConfig({ access_token_format: 'jwt', database: 'sqlite:./data/gatehouse.db' });
    expect(config.access_token_format).toBe('jwt');
    expect(config.key_encryption_key).toBeUndefined();
  });

  it('is refused on PostgreSQL, where every node needs the same key and none can invent it', () => {
    expect(
      configError({ access_token_format: 'jwt', database: 'postgres://postgres@127.0.0.1:5432/gatehouse' }).message,
    ).toMatch(/key_encryption_key: is required when access_token_format is jwt/);
  });
});
