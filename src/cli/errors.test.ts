import { describe, expect, it } from 'vitest';
import { TemplateError } from '../accounts/mail/templates.js';
import { AccountError } from '../accounts/users.js';
import { ConfigError } from '../config/load.js';
import { ClientRegistrationError } from '../core/clients.js';
import { KeyDecryptionError } from '../core/keys.js';
import { isUsageError, UsageError } from './errors.js';

describe('isUsageError', () => {
  // main.ts tells misuse (exit code 2) by the error's name: a renamed class would turn into exit code 1.
  it.each([UsageError, ConfigError, AccountError, ClientRegistrationError, KeyDecryptionError, TemplateError])(
    '%o is misuse',
    (type) => {
      expect(isUsageError(new (type as new (message: string) => Error)('bad'))).toBe(true);
    },
  );

  it('any other error is not', () => {
    expect(isUsageError(new Error('boom'))).toBe(false);
    expect(isUsageError(Object.assign(new TypeError('x'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isUsageError({ name: 'UsageError', message: 'not an Error' })).toBe(false);
    expect(isUsageError(undefined)).toBe(false);
  });
});
