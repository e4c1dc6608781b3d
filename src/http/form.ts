import { OAuthError, truncate } from '../core/errors.js';
import { isMultiValued, RequestParameters } from '../core/params.js';

const FORM_CONTENT_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;

export interface ParsedParameters {
  /**
   * Each parameter's first value; an empty value counts as absent (RFC 6749 §3.1). Every value of
   * a multi-valued name (`resource`, `audience`) is kept too: read those with core/params.ts allValues.
   */
  params: RequestParameters;
  /**
   * Names that appeared more than once, which RFC 6749 §3.1 and §3.2 forbid; the multi-valued
   * names are listed too, and each endpoint decides whether it accepts them repeated.
   */
  repeated: string[];
}

/** Parses a query string or form body. A NUL character is refused: no OAuth parameter carries one. */
export function parseParameters(encoded: string): ParsedParameters {
  const params = new RequestParameters();
  const seen = new Set<string>();
  const repeated: string[] = [];
  for (const [name, value] of new URLSearchParams(encoded)) {
    // PostgreSQL text cannot hold a NUL either.
    if (name.includes('\0') || value.includes('\0'))
      throw OAuthError.invalidRequest('parameters must not contain NUL characters');
    if (seen.has(name)) {
      if (!repeated.includes(name)) repeated.push(name);
      // Only a multi-valued name keeps its later values; for any other the request is refused.
      if (!isMultiValued(name)) continue;
    }
    seen.add(name);
    if (value !== '') params.add(name, value);
  }
  return { params, repeated };
}

/** The query string of a request URL (without the "?"), or "". */
export function queryOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q + 1);
}

/** Checks the body is a form and parses it into parameters (repeats reported, not refused). */
export function parseFormParameters(contentType: string | undefined, body: unknown): ParsedParameters {
  if (!contentType || !FORM_CONTENT_TYPE.test(contentType)) {
    throw OAuthError.invalidRequest('the request body must be application/x-www-form-urlencoded');
  }
  return parseParameters(typeof body === 'string' ? body : '');
}

/**
 * A form body whose parameters must each appear once (the token endpoint, RFC 6749 §3.2), except
 * the multi-valued names (`resource`, `audience`: core/params.ts), whose values allValues reads.
 */
export function parseFormBody(contentType: string | undefined, body: unknown): RequestParameters {
  const { params, repeated } = parseFormParameters(contentType, body);
  const refused = repeated.find((name) => !isMultiValued(name));
  if (refused !== undefined) throw OAuthError.invalidRequest(`parameter repeated: ${truncate(refused)}`);
  return params;
}

/**
 * The body of a page's form (sign-in, sign-out, consent, registration, reset, account). Every
 * field of these forms is single-valued: a repeated one is refused, never resolved by "first
 * wins" (RFC 6749 §3.1), so a value planted before the real one cannot decide what the form
 * does. With `fields`, any other field is refused too. Page routes turn the error into a 400
 * page.
 */
export function parsePageForm(
  contentType: string | undefined,
  body: unknown,
  fields?: readonly string[],
): ParsedParameters {
  if (!contentType || !FORM_CONTENT_TYPE.test(contentType)) {
    throw OAuthError.invalidRequest('the form must be sent as application/x-www-form-urlencoded');
  }
  const text = typeof body === 'string' ? body : '';
  const parsed = parseParameters(text);
  if (parsed.repeated.length > 0)
    throw OAuthError.invalidRequest(`the form field '${truncate(parsed.repeated[0]!)}' was sent more than once`);
  if (fields) {
    for (const [name] of new URLSearchParams(text)) {
      if (!fields.includes(name))
        throw OAuthError.invalidRequest(`the form has an unexpected field '${truncate(name)}'`);
    }
  }
  return parsed;
}
