/**
 * Finds the access token in a request, the three ways RFC 6750 §2 allows and no other.
 */
import { BearerError } from './errors.js';

/** Node's `req.headers` (lower-case names), any plain record (names in any case) or a fetch `Headers`. */
export type HeaderSource = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

/** What `authenticate` needs from a request, whatever the framework. */
export interface BearerRequest {
  /** The HTTP method. RFC 6750 §2.2 forbids a body token on GET; without a method that check is skipped. */
  method?: string;
  headers: HeaderSource;
  /** The parsed query (an object, as Express and Fastify give it), a URLSearchParams or the raw query string. */
  query?: unknown;
  /** The parsed form body (an object), a URLSearchParams, or the raw body as a string or Buffer. */
  body?: unknown;
}

export interface ExtractionOptions {
  /** RFC 6750 §2.2: `access_token` in an application/x-www-form-urlencoded body. */
  allowBodyToken: boolean;
  /** RFC 6750 §2.3: `access_token` in the query string (it ends up in logs and browser history). */
  allowQueryToken: boolean;
}

/** RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=". */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** RFC 7235 §2.1: credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]; the scheme is a token. */
const CREDENTIALS = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?: +(.*))?$/s;

const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

type Presented = { found: false } | { found: true; values: string[] };
const NOT_FOUND: Presented = { found: false };

/**
 * The token of this request. Throws BearerError: `missing_token` when there is none (the
 * description says why, e.g. a query token on an API that does not accept them),
 * `invalid_request` when the request is malformed or uses more than one method (§2).
 */
export function extractBearerToken(request: BearerRequest, options: ExtractionOptions): string {
  const fromHeader = tokenFromHeader(request.headers);
  // The common case, on every API call: the header is the only place a token may be.
  if (!options.allowBodyToken && !options.allowQueryToken && fromHeader.found && fromHeader.values.length === 1) {
    const token = fromHeader.values[0]!;
    if (!B64TOKEN.test(token)) throw BearerError.invalidRequest('malformed access token in the Authorization header');
    return token;
  }
  const fromBody =
    options.allowBodyToken && bodyMayCarryToken(request) ? parameterValues(request.body, 'body') : NOT_FOUND;
  const fromQuery = options.allowQueryToken ? parameterValues(request.query, 'query') : NOT_FOUND;

  const presented = [
    { where: 'the Authorization header', result: fromHeader },
    { where: 'the request body', result: fromBody },
    { where: 'the query string', result: fromQuery },
  ].filter((method) => method.result.found);
  if (presented.length > 1) {
    throw BearerError.invalidRequest(
      `the access token must be sent one way only, not in ${presented.map((method) => method.where).join(' and ')} (RFC 6750 §2)`,
    );
  }
  const only = presented[0];
  if (!only?.result.found) throw BearerError.missingToken(whyNoToken(request, options));
  if (only.result.values.length > 1)
    throw BearerError.invalidRequest(`access_token appears more than once in ${only.where}`);
  const token = only.result.values[0]!;
  if (!B64TOKEN.test(token)) throw BearerError.invalidRequest(`malformed access token in ${only.where}`);
  return token;
}

/** The Authorization header: absent, another scheme (no token here), or a well-formed Bearer. */
function tokenFromHeader(headers: HeaderSource): Presented {
  const values = headerValues(headers, 'authorization');
  if (values.length === 0) return NOT_FOUND;
  if (values.length > 1) throw BearerError.invalidRequest('more than one Authorization header');
  const value = values[0]!.trim();
  if (value === '') return NOT_FOUND;
  const credentials = CREDENTIALS.exec(value);
  if (!credentials) throw BearerError.invalidRequest('malformed Authorization header');
  // Another scheme (Basic, …) is no bearer token: §3.1 treats it as a request without one.
  if (credentials[1]!.toLowerCase() !== 'bearer') return NOT_FOUND;
  const token = credentials[2]?.trim();
  if (!token || !B64TOKEN.test(token)) {
    throw BearerError.invalidRequest('malformed Authorization header: expected "Bearer <token>" (RFC 6750 §2.1)');
  }
  return { found: true, values: [token] };
}

/** Every value of a header; names compare case-insensitively for plain records. */
export function headerValues(headers: HeaderSource, name: string): string[] {
  if (isFetchHeaders(headers)) {
    const value = headers.get(name);
    return value === null ? [] : [value];
  }
  const values: string[] = [];
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    if (typeof value === 'string') values.push(value);
    else if (Array.isArray(value)) values.push(...value.filter((item): item is string => typeof item === 'string'));
  }
  return values;
}

function isFetchHeaders(headers: HeaderSource): headers is Headers {
  return typeof (headers as Headers | undefined)?.get === 'function';
}

/** §2.2: only a form-encoded body, and never on GET (whose body has no defined meaning). */
function bodyMayCarryToken(request: BearerRequest): boolean {
  if (request.method !== undefined && ['GET', 'HEAD'].includes(request.method.toUpperCase())) return false;
  const contentType = headerValues(request.headers, 'content-type')[0];
  return contentType !== undefined && mediaType(contentType) === FORM_CONTENT_TYPE;
}

function mediaType(contentType: string): string {
  return contentType.split(';', 1)[0]!.trim().toLowerCase();
}

/**
 * Every `access_token` value in a parsed body or query, whatever shape the framework gave it.
 * A value that is neither a string nor a list of strings (`access_token[a]=…`) is malformed.
 */
function parameterValues(source: unknown, where: 'body' | 'query'): Presented {
  const params = asSearchParams(source);
  if (params) {
    const values = params.getAll('access_token');
    return values.length === 0 ? NOT_FOUND : { found: true, values };
  }
  if (source === null || typeof source !== 'object' || !Object.hasOwn(source, 'access_token')) return NOT_FOUND;
  const value: unknown = (source as Record<string, unknown>).access_token;
  if (value === undefined) return NOT_FOUND;
  if (typeof value === 'string') return { found: true, values: [value] };
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
    return value.length === 0 ? NOT_FOUND : { found: true, values: value };
  }
  throw BearerError.invalidRequest(
    `malformed access_token in the ${where === 'body' ? 'request body' : 'query string'}`,
  );
}

/** Raw forms of a body or query (string, Buffer, URLSearchParams) as URLSearchParams; null for a parsed object. */
function asSearchParams(source: unknown): URLSearchParams | null {
  if (source instanceof URLSearchParams) return source;
  if (typeof source === 'string') return new URLSearchParams(source.startsWith('?') ? source.slice(1) : source);
  if (source instanceof Uint8Array) return new URLSearchParams(Buffer.from(source).toString('utf8'));
  return null;
}

/** Looks, without ever throwing, for a parameter the request could carry. */
function mentionsAccessToken(source: unknown): boolean {
  try {
    return parameterValues(source, 'query').found;
  } catch {
    return true;
  }
}

/** A helpful description for the JSON body of a token-less answer (the challenge stays bare, §3.1). */
function whyNoToken(request: BearerRequest, options: ExtractionOptions): string {
  if (!options.allowQueryToken && mentionsAccessToken(request.query)) {
    return 'this API does not accept access_token in the query string: send "Authorization: Bearer <token>"';
  }
  if (bodyLooksLikeForm(request) && mentionsAccessToken(request.body)) {
    return options.allowBodyToken
      ? 'access_token in the body of a GET request is not accepted (RFC 6750 §2.2): send "Authorization: Bearer <token>"'
      : 'this API does not accept access_token in the request body: send "Authorization: Bearer <token>"';
  }
  if (headerValues(request.headers, 'authorization').some((value) => value.trim() !== '')) {
    return 'the Authorization header does not use the Bearer scheme';
  }
  return 'an access token is required (Authorization: Bearer <token>)';
}

function bodyLooksLikeForm(request: BearerRequest): boolean {
  const contentType = headerValues(request.headers, 'content-type')[0];
  return contentType !== undefined && mediaType(contentType) === FORM_CONTENT_TYPE;
}
