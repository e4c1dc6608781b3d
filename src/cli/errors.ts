/** The user called the CLI wrongly: one line on stderr, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * The errors that mean the CLI was called wrongly (bad flags, invalid values, unknown names): one
 * line, exit code 2. Told apart by name rather than `instanceof`, so that main.ts need not load
 * the modules that define them (accounts, keys, clients, mail templates) before a command runs;
 * errors.test.ts checks each class still carries its name.
 */
const USAGE_ERROR_NAMES = new Set([
  'UsageError',
  'ConfigError',
  'AccountError',
  'ClientRegistrationError',
  'KeyDecryptionError',
  'TemplateError',
]);

export function isUsageError(error: unknown): error is Error {
  return error instanceof Error && USAGE_ERROR_NAMES.has(error.name);
}
