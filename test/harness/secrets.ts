/**
 * Holding output against secrets: a record of the secret values a test used, and a check that
 * a text holds none of them (nor any 16-character piece of one). Shared by the server's log
 * checks (test/e2e/secrets-not-logged.test.ts) and the CLI's (test/cli/secrets-not-printed.test.ts).
 */
import { expect } from 'vitest';

/** Fails naming the secret (by label) and the place, if `text` contains it or any 16-character piece of it. */
export function expectNoSecrets(text: string, secrets: Map<string, string>, where: string): void {
  const leaks: string[] = [];
  for (const [label, secret] of secrets) {
    const pieces =
      secret.length <= 16 ? [secret] : Array.from({ length: secret.length - 15 }, (_, i) => secret.slice(i, i + 16));
    const forms = new Set([...pieces, encodeURIComponent(secret)]);
    if ([...forms].some((piece) => text.includes(piece))) leaks.push(label);
  }
  expect(leaks, `secrets found in ${where}`).toEqual([]);
}

/** Records a secret value under a label; fails when the value is not a plausible secret. */
export function secretBook() {
  const secrets = new Map<string, string>();
  const remember = (label: string, value: string | null | undefined): string => {
    expect(typeof value === 'string' && value.length >= 8, `${label} should be a secret string`).toBe(true);
    secrets.set(label, value as string);
    return value as string;
  };
  return { secrets, remember };
}
