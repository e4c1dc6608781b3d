/**
 * What loadConfig says about names it does not know: an unknown key stops it and names the
 * nearest known key; an unknown GATEHOUSE_* variable is a warning naming the nearest known one.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, unknownEnvironmentWarnings, validateConfig } from './load.js';
import { configKeys, environmentVariable, environmentVariables } from './schema.js';

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
