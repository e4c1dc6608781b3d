/**
 * From a generated request spec to a real request: symbolic values become real credentials
 * minted by the fixture, parameters are encoded (or mis-encoded) into a query string or body,
 * and the headers are assembled. Also records what was sent, for the invariants.
 */
import { randomBytes } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { CODE_CHALLENGE, CODE_VERIFIER, PASSWORD, formEncode, type Fixture, type FixtureClient } from './fixture.js';
import type { AuthSpec, ClientKey, CookieSpec, CsrfPurposeName, Encoding, Param, Sym, Value } from './arbitraries.js';

export type BodySpec =
  | { kind: 'none' }
  | {
      kind: 'form';
      params: Param[];
      encodings: Encoding[];
      separator: string;
      noise: { at: number; bytes: number[] }[];
      padTo?: number;
    }
  | { kind: 'json'; params: Param[]; asArray: boolean }
  | { kind: 'multipart'; params: Param[] }
  | { kind: 'bytes'; bytes: number[] };

export interface RequestSpec {
  method: string;
  path: string;
  query: { params: Param[]; encodings: Encoding[]; separator: string } | null;
  body: BodySpec;
  contentType: string | undefined;
  auth: AuthSpec;
  cookies: CookieSpec;
  headers: [string, string][];
  remoteAddress: string;
}

/** What was sent, as the invariants need it. */
export interface Sent {
  method: string;
  /** The path the server receives (inject resolves dot segments like a browser). */
  path: string;
  /** The query string as sent (without "?"). */
  query: string;
  /** The body bytes as sent. */
  body: Buffer;
  headers: Record<string, string>;
  /** The session cookie value, when a real, live session was sent. */
  liveSession: string | null;
  /** The session's id hash (for CSRF tokens bound to it). */
  sessionIdHash: string | null;
  /** The CSRF secret cookie, when one was sent under the name the server reads. */
  csrfSecret: string | null;
  /** Valid CSRF tokens this request carried, by purpose (computed for its own cookie and session). */
  csrfTokens: Map<CsrfPurposeName, string>;
  /** The authorization request behind the consent_id this request carried (kept on the server), or null. */
  consent: Record<string, string> | null;
  /** Whether the Authorization header is a Basic attempt (then a 401 needs WWW-Authenticate). */
  basicTried: boolean;
  /** One line describing the request, for failure messages. */
  describe(): string;
}

const SESSION_BOUND: ReadonlySet<CsrfPurposeName> = new Set(['consent', 'logout', 'account']);

function clientOf(fixture: Fixture, key: ClientKey): FixtureClient {
  return fixture[key];
}

/** Changes one character of a secret into another base64url character. */
function mutate(secret: string, at: number): string {
  if (secret === '') return 'x';
  const i = at % secret.length;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const next = alphabet[(alphabet.indexOf(secret[i]!) + 1) % alphabet.length]!;
  return secret.slice(0, i) + next + secret.slice(i + 1);
}

function redirectVariant(uri: string, variant: string): string {
  switch (variant) {
    case 'trailingSlash':
      return `${uri}/`;
    case 'upperCase':
      return uri.replace(/^[a-z]+:\/\/[^/]+/, (origin) => origin.toUpperCase());
    case 'extraQuery':
      return `${uri}${uri.includes('?') ? '&' : '?'}x=1`;
    case 'loopbackPort':
      return uri.replace(/^(https?:\/\/)([^/:]+)/, '$1$2:5173');
    case 'fragment':
      return `${uri}#x`;
    case 'prefix':
      return uri.slice(0, -1);
    case 'http':
      return uri.replace(/^https:/, 'http:');
    default:
      return uri;
  }
}

/** Turns symbolic values into real ones for one request (tokens and codes minted fresh). */
class Resolver {
  private tokens: Promise<{ access_token: string; refresh_token: string }> | undefined;
  /** The pending request a consentId value stands for (the last one resolved). */
  consent: Record<string, string> | null = null;
  constructor(
    private readonly fixture: Fixture,
    private readonly csrfSecret: string,
    private readonly sessionIdHash: string | null,
    readonly csrfTokens: Map<CsrfPurposeName, string>,
  ) {}

  async value(value: Value): Promise<string> {
    if (typeof value === 'string') return value;
    return this.sym(value);
  }

  private async sym(value: Sym): Promise<string> {
    const f = this.fixture;
    switch (value.sym) {
      case 'clientId':
        return clientOf(f, value.client).record.id;
      case 'secret':
        return clientOf(f, value.client).secret ?? '';
      case 'secretMutated':
        return mutate(clientOf(f, value.client).secret ?? '', value.at);
      case 'code':
        return (await f.newCode(clientOf(f, value.client))).code;
      case 'codeVerifier':
        return CODE_VERIFIER;
      case 'codeChallenge':
        return CODE_CHALLENGE;
      case 'redirectUri': {
        const uris = clientOf(f, value.client).record.redirectUris;
        const base = (value.variant === 'second' ? uris[1] : undefined) ?? uris[0] ?? 'https://resource.fuzz.test/cb';
        return redirectVariant(base, value.variant);
      }
      case 'accessToken':
        this.tokens ??= f.newTokens();
        return (await this.tokens).access_token;
      case 'refreshToken':
        this.tokens ??= f.newTokens();
        return (await this.tokens).refresh_token;
      case 'username':
        return f.user.username;
      case 'password':
        return PASSWORD;
      case 'csrf': {
        const token = f.csrf(
          this.csrfSecret,
          value.purpose,
          SESSION_BOUND.has(value.purpose) ? this.sessionIdHash : null,
        );
        if (!this.csrfTokens.has(value.purpose)) this.csrfTokens.set(value.purpose, token);
        return token;
      }
      case 'consentId': {
        // Without a real session there is no consent page to refer to: an id nobody issued.
        if (this.sessionIdHash === null) return 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
        const token = f.csrf(this.csrfSecret, 'consent', this.sessionIdHash);
        const { id, params } = await f.newConsent(
          this.sessionIdHash,
          token,
          clientOf(f, value.client),
          value.responseType,
        );
        this.consent = params;
        return id;
      }
    }
  }
}

function hex(byte: number, lower = false): string {
  const h = byte.toString(16).padStart(2, '0');
  return `%${lower ? h : h.toUpperCase()}`;
}

/** One name=value pair, written the way `encoding` says (as bytes: some ways are not UTF-8). */
function encodePair(name: string, value: string, encoding: Encoding): Buffer {
  switch (encoding) {
    case 'raw':
      return Buffer.from(`${name}=${value}`, 'utf8');
    case 'percentAll':
    case 'percentLower': {
      const all = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => hex(b, encoding === 'percentLower')).join('');
      return Buffer.from(`${all(name)}=${all(value)}`, 'latin1');
    }
    case 'latin1':
      // Characters above U+00FF lose their high byte: not UTF-8, and not what was meant.
      return Buffer.from(`${name}=${value}`, 'latin1');
    case 'plusSpaces':
      try {
        return Buffer.from(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`, 'latin1');
      } catch {
        // A lone surrogate: encodeURIComponent refuses it, URLSearchParams replaces it.
        return Buffer.from(new URLSearchParams([[name, value]]).toString(), 'latin1');
      }
    default:
      return Buffer.from(new URLSearchParams([[name, value]]).toString(), 'latin1');
  }
}

/** Bytes to a request-target query: printable ASCII stays as is (even a stray %), the rest is %XX. */
function queryText(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) out += b > 0x20 && b < 0x7f && b !== 0x23 ? String.fromCharCode(b) : hex(b);
  return out;
}

async function encodeParams(
  resolver: Resolver,
  params: Param[],
  encodings: Encoding[],
  separator: string,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const [i, [name, value]] of params.entries()) {
    if (i > 0) parts.push(Buffer.from(separator, 'latin1'));
    parts.push(
      encodePair(name, await resolver.value(value), encodings[i % Math.max(1, encodings.length)] ?? 'standard'),
    );
  }
  return Buffer.concat(parts);
}

async function bodyOf(resolver: Resolver, body: BodySpec): Promise<Buffer> {
  switch (body.kind) {
    case 'none':
      return Buffer.alloc(0);
    case 'bytes':
      return Buffer.from(body.bytes);
    case 'json': {
      const pairs: [string, string][] = [];
      for (const [name, value] of body.params) pairs.push([name, await resolver.value(value)]);
      return Buffer.from(JSON.stringify(body.asArray ? pairs : Object.fromEntries(pairs)), 'utf8');
    }
    case 'multipart': {
      const parts: string[] = [];
      for (const [name, value] of body.params) {
        parts.push(
          `------fuzz\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${await resolver.value(value)}\r\n`,
        );
      }
      return Buffer.from(`${parts.join('')}------fuzz--\r\n`, 'utf8');
    }
    case 'form': {
      let bytes = await encodeParams(resolver, body.params, body.encodings, body.separator);
      for (const { at, bytes: noise } of body.noise) {
        const i = at % (bytes.length + 1);
        bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from(noise), bytes.subarray(i)]);
      }
      if (body.padTo !== undefined) {
        // Padding that makes the body exactly padTo bytes (when it is not longer already).
        const prefix = bytes.length > 0 ? '&pad=' : 'pad=';
        const missing = body.padTo - bytes.length - prefix.length;
        if (missing > 0) bytes = Buffer.concat([bytes, Buffer.from(prefix + 'A'.repeat(missing), 'latin1')]);
      }
      return bytes;
    }
  }
}

function authorizationHeader(
  resolverValue: (v: Value) => Promise<string>,
  auth: AuthSpec,
): Promise<string | undefined> {
  switch (auth.kind) {
    case 'none':
      return Promise.resolve(undefined);
    case 'raw':
      return Promise.resolve(auth.value);
    case 'basicBytes':
      return Promise.resolve(`Basic ${Buffer.from(auth.bytes).toString('base64')}`);
    case 'basic':
      return (async () => {
        const id = await resolverValue(auth.id);
        const secret = await resolverValue(auth.secret);
        const credentials = auth.encodeParts ? `${formEncode(id)}:${formEncode(secret)}` : `${id}:${secret}`;
        return `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
      })();
  }
}

/** The session a request should carry, per its cookie spec. */
async function sessionFor(
  fixture: Fixture,
  spec: CookieSpec,
  userId: string | undefined,
): Promise<{ cookie: string | null; idHash: string | null; live: boolean }> {
  switch (spec.session) {
    case 'none':
      return { cookie: null, idHash: null, live: false };
    case 'valid': {
      const { cookieValue, idHash } = await fixture.newSession(userId);
      return { cookie: cookieValue, idHash, live: true };
    }
    case 'otherUserDisabled': {
      const { cookieValue, idHash } = await fixture.newSession(fixture.disabledUser.id);
      return { cookie: cookieValue, idHash, live: false };
    }
    case 'unknown':
      return { cookie: randomBytes(32).toString('base64url'), idHash: null, live: false };
    case 'garbage':
      return { cookie: '%zz<x-fuzz>"\u00ff', idHash: null, live: false };
    case 'huge':
      return { cookie: 'x'.repeat(5000), idHash: null, live: false };
    case 'empty':
      return { cookie: '', idHash: null, live: false };
  }
}

export interface MaterializeOptions {
  /** Whose session a "valid" session cookie is (default: the fixture's main user). */
  userId?: string;
}

export async function materialize(
  fixture: Fixture,
  spec: RequestSpec,
  options: MaterializeOptions = {},
): Promise<{ options: InjectOptions; sent: Sent }> {
  const session = await sessionFor(fixture, spec.cookies, options.userId);
  const csrfSecret =
    spec.cookies.csrf === 'valid'
      ? randomBytes(32).toString('base64url')
      : spec.cookies.csrf === 'short'
        ? 'abc'
        : spec.cookies.csrf === 'garbage'
          ? 'é%zz;'
          : null;
  const csrfTokens = new Map<CsrfPurposeName, string>();
  // CSRF tokens are computed for this request's secret (a random one when it sends none).
  const resolver = new Resolver(
    fixture,
    csrfSecret ?? randomBytes(32).toString('base64url'),
    session.idHash,
    csrfTokens,
  );

  const names = spec.cookies.unprefixed
    ? { session: 'gatehouse_session', csrf: 'gatehouse_csrf' }
    : fixture.cookieNames;
  const jar: string[] = [];
  if (session.cookie !== null) jar.push(`${names.session}=${session.cookie}`);
  if (csrfSecret !== null) jar.push(`${names.csrf}=${csrfSecret}`);
  if (spec.cookies.duplicates) jar.push(`${names.session}=dup`, `${names.csrf}=dup`);
  jar.push(...spec.cookies.extra);
  const cookie = jar.length > 0 ? jar.join(spec.cookies.separator) : undefined;

  const query = spec.query
    ? queryText(await encodeParams(resolver, spec.query.params, spec.query.encodings, spec.query.separator))
    : '';
  const body = await bodyOf(resolver, spec.body);

  const headers: Record<string, string> = {};
  if (spec.contentType !== undefined) headers['content-type'] = spec.contentType;
  const auth = await authorizationHeader((v) => resolver.value(v), spec.auth);
  if (auth !== undefined) headers.authorization = auth;
  if (cookie !== undefined) headers.cookie = cookie;
  for (const [name, value] of spec.headers) headers[name] = value;

  const url = spec.query ? `${spec.path}?${query}` : spec.path;
  // inject (light-my-request) sends the WHATWG-parsed path: dot segments resolved, so judge that.
  let path: string;
  try {
    path = new URL(url, 'http://localhost').pathname;
  } catch {
    throw new Error(`the test harness cannot send ${JSON.stringify(url)} through inject (raw-sockets.test.ts can)`);
  }
  const sent: Sent = {
    method: spec.method,
    path,
    query,
    body,
    headers,
    // "Live" only under the name the server reads (an http:// deployment's names are ignored here).
    liveSession: session.live && !spec.cookies.unprefixed ? session.cookie : null,
    sessionIdHash: session.idHash,
    // The server takes any CSRF secret cookie it is sent (it only makes well-formed ones itself).
    csrfSecret: csrfSecret !== null && !spec.cookies.unprefixed ? csrfSecret : null,
    csrfTokens,
    consent: resolver.consent,
    basicTried: auth !== undefined && /^basic\b/i.test(auth.trim()),
    describe: () => describeRequest(spec.method, url, headers, body),
  };
  const injectOptions: InjectOptions = {
    method: spec.method as InjectOptions['method'],
    url,
    headers,
    remoteAddress: spec.remoteAddress,
    ...(body.length > 0 || spec.body.kind !== 'none' ? { payload: body } : {}),
  };
  return { options: injectOptions, sent };
}

/** A request in one (truncated) line for failure messages. */
export function describeRequest(method: string, url: string, headers: Record<string, string>, body: Buffer): string {
  const cut = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s);
  const shownHeaders = Object.entries(headers)
    .map(([k, v]) => `${k}: ${cut(JSON.stringify(v), 160)}`)
    .join(' | ');
  return `${method} ${cut(JSON.stringify(url))} [${shownHeaders}] body(${body.length} bytes)=${cut(JSON.stringify(body.toString('latin1')))}`;
}
