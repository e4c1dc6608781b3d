/**
 * What every answer must look like, whatever was asked. Each check throws an Error naming the
 * request and the answer, so fast-check reports (and shrinks to) the request that broke it.
 * Two kinds of malformed answer are "soft" (see Findings): they fail the test at the end of the
 * property instead of stopping it, so they cannot hide a crash or an open redirect.
 */
import type { LightMyRequestResponse } from 'fastify';
import type { OAuthErrorCode } from '../../../src/core/errors.js';
import { MARKUP_MARKER } from './arbitraries.js';
import { ISSUER, type Fixture, type FixtureClient } from './fixture.js';
import type { Sent } from './requests.js';

/** The routes that answer JSON (RFC 6749 §5.2 errors). */
export const API_PATHS = ['/oauth/token', '/oauth/revoke', '/oauth/introspect', '/oauth/device_authorization'] as const;
export type ApiPath = (typeof API_PATHS)[number];

/** The browser pages and the methods each takes (others: an HTML 405). */
export const PAGE_PATHS: Readonly<Record<string, readonly ('GET' | 'POST')[]>> = {
  '/': ['GET'],
  '/oauth/authorize': ['GET', 'POST'],
  '/login': ['GET', 'POST'],
  '/logout': ['GET', 'POST'],
  '/register': ['GET', 'POST'],
  '/register/sent': ['GET'],
  '/register/confirm': ['GET', 'POST'],
  '/reset': ['GET', 'POST'],
  '/reset/sent': ['GET'],
  '/reset/password': ['GET', 'POST'],
  '/account': ['GET'],
  '/account/profile': ['POST'],
  '/account/password': ['POST'],
  '/account/apps/revoke': ['POST'],
  '/account/email/confirm': ['GET', 'POST'],
};

/** Methods Fastify routes at all; for any other (TRACE, PROPFIND, …) every path is "not found". */
export const ROUTED_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

/** The 4xx error codes each API endpoint may answer (src/core/errors.ts; RFC 6749 §5.2, RFC 7009 §2.2.1). */
const TOKEN_ERRORS: readonly OAuthErrorCode[] = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  // RFC 8707 / RFC 8693: a resource or audience the client may not name.
  'invalid_target',
  // RFC 8628 §3.5: a device code polled before it is decided, too soon, denied or expired.
  'authorization_pending',
  'slow_down',
  'access_denied',
  'expired_token',
];
const API_ERRORS: Readonly<Record<ApiPath, ReadonlySet<string>>> = {
  '/oauth/token': new Set(TOKEN_ERRORS),
  // RFC 7009 §2.2.1 adds unsupported_token_type (Gatehouse never needs it, but it would be right).
  '/oauth/revoke': new Set(['invalid_request', 'invalid_client', 'unsupported_token_type']),
  '/oauth/introspect': new Set(['invalid_request', 'invalid_client']),
  // RFC 8628 §3.2: the token endpoint's client errors; slow_down when a limit is reached.
  '/oauth/device_authorization': new Set([
    'invalid_request',
    'invalid_client',
    'unauthorized_client',
    'invalid_scope',
    'invalid_target',
    'slow_down',
  ]),
};
/** RFC 6749 §4.1.2.1 / §4.2.2.1 errors sent back to the client's redirect URI (the 5xx-like two excluded: a bug here). */
const AUTHORIZATION_ERRORS = new Set([
  'invalid_request',
  'unauthorized_client',
  'access_denied',
  'unsupported_response_type',
  'invalid_scope',
]);

/** RFC 6749 §5.2 / §4.1.2.1: error_description = *( %x20-21 / %x23-5B / %x5D-7E ) (printable ASCII but " and \). */
const DESCRIPTION_CHARS = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
/** A Location header is a URI-reference (RFC 9110 §10.2.2): no spaces, controls or raw non-ASCII. */
const URI_REFERENCE_CHARS = /^[\x21-\x7e]+$/;

export class InvariantError extends Error {
  constructor(message: string, sent: Sent, res: LightMyRequestResponse) {
    const body = res.body.length > 600 ? `${res.body.slice(0, 600)}…` : res.body;
    super(
      `${message}\n  request: ${sent.describe()}\n  answer: ${res.statusCode} ${JSON.stringify(headerSubset(res))}\n  body: ${JSON.stringify(body)}`,
    );
    this.name = 'InvariantError';
  }
}

/**
 * Findings that do not stop a property: a malformed error_description or a JSON error where a
 * page was due. They are collected per property and fail the test at its end (Findings below),
 * so a crash or an open redirect elsewhere is still found, and shrunk, in the same run.
 */
let findings: Findings | null = null;

export class Findings {
  private readonly byReason = new Map<string, { count: number; example: string }>();
  /** Counts a finding; keeps the shortest example of each reason (unshrunk, so the shortest reads best). */
  record(reason: string, example: string): void {
    const entry = this.byReason.get(reason);
    if (!entry) this.byReason.set(reason, { count: 1, example });
    else {
      entry.count++;
      if (example.length < entry.example.length) entry.example = example;
    }
  }
  /** Runs `check`, recording its soft findings here instead of throwing them. */
  collect<T>(check: () => T): T {
    const previous = findings;
    findings = this;
    try {
      return check();
    } finally {
      findings = previous;
    }
  }
  /** Fails when anything was recorded: each reason once, with its count and first example. */
  assertNone(): void {
    if (this.byReason.size === 0) return;
    const report = [...this.byReason]
      .map(([reason, { count, example }]) => `- ${reason} (${count}×), e.g.\n${example}`)
      .join('\n');
    throw new Error(`malformed answers:\n${report}`);
  }
}

/** A finding that does not stop the property when a Findings collects (see above); else a failure. */
function soft(reason: string, sent: Sent, res: LightMyRequestResponse): void {
  const error = new InvariantError(reason, sent, res);
  if (!findings) throw error;
  findings.record(reason, error.message);
}

function headerSubset(res: LightMyRequestResponse): Record<string, unknown> {
  const keep = ['content-type', 'location', 'allow', 'www-authenticate', 'retry-after', 'cache-control', 'set-cookie'];
  return Object.fromEntries(Object.entries(res.headers).filter(([k]) => keep.includes(k)));
}

function header(res: LightMyRequestResponse, name: string): string | undefined {
  const value = res.headers[name];
  return Array.isArray(value) ? value.join(', ') : value === undefined ? undefined : String(value);
}

/** The parameters as the server reads them: first value wins, an empty value is absent, repeats noted. */
export class SeenParams {
  private readonly first = new Map<string, string>();
  private readonly counts = new Map<string, number>();
  constructor(encoded: string) {
    for (const [name, value] of new URLSearchParams(encoded)) {
      this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
      if (!this.first.has(name)) this.first.set(name, value);
    }
  }
  get(name: string): string | undefined {
    const value = this.first.get(name);
    return value === '' ? undefined : value;
  }
  repeated(name: string): boolean {
    return (this.counts.get(name) ?? 0) > 1;
  }
  names(): string[] {
    return [...this.counts.keys()];
  }
}

const FORM_CONTENT_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/** The parameters of the request as the route read them (query for GET, form body for POST). */
export function seenParams(sent: Sent): SeenParams {
  if (sent.method === 'POST') {
    return new SeenParams(FORM_CONTENT_TYPE.test(sent.headers['content-type'] ?? '') ? sent.body.toString('utf8') : '');
  }
  return new SeenParams(sent.query);
}

/** Every answer: never 5xx, and cookies only ever set the hardened way. */
function checkCommon(sent: Sent, res: LightMyRequestResponse): void {
  const fail = (message: string) => new InvariantError(message, sent, res);
  if (res.statusCode >= 500) throw fail(`5xx answer`);
  if (res.statusCode < 200) throw fail(`unexpected status`);
  if (sent.method === 'HEAD' && res.body !== '') throw fail('HEAD answer has a body');
  const setCookie = res.headers['set-cookie'];
  const cookies = setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie];
  // A device cookie (brute-force protection) is given only with a new session: at a sign-in.
  if (
    cookies.some((c) => c.startsWith('__Host-gatehouse_device=')) &&
    !cookies.some((c) => /^__Host-gatehouse_session=[^;]/.test(c))
  ) {
    throw fail('device cookie set without a sign-in');
  }
  for (const cookie of cookies) {
    const [pair, ...attributes] = cookie.split(';').map((part) => part.trim());
    const lower = attributes.map((a) => a.toLowerCase());
    if (!/^__Host-gatehouse_(session|csrf|device)=[A-Za-z0-9_-]*$/.test(pair ?? ''))
      throw fail(`unexpected cookie ${cookie}`);
    for (const needed of ['path=/', 'httponly', 'samesite=lax', 'secure']) {
      if (!lower.includes(needed)) throw fail(`cookie without ${needed}: ${cookie}`);
    }
    if (lower.some((a) => a.startsWith('domain='))) throw fail(`__Host- cookie with a Domain: ${cookie}`);
  }
}

/** A 4xx answer in the RFC 6749 §5.2 shape; `allowed` are the error codes this path may use. */
function checkJsonError(sent: Sent, res: LightMyRequestResponse, allowed: ReadonlySet<string>): void {
  const fail = (message: string) => new InvariantError(message, sent, res);
  const status = res.statusCode;
  if (![400, 401, 404, 405, 413].includes(status)) throw fail(`status ${status} is not one the JSON endpoints answer`);
  if (!/^application\/json\b/.test(header(res, 'content-type') ?? '')) throw fail('error answer is not JSON');
  if (header(res, 'cache-control') !== 'no-store' || header(res, 'pragma') !== 'no-cache')
    throw fail('error answer may be cached (RFC 6749 §5.2)');
  if (status === 405 && !header(res, 'allow')) throw fail('405 without Allow');
  if (sent.method === 'HEAD') return;
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    throw fail('error body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw fail('error body is not a JSON object');
  const { error, error_description: description, ...rest } = body as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw fail(`error body has other members: ${Object.keys(rest).join(', ')}`);
  if (typeof error !== 'string') throw fail('error body has no string "error"');
  const codes = status === 404 ? new Set(['not_found']) : allowed;
  if (!codes.has(error)) throw fail(`error "${error}" is not one this endpoint may answer with status ${status}`);
  if (description !== undefined && typeof description !== 'string') throw fail('error_description is not a string');
  if (description !== undefined && !DESCRIPTION_CHARS.test(description)) {
    soft(`error_description has characters RFC 6749 §5.2 forbids (outside %x20-21 / %x23-5B / %x5D-7E)`, sent, res);
  }
  // RFC 6749 §5.2: invalid_client is the 401, and a failed HTTP Basic attempt MUST get WWW-Authenticate.
  if ((error === 'invalid_client') !== (status === 401)) throw fail(`invalid_client and 401 must go together`);
  if (status === 401 && sent.basicTried && !/^Basic /.test(header(res, 'www-authenticate') ?? ''))
    throw fail('401 to HTTP Basic without WWW-Authenticate: Basic');
  if ((status === 405 || status === 413) && error !== 'invalid_request')
    throw fail(`${status} must be invalid_request`);
}

function jsonBody(sent: Sent, res: LightMyRequestResponse): Record<string, unknown> {
  try {
    const body = JSON.parse(res.body) as unknown;
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    // below
  }
  throw new InvariantError('200 answer is not a JSON object', sent, res);
}

/** RFC 6749 §2.3.1: the id and secret of a Basic header, decoded as the server does (null: not Basic). */
function basicCredentials(authorization: string | undefined): [string, string] | null {
  const match = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(authorization?.trim() ?? '');
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  try {
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return [decode(decoded.slice(0, colon)), decode(decoded.slice(colon + 1))];
  } catch {
    return null;
  }
}

/** Answers of /oauth/token, /oauth/revoke, /oauth/introspect, /oauth/device_authorization (and any method on them). */
export function checkApiAnswer(fixture: Fixture, path: ApiPath, sent: Sent, res: LightMyRequestResponse): void {
  checkCommon(sent, res);
  const fail = (message: string) => new InvariantError(message, sent, res);
  if (res.statusCode !== 200) {
    checkJsonError(sent, res, API_ERRORS[path]);
    return;
  }

  if (sent.method !== 'POST') throw fail('200 to a method other than POST');
  if (!FORM_CONTENT_TYPE.test(sent.headers['content-type'] ?? '')) throw fail('200 to a body that is not a form');
  if (header(res, 'cache-control') !== 'no-store') throw fail('200 may be cached');
  const body = jsonBody(sent, res);
  const params = seenParams(sent);

  // Only an authenticated client gets anything: a real secret was sent, or a public client's id.
  const basic = basicCredentials(sent.headers.authorization);
  const confidential = [fixture.web, fixture.trusted, fixture.implicit, fixture.resource];
  const presentedSecret = basic ? basic[1] : params.get('client_secret');
  const presentedId = basic ? basic[0] : params.get('client_id');
  const authenticated =
    confidential.some((c) => c.record.id === presentedId && c.secret === presentedSecret) ||
    (presentedId === fixture.spa.record.id && !presentedSecret);
  if (!authenticated) throw fail('200 without valid client authentication');

  if (path === '/oauth/token') {
    const { access_token, token_type, expires_in, scope, refresh_token, issued_token_type, ...rest } = body;
    if (typeof access_token !== 'string' || !/^[\x21-\x7e]+$/.test(access_token))
      throw fail('token answer without access_token');
    if (token_type !== 'Bearer') throw fail('token_type is not Bearer');
    if (typeof expires_in !== 'number' || !Number.isInteger(expires_in) || expires_in <= 0)
      throw fail('bad expires_in');
    if (typeof scope !== 'string') throw fail('no scope string');
    if (refresh_token !== undefined && typeof refresh_token !== 'string') throw fail('bad refresh_token');
    if (Object.keys(rest).length > 0) throw fail(`unexpected members ${Object.keys(rest).join(', ')}`);
    const grant = params.get('grant_type');
    const exchange = grant === 'urn:ietf:params:oauth:grant-type:token-exchange';
    // RFC 8693 §2.2.1: REQUIRED in an exchange's answer, and in no other.
    if (exchange !== (typeof issued_token_type === 'string')) throw fail('issued_token_type wrong for the grant');
    // A device code the fuzzer made up is never approved: no 200 for it.
    if (!['client_credentials', 'password', 'authorization_code', 'refresh_token'].includes(grant ?? '') && !exchange)
      throw fail(`200 for grant_type ${grant}`);
    if (grant === 'client_credentials' && refresh_token !== undefined)
      throw fail('client_credentials got a refresh token (RFC 6749 §4.4.3)');
  } else if (path === '/oauth/revoke') {
    if (res.body !== '{}') throw fail('revocation answer is not {}');
  } else if (path === '/oauth/device_authorization') {
    // RFC 8628 §3.2: exactly these members.
    const names = Object.keys(body).sort().join(' ');
    const expected = 'device_code expires_in interval user_code verification_uri verification_uri_complete';
    if (names !== expected) throw fail(`device authorization answer has ${names}`);
    if (
      typeof body.user_code !== 'string' ||
      !/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/.test(body.user_code)
    )
      throw fail('user_code is not XXXX-XXXX');
  } else {
    if (typeof body.active !== 'boolean') throw fail('introspection answer without boolean active');
    if (!body.active && Object.keys(body).length !== 1) throw fail('inactive token described (RFC 7662 §2.2)');
    if (body.active) {
      if (
        typeof body.client_id !== 'string' ||
        !['Bearer', 'refresh_token'].includes(body.token_type as string) ||
        body.iss !== ISSUER
      ) {
        throw fail('active introspection answer misses members');
      }
    }
  }
}

/** Whether `requested` is one of the client's registered redirect URIs (exact; loopback any port, RFC 8252 §7.3). */
function registeredRedirect(client: FixtureClient, requested: string): boolean {
  const loopback = /^(http:\/\/(?:127\.0\.0\.1|\[::1\]))(?::\d{1,5})?(?=[/?]|$)/;
  const strip = (uri: string) => (loopback.test(uri) ? uri.replace(loopback, '$1') : null);
  return client.record.redirectUris.some(
    (uri) => uri === requested || (strip(requested) !== null && strip(requested) === strip(uri)),
  );
}

/** A redirect from the authorization endpoint to the client: only to a registered URI, well-formed. */
function checkClientRedirect(fixture: Fixture, sent: Sent, res: LightMyRequestResponse, location: string): void {
  const fail = (message: string) => new InvariantError(message, sent, res);
  const consent = sent.method === 'POST';
  // The consent form carries no request: the request is the one its consent_id named, kept on the server.
  const form = seenParams(sent);
  if (consent) {
    if (sent.consent === null) throw fail('redirect from a consent form that named no pending request');
    for (const name of form.names())
      if (!['consent_id', 'csrf_token', 'decision'].includes(name))
        throw fail(`consent form with a field "${name}" was answered`);
    for (const name of ['consent_id', 'csrf_token', 'decision'])
      if (form.repeated(name)) throw fail(`consent form with ${name} repeated was answered`);
  }
  const params = consent ? new SeenParams(new URLSearchParams(sent.consent!).toString()) : form;
  const client = fixture.clients.find((c) => c.record.id === params.get('client_id'));
  if (!client || params.repeated('client_id'))
    throw fail('redirect to a client for an unknown or repeated client_id (open redirector)');
  if (params.repeated('redirect_uri')) throw fail('redirect despite a repeated redirect_uri');
  const requested = params.get('redirect_uri');
  const target = requested ?? (client.record.redirectUris.length === 1 ? client.record.redirectUris[0]! : undefined);
  if (target === undefined || !registeredRedirect(client, target))
    throw fail('redirect to a URI the client did not register (open redirector)');

  const fragment = params.get('response_type') === 'token';
  const joiner = fragment ? '#' : target.includes('?') ? '&' : '?';
  if (!location.startsWith(target + joiner)) throw fail(`redirect is not to ${target}${joiner}…`);
  const answer = new SeenParams(location.slice(target.length + 1));
  if (answer.get('iss') !== ISSUER) throw fail('authorization response without iss (RFC 9207)');
  const kinds = ['code', 'error', 'access_token'].filter((name) => answer.get(name) !== undefined);
  if (kinds.length !== 1)
    throw fail(`authorization response has ${kinds.join(', ') || 'none'} of code, error, access_token`);
  // RFC 6749 §3.1: never "first wins" (resource, RFC 8707, and audience may repeat).
  if (
    !consent &&
    kinds[0] !== 'error' &&
    form.names().some((name) => form.repeated(name) && !['resource', 'audience'].includes(name))
  ) {
    throw fail('code or token despite a repeated parameter (RFC 6749 §3.1)');
  }
  const expectedState = params.repeated('state') ? undefined : params.get('state');
  if (answer.get('state') !== expectedState) throw fail('state not echoed exactly (RFC 6749 §4.1.2)');

  const validCsrf = () =>
    sent.csrfSecret !== null &&
    sent.liveSession !== null &&
    form.get('csrf_token') === sent.csrfTokens.get('consent') &&
    form.get('csrf_token') !== undefined;
  const error = answer.get('error');
  if (error !== undefined) {
    if (!AUTHORIZATION_ERRORS.has(error)) throw fail(`authorization error "${error}" is not in RFC 6749 §4.1.2.1`);
    const description = answer.get('error_description');
    if (description !== undefined && !DESCRIPTION_CHARS.test(description))
      soft('error_description in a redirect has characters RFC 6749 §4.1.2.1 forbids', sent, res);
    if (error === 'access_denied' && !(consent && form.get('decision') === 'deny' && validCsrf()))
      throw fail('access_denied without a valid Deny');
    return;
  }
  // A code or token: the signed-in user's (and, from the consent form, the user's own click).
  if (sent.liveSession === null) throw fail('code or token issued without a signed-in user');
  if (consent && !(form.get('decision') === 'allow' && validCsrf()))
    throw fail('code or token issued from a consent form without a valid Allow');
  if (answer.get('code') !== undefined) {
    if (fragment || params.get('response_type') !== 'code' || !client.record.grantTypes.includes('authorization_code'))
      throw fail('code for the wrong response type or client');
  } else {
    if (!fragment || !client.record.grantTypes.includes('implicit') || answer.get('token_type') !== 'Bearer')
      throw fail('implicit token for the wrong response type or client');
  }
}

/** Our own pages a redirect may lead to. */
const REDIRECT_PATHS = new Set(['/login', '/logout', '/account', '/register/sent', '/reset/sent', '/oauth/authorize']);

/** A same-origin redirect: a path on this server, never //host or /\host. */
function checkLocalRedirect(sent: Sent, res: LightMyRequestResponse, location: string): void {
  const fail = (message: string) => new InvariantError(message, sent, res);
  if (!/^\/(?![/\\])/.test(location)) throw fail('redirect leaves this server');
  const path = location.split('?')[0]!;
  // return_to may name any page under /account/ (browser.ts RETURN_TO), existing or not.
  if (!REDIRECT_PATHS.has(path) && !path.startsWith('/account/'))
    throw fail(`redirect to ${path}, which is not a page`);
  const returnTo = new SeenParams(location.slice(path.length + 1)).get('return_to');
  if (returnTo !== undefined && !/^\/(?![/\\])[^\\]*$/.test(returnTo))
    throw fail('redirect carries an unsafe return_to');
}

/** Answers of the browser pages. */
export function checkPageAnswer(fixture: Fixture, sent: Sent, res: LightMyRequestResponse): void {
  checkCommon(sent, res);
  const fail = (message: string) => new InvariantError(message, sent, res);
  const status = res.statusCode;
  const contentType = header(res, 'content-type') ?? '';
  if (!ROUTED_METHODS.has(sent.method)) {
    // Methods no route takes are "not found" everywhere (Fastify routes none of them), or a 400/413
    // when the body cannot be read first.
    if (![400, 404, 413].includes(status)) throw fail(`a ${sent.method} request answered ${status}`);
    checkJsonError(sent, res, new Set(['invalid_request']));
    return;
  }
  const allowed = PAGE_PATHS[sent.path];
  if (!allowed) throw new Error(`not a page path: ${sent.path}`);

  if (status === 302 || status === 303) {
    if (status !== (sent.method === 'POST' ? 303 : 302))
      throw fail(`${status} after ${sent.method} (RFC 9700 §4.12: 303 after a POST)`);
    const location = header(res, 'location');
    if (!location || !URI_REFERENCE_CHARS.test(location)) throw fail('redirect without a well-formed Location');
    if (header(res, 'cache-control') !== 'no-store' && sent.path === '/oauth/authorize')
      throw fail('authorization redirect may be cached');
    if (location.startsWith('/')) {
      checkLocalRedirect(sent, res, location);
      return;
    }
    if (sent.path !== '/oauth/authorize')
      throw fail('redirect to another origin from a page that has no business doing so');
    checkClientRedirect(fixture, sent, res, location);
    return;
  }

  if (/^application\/json\b/.test(contentType) && status >= 400) {
    // A JSON error where a person's browser expects a page: wrong shape, but an error all the same.
    soft(`a page answered ${sent.method} with a JSON error instead of an HTML page`, sent, res);
    checkJsonError(sent, res, new Set(['invalid_request']));
    return;
  }
  if (!/^text\/html; charset=utf-8$/.test(contentType)) throw fail(`page answer is not HTML (${contentType})`);
  if (
    header(res, 'x-frame-options') !== 'DENY' ||
    !/default-src 'none'/.test(header(res, 'content-security-policy') ?? '')
  )
    throw fail('page without its security headers');
  if (header(res, 'cache-control') !== 'no-store') throw fail('page may be cached');
  if (sent.method !== 'HEAD') {
    if (!res.body.startsWith('<!doctype html>')) throw fail('page body is not an HTML document');
    if (res.body.toLowerCase().includes(MARKUP_MARKER)) throw fail('input reflected as markup (unescaped)');
    // The web client's name is "Fuzz <b>Web</b> & Co": the consent page must show it as text.
    if (res.body.includes('<b>Web</b>')) throw fail('client name rendered as markup');
  }
  if (status === 200) {
    if (sent.method !== 'GET' && sent.method !== 'HEAD') throw fail(`200 to ${sent.method}`);
    if (sent.path === '/oauth/authorize' && sent.liveSession === null)
      throw fail('consent page without a signed-in user');
    return;
  }
  if (![400, 403, 404, 405, 413, 429].includes(status)) throw fail(`status ${status} is not one the pages answer`);
  if (status === 405 && !header(res, 'allow')) throw fail('405 without Allow');
  if (status === 405 && (allowed as readonly string[]).includes(sent.method === 'HEAD' ? 'GET' : sent.method))
    throw fail('405 for a method the page takes');
  if (status === 429 && !header(res, 'retry-after')) throw fail('429 without Retry-After');
}

/** Every error code Gatehouse answers with a 4xx (src/core/errors.ts), for paths whose route is unsure. */
const ANY_ERROR: ReadonlySet<string> = new Set([...TOKEN_ERRORS, 'unsupported_token_type', 'not_found']);

/**
 * Answers to paths that may or may not reach a route (/oauth/%74oken, //login, /login/…): JSON in
 * the RFC shape, an HTML page, or a redirect on this server; never a 5xx.
 */
export function checkAnyAnswer(fixture: Fixture, sent: Sent, res: LightMyRequestResponse): void {
  checkCommon(sent, res);
  const fail = (message: string) => new InvariantError(message, sent, res);
  const contentType = header(res, 'content-type') ?? '';
  if (res.statusCode >= 300 && res.statusCode < 400) {
    const location = header(res, 'location');
    if (!location || !URI_REFERENCE_CHARS.test(location)) throw fail('redirect without a well-formed Location');
    if (location.startsWith('/')) {
      checkLocalRedirect(sent, res, location);
      return;
    }
    const registered = fixture.clients.flatMap((c) => c.record.redirectUris);
    if (!registered.some((uri) => location.startsWith(uri))) throw fail('redirect to an unregistered URI');
    return;
  }
  if (/^application\/json\b/.test(contentType)) {
    if (res.statusCode === 200) return;
    checkJsonError(sent, res, ANY_ERROR);
    return;
  }
  if (/^text\/html; charset=utf-8$/.test(contentType)) {
    if (![200, 400, 403, 404, 405, 413, 429].includes(res.statusCode)) throw fail(`page status ${res.statusCode}`);
    if (header(res, 'x-frame-options') !== 'DENY') throw fail('page without its security headers');
    if (sent.method !== 'HEAD' && res.body.toLowerCase().includes(MARKUP_MARKER))
      throw fail('input reflected as markup (unescaped)');
    return;
  }
  throw fail(`answer is neither JSON nor an HTML page (${contentType})`);
}

/** /healthz and the two documents under /.well-known: GET (and HEAD) 200 JSON, other methods 404 (OPTIONS on a document: 405). */
export function checkDiscoveryAnswer(sent: Sent, res: LightMyRequestResponse): void {
  checkCommon(sent, res);
  const fail = (message: string) => new InvariantError(message, sent, res);
  if (sent.method === 'GET' || sent.method === 'HEAD') {
    if (res.statusCode !== 200 || !/^application\/json\b/.test(header(res, 'content-type') ?? ''))
      throw fail('discovery document not served');
    if (sent.method === 'GET') {
      const body = JSON.parse(res.body) as Record<string, unknown>;
      if (sent.path === '/healthz' && body.status !== 'ok') throw fail('health check not ok');
      if (sent.path === '/.well-known/oauth-authorization-server' && body.issuer !== ISSUER)
        throw fail('metadata with another issuer');
      if (sent.path === '/.well-known/jwks.json' && !Array.isArray(body.keys)) throw fail('JWKS without keys');
    }
    return;
  }
  // Not routed: 404 not_found, or 400 when the body cannot even be read (a malformed Content-Type).
  // OPTIONS on the documents is routed for CORS preflights: one that is no preflight is a 405 naming GET, HEAD.
  checkJsonError(sent, res, new Set(['invalid_request']));
  const preflightRoute = sent.method === 'OPTIONS' && sent.path.startsWith('/.well-known/');
  if (preflightRoute && res.statusCode === 405) {
    if (header(res, 'allow') !== 'GET, HEAD') throw fail(`OPTIONS 405 with Allow ${header(res, 'allow')}`);
    return;
  }
  if (res.statusCode !== 404 && res.statusCode !== 400 && res.statusCode !== 413)
    throw fail(`${sent.method} answered ${res.statusCode}`);
}
