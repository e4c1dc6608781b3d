import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * CSRF tokens for the sign-in pages. Each browser holds a random secret in an HttpOnly cookie;
 * a form's token is an HMAC of that secret over the form's purpose and the session it acts
 * for. A cross-site page can neither read the cookie nor compute the token, and a token made
 * for one session or form is useless for another. Nothing is stored on the server.
 */
export type CsrfPurpose =
  | 'login'
  | 'consent'
  | 'logout'
  | 'end-session'
  | 'register'
  | 'confirm'
  | 'reset-request'
  | 'reset-password'
  | 'account'
  | 'email-confirm'
  | 'device'
  | 'device-consent';

export function csrfToken(secret: string, purpose: CsrfPurpose, sessionIdHash: string | null): string {
  return createHmac('sha256', secret)
    .update(`${purpose}\n${sessionIdHash ?? ''}`)
    .digest('base64url');
}

export function csrfTokenValid(
  presented: string | undefined,
  secret: string | undefined,
  purpose: CsrfPurpose,
  sessionIdHash: string | null,
): boolean {
  if (!presented || !secret) return false;
  const expected = Buffer.from(csrfToken(secret, purpose, sessionIdHash));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
