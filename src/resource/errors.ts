/**
 * The answers a protected API gives when a request may not pass (RFC 6750 §3), in one place.
 * The adapters only copy `status`, `headers()` and `toJSON()` onto their framework's response.
 */

/**
 * - `invalid_request` (400): the request is malformed — a broken Authorization header, the
 *   token sent in two ways at once, a repeated `access_token` (RFC 6750 §3.1).
 * - `invalid_token` (401): the token is expired, revoked, forged or not meant for this API.
 * - `insufficient_scope` (403): the token is fine but lacks a scope this route needs.
 * - `missing_token` (401): no token at all. Not an RFC 6750 code: the WWW-Authenticate header
 *   then carries no error (§3.1); only the JSON body names it, so programs can tell it apart.
 * - `temporarily_unavailable` (503): the token could not be checked (introspection endpoint or
 *   JWKS down, or refusing this API's credentials). Not a 401: the token may be fine.
 */
export type BearerErrorCode =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'missing_token'
  | 'temporarily_unavailable';

const STATUS: Record<BearerErrorCode, number> = {
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  missing_token: 401,
  temporarily_unavailable: 503,
};

export interface BearerErrorOptions {
  /** The scopes the route needs, for the `scope` attribute of an insufficient_scope answer. */
  scope?: readonly string[];
  /** The realm named in WWW-Authenticate; the resource server fills in its own. */
  realm?: string;
  cause?: unknown;
}

export class BearerError extends Error {
  readonly status: number;
  readonly scope: readonly string[] | undefined;
  readonly realm: string;

  constructor(
    readonly code: BearerErrorCode,
    readonly description: string,
    options: BearerErrorOptions = {},
  ) {
    super(`${code}: ${description}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BearerError';
    this.status = STATUS[code];
    this.scope = options.scope;
    this.realm = options.realm ?? 'api';
  }

  /** The same error answered under another realm (the resource server's own). */
  withRealm(realm: string): BearerError {
    if (realm === this.realm) return this;
    return new BearerError(this.code, this.description, { scope: this.scope, realm, cause: this.cause });
  }

  /**
   * The response headers, lower-case names. Every answer is `Cache-Control: no-store`; the 400,
   * 401 and 403 answers carry the RFC 6750 §3 challenge; a 503 carries `Retry-After` instead.
   */
  headers(): Record<string, string> {
    const headers: Record<string, string> = { 'cache-control': 'no-store' };
    const challenge = this.challenge();
    if (challenge !== null) headers['www-authenticate'] = challenge;
    if (this.code === 'temporarily_unavailable') headers['retry-after'] = '1';
    return headers;
  }

  /** The `Bearer …` challenge, or null for a 503 (which is no authentication failure). */
  challenge(): string | null {
    if (this.code === 'temporarily_unavailable') return null;
    const attributes = [`realm=${quote(this.realm)}`];
    // §3.1: a request without any token gets no error information in the challenge.
    if (this.code !== 'missing_token') {
      attributes.push(`error=${quote(this.code)}`, `error_description=${quote(this.description)}`);
      if (this.scope && this.scope.length > 0) attributes.push(`scope=${quote(this.scope.join(' '))}`);
    }
    return `Bearer ${attributes.join(', ')}`;
  }

  toJSON(): { error: BearerErrorCode; error_description: string } {
    return { error: this.code, error_description: this.description };
  }

  static missingToken(description = 'an access token is required (Authorization: Bearer <token>)'): BearerError {
    return new BearerError('missing_token', description);
  }

  static invalidRequest(description: string): BearerError {
    return new BearerError('invalid_request', description);
  }

  static invalidToken(description: string, cause?: unknown): BearerError {
    return new BearerError('invalid_token', description, { cause });
  }

  static insufficientScope(description: string, scope: readonly string[]): BearerError {
    return new BearerError('insufficient_scope', description, { scope });
  }

  static temporarilyUnavailable(description: string, cause?: unknown): BearerError {
    return new BearerError('temporarily_unavailable', description, { cause });
  }
}

/**
 * An RFC 7230 quoted-string. RFC 6750 §3 allows only printable ASCII without `"` and `\` in
 * error_description, and a header value must never carry a line break: anything else becomes
 * `?`, and quotes and backslashes are escaped for good measure.
 */
export function quote(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, '?');
  return `"${printable.replace(/["\\]/g, (character) => `\\${character}`)}"`;
}
