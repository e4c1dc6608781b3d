/**
 * Every protocol error Gatehouse can answer, spelled in one place (RFC 6749 §5.2).
 * Core throws these; only the HTTP layer turns them into a status, JSON body and headers.
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  /** RFC 8707 §2: a `resource` is invalid, unknown, malformed or not allowed. */
  | 'invalid_target'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'not_found'
  // RFC 8628 §3.5: the device authorization grant's polling answers.
  | 'authorization_pending'
  | 'slow_down'
  | 'expired_token'
  // RFC 6750 §3.1: a protected resource's answers (userinfo).
  | 'invalid_token'
  | 'insufficient_scope'
  // OpenID Connect Core §3.1.2.6: prompt=none could not be answered without showing a page.
  | 'login_required'
  | 'consent_required'
  | 'interaction_required'
  // OpenID Connect Core §6.1, §6.2, §7.2.1: parameters Gatehouse does not support.
  | 'request_not_supported'
  | 'request_uri_not_supported'
  | 'registration_not_supported'
  // RFC 7591 §3.2.2: dynamic client registration's answers.
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'invalid_software_statement'
  | 'unapproved_software_statement';

/**
 * RFC 6749 §5.2 / §4.1.2.1: error_description is limited to %x20-21 / %x23-5B / %x5D-7E
 * (printable ASCII without `"` and `\`). Descriptions are written to fit, and anything a request
 * put in them is forced to fit here, once for every error.
 */
function describableText(text: string): string {
  return text
    .replace(/"/g, "'")
    .replace(/\\/g, '/')
    .replace(/§/g, 'section ')
    .replace(/…/g, '...')
    .replace(/[^\x20-\x7e]/g, '?');
}

export class OAuthError extends Error {
  readonly description: string;

  constructor(
    readonly code: OAuthErrorCode,
    description: string,
    readonly status: number = 400,
    /** Extra response headers, e.g. WWW-Authenticate for a failed Basic authentication. */
    readonly headers: Record<string, string> = {},
  ) {
    const allowed = describableText(description);
    super(`${code}: ${allowed}`);
    this.description = allowed;
    this.name = 'OAuthError';
  }

  /**
   * Said instead of `description` where the request's own text must not be echoed: at a
   * client's redirect URI, a description quoting the request would let anyone send a victim to
   * the real client with words of their choosing. Set by withoutEcho on errors that quote input.
   */
  redirectDescription: string | undefined;

  /**
   * The client the failed request was about, when known though the request failed (userinfo: the
   * client of an expired token). The HTTP layer logs it and answers CORS for that client's pages.
   */
  clientId: string | undefined;

  /** Says which client the failed request was about. */
  aboutClient(clientId: string): this {
    this.clientId = clientId;
    return this;
  }

  /** This error's description quotes the request; `generic` says the same without quoting it. */
  withoutEcho(generic: string): this {
    this.redirectDescription = describableText(generic);
    return this;
  }

  /** This error as it may be sent to a redirect URI: no text taken from the request. */
  forRedirect(): OAuthError {
    return this.redirectDescription === undefined
      ? this
      : new OAuthError(this.code, this.redirectDescription, this.status);
  }

  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.code, error_description: this.description };
  }

  static invalidRequest(description: string): OAuthError {
    return new OAuthError('invalid_request', description);
  }

  /**
   * RFC 6749 §5.2: 401 for a failed client authentication; when the client tried
   * HTTP Basic, the answer MUST carry WWW-Authenticate with that scheme.
   */
  static invalidClient(description: string, triedBasic: boolean): OAuthError {
    const headers: Record<string, string> = triedBasic
      ? { 'www-authenticate': 'Basic realm="gatehouse", charset="UTF-8"' }
      : {};
    return new OAuthError('invalid_client', description, 401, headers);
  }

  static invalidGrant(description: string): OAuthError {
    return new OAuthError('invalid_grant', description);
  }

  static unauthorizedClient(description: string): OAuthError {
    return new OAuthError('unauthorized_client', description);
  }

  static unsupportedGrantType(grantType: string): OAuthError {
    return new OAuthError('unsupported_grant_type', `grant_type '${truncate(grantType)}' is not supported`);
  }

  static invalidScope(description: string): OAuthError {
    return new OAuthError('invalid_scope', description);
  }

  /**
   * RFC 8707 §2: the requested resource is invalid, missing, unknown or malformed, or not one
   * the client may ask for. Descriptions never quote the resource (an attacker's text would be
   * echoed to the client's redirect URI).
   */
  static invalidTarget(description: string): OAuthError {
    return new OAuthError('invalid_target', description);
  }

  static unsupportedResponseType(responseType: string): OAuthError {
    return new OAuthError(
      'unsupported_response_type',
      `response_type '${truncate(responseType)}' is not supported`,
    ).withoutEcho('response_type must be code (or token, for a client registered for the implicit grant)');
  }

  /** RFC 8628 §3.5: the user has not answered yet; poll again after the interval. */
  static authorizationPending(): OAuthError {
    return new OAuthError('authorization_pending', 'the user has not yet approved or denied the request');
  }

  /**
   * RFC 8628 §3.5: polled sooner than the interval (the interval is now 5 s longer). Also the
   * device authorization endpoint's answer to too many requests (429 with Retry-After).
   */
  static slowDown(description: string, status = 400): OAuthError {
    return new OAuthError('slow_down', description, status);
  }

  /** RFC 8628 §3.5: the device_code expired; the device must start again. */
  static expiredToken(): OAuthError {
    return new OAuthError('expired_token', 'the device code has expired; start a new device authorization');
  }

  /** RFC 6749 §4.1.2.1 / RFC 8628 §3.5: the resource owner denied the request. */
  static accessDenied(description: string): OAuthError {
    return new OAuthError('access_denied', description);
  }

  static methodNotAllowed(allowed: string): OAuthError {
    return new OAuthError('invalid_request', `this endpoint accepts ${allowed} only`, 405, { allow: allowed });
  }

  /**
   * RFC 6750 §3: a bearer token refused at a protected resource (userinfo), 401 or 403 with the
   * error in WWW-Authenticate. Without a token at all the header names no error (§3.1).
   */
  static bearer(
    code: 'invalid_token' | 'insufficient_scope' | 'invalid_request' | null,
    description: string,
  ): OAuthError {
    const status = code === 'insufficient_scope' ? 403 : code === 'invalid_request' ? 400 : 401;
    const error = new OAuthError(code ?? 'invalid_request', description, status);
    const challenge = code === null ? 'Bearer' : `Bearer error="${code}", error_description="${error.description}"`;
    return new OAuthError(error.code, error.description, status, { 'www-authenticate': challenge });
  }

  /** RFC 7591 §3.2.2: a registration refused for its metadata or software statement (400). */
  static registration(
    code:
      | 'invalid_redirect_uri'
      | 'invalid_client_metadata'
      | 'invalid_software_statement'
      | 'unapproved_software_statement',
    description: string,
  ): OAuthError {
    return new OAuthError(code, description, 400);
  }

  static notFound(): OAuthError {
    return new OAuthError('not_found', 'No such endpoint', 404);
  }

  /** The same error, telling the client how many seconds to wait (RFC 9110 §10.2.3). */
  withRetryAfter(seconds: number): OAuthError {
    return new OAuthError(this.code, this.description, this.status, {
      ...this.headers,
      'retry-after': String(seconds),
    });
  }

  static temporarilyUnavailable(description: string): OAuthError {
    return new OAuthError('temporarily_unavailable', description, 503, { 'retry-after': '1' });
  }

  /**
   * Too much work is waiting (password checks queued past their limit, throttle reservations
   * used up): 503 temporarily_unavailable with Retry-After, for a token request and a page alike.
   * Never invalid_grant, and never counted as a failed password.
   */
  static overloaded(description: string, retryAfter: number): OverloadedError {
    return new OverloadedError(description, retryAfter);
  }
}

/** The server is overloaded: see OAuthError.overloaded. Told apart from other 503s by its class. */
export class OverloadedError extends OAuthError {
  /** Whole seconds the client should wait (at least 1). */
  readonly retryAfter: number;

  constructor(description: string, retryAfter: number) {
    const seconds = Math.max(1, Math.ceil(retryAfter));
    super('temporarily_unavailable', description, 503, { 'retry-after': String(seconds) });
    this.retryAfter = seconds;
    this.name = 'OverloadedError';
  }
}

/** Echo user input in descriptions only in a short, printable form. */
export function truncate(value: string, max = 40): string {
  const printable = describableText(value);
  return printable.length > max ? `${printable.slice(0, max)}...` : printable;
}
