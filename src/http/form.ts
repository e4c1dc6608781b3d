import { OAuthError } from '../core/errors.js';

const FORM_CONTENT_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/**
 * Parses an application/x-www-form-urlencoded body into single-valued parameters.
 * RFC 6749 §3.2: parameters MUST NOT be repeated; §3.1: an empty value counts as absent.
 */
export function parseFormBody(contentType: string | undefined, body: unknown): Map<string, string> {
  if (!contentType || !FORM_CONTENT_TYPE.test(contentType)) {
    throw OAuthError.invalidRequest('the request body must be application/x-www-form-urlencoded');
  }
  const params = new Map<string, string>();
  const seen = new Set<string>();
  for (const [name, value] of new URLSearchParams(typeof body === 'string' ? body : '')) {
    if (seen.has(name)) throw OAuthError.invalidRequest(`parameter repeated: ${name.slice(0, 40)}`);
    seen.add(name);
    // No OAuth parameter carries a NUL, and PostgreSQL text cannot hold one.
    if (name.includes('\0') || value.includes('\0')) throw OAuthError.invalidRequest('parameters must not contain NUL characters');
    if (value !== '') params.set(name, value);
  }
  return params;
}
