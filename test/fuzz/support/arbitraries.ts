/**
 * Generators of adversarial HTTP requests. A request is generated as a *spec* whose values may
 * be symbolic ("a valid secret of the web client", "a fresh refresh token", "a valid CSRF token
 * for this form"); `materialize` (requests.ts) turns them into real values against the fixture
 * at run time, so random requests can be one parameter away from a valid one.
 */
import fc from 'fast-check';

/** Reflected unescaped in an HTML page, this would be markup injection. */
export const MARKUP_MARKER = '<x-fuzz>';

/** Bytes that are not valid UTF-8 (lone continuation, overlong NUL, surrogate, truncated). */
export const INVALID_UTF8: readonly number[][] = [
  [0x80],
  [0xc0, 0x80],
  [0xed, 0xa0, 0x80],
  [0xe2, 0x82],
  [0xff],
  [0xfe, 0xff],
  [0xf4, 0x90, 0x80, 0x80],
];

const NASTY = [
  '\0',
  '\u0001',
  '\u0007',
  '\u001b[31m',
  '\t',
  '\r\n',
  '\n',
  '\u0085',
  '\u2028',
  '\u202e',
  '\ufeff',
  '\ufffd',
  '\ud800',
  '\udfff',
  '\uffff',
  '\u{1f600}',
  '\u{10ffff}',
  'é',
  'ﬀ',
  'Å',
  'İ',
  'ß',
  '€',
  '%',
  '%00',
  '%0',
  '%zz',
  '%e2%82',
  '%E2%82%AC',
  '%ED%A0%80',
  '%C0%80',
  '%FF',
  '%25',
  '%2B',
  '%26',
  '%3D',
  '+',
  '&',
  '=',
  ';',
  '#',
  '?',
  '/',
  '//',
  '\\',
  '..',
  '../',
  ' ',
  '  ',
  MARKUP_MARKER,
  '"',
  "'",
  '`',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template placeholder sent as data, to see it is never filled in
  '${x}',
  '{{x}}',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '[]',
  '[0]',
  '[a]',
  'null',
  'undefined',
  'NaN',
  '-1',
  '0',
  '1e400',
  'true',
  '{}',
  '[',
  "' OR '1'='1",
  '; DROP TABLE clients; --',
  'Basic',
  'Bearer',
  ':',
] as const;

/** A troublesome fragment. */
export const nastyPiece: fc.Arbitrary<string> = fc.constantFrom(...NASTY);

/** UTF-16 code units, lone surrogates included (what JavaScript strings may hold). */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n));

/** Any string a fuzzer should try: ASCII, full Unicode, raw UTF-16 units, and nasty pieces mixed in. */
export const fuzzText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: codeUnit, maxLength: 20 }) },
  {
    weight: 3,
    arbitrary: fc
      .array(fc.oneof(nastyPiece, fc.string({ maxLength: 6 })), { minLength: 1, maxLength: 6 })
      .map((parts) => parts.join('')),
  },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'a'.repeat(256), 'x'.repeat(4097), '%'.repeat(300)) },
);

/** Sizes around the 64 KiB body limit (and well above it). */
export const HUGE_SIZES = [64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 100_000, 1_048_576] as const;

/** A value far larger than any honest one: near and above the body limit. */
export const hugeText: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(1000, 8192, 60_000, 64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 100_000),
    fc.constantFrom('A', '%', '%41', '€', '&a=', '\u{1f600}'),
  )
  .map(([size, unit]) => unit.repeat(Math.ceil(size / unit.length)));

// --- symbolic values -------------------------------------------------------------------

/** Values only the fixture can make; see requests.ts. */
export type Sym =
  | { sym: 'clientId'; client: ClientKey }
  | { sym: 'secret'; client: ClientKey }
  | { sym: 'secretMutated'; client: ClientKey; at: number }
  | { sym: 'code'; client: 'web' | 'spa' }
  | { sym: 'codeVerifier' }
  | { sym: 'codeChallenge' }
  | { sym: 'redirectUri'; client: ClientKey; variant: RedirectVariant }
  | { sym: 'accessToken' }
  | { sym: 'refreshToken' }
  | { sym: 'username' }
  | { sym: 'password' }
  | { sym: 'csrf'; purpose: CsrfPurposeName }
  /** A consent page's opaque id: a pending request of `client` kept for this request's session and CSRF cookie. */
  | { sym: 'consentId'; client: ClientKey; responseType: 'code' | 'token' };

export type Value = string | Sym;
export type ClientKey = 'web' | 'spa' | 'trusted' | 'implicit' | 'resource';
export type RedirectVariant =
  | 'exact'
  | 'second'
  | 'trailingSlash'
  | 'upperCase'
  | 'extraQuery'
  | 'loopbackPort'
  | 'fragment'
  | 'prefix'
  | 'http';
export type CsrfPurposeName =
  | 'login'
  | 'consent'
  | 'logout'
  | 'register'
  | 'confirm'
  | 'reset-request'
  | 'reset-password'
  | 'account'
  | 'email-confirm';

const clientKey = fc.constantFrom<ClientKey>('web', 'spa', 'trusted', 'implicit', 'resource');
const csrfPurpose = fc.constantFrom<CsrfPurposeName>(
  'login',
  'consent',
  'logout',
  'register',
  'confirm',
  'reset-request',
  'reset-password',
  'account',
  'email-confirm',
);

const clientIdValue: fc.Arbitrary<Value> = fc.oneof(
  { weight: 4, arbitrary: clientKey.map((client): Sym => ({ sym: 'clientId', client })) },
  { weight: 1, arbitrary: fc.uuid() },
  { weight: 2, arbitrary: fuzzText },
);

const secretValue: fc.Arbitrary<Value> = fc.oneof(
  { weight: 3, arbitrary: clientKey.map((client): Sym => ({ sym: 'secret', client })) },
  {
    weight: 2,
    arbitrary: fc.tuple(clientKey, fc.nat(42)).map(([client, at]): Sym => ({ sym: 'secretMutated', client, at })),
  },
  { weight: 1, arbitrary: fc.base64String({ minLength: 40, maxLength: 48 }) },
  { weight: 2, arbitrary: fuzzText },
);

const redirectUriValue: fc.Arbitrary<Value> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .tuple(
        clientKey,
        fc.constantFrom<RedirectVariant>(
          'exact',
          'exact',
          'exact',
          'second',
          'trailingSlash',
          'upperCase',
          'extraQuery',
          'loopbackPort',
          'fragment',
          'prefix',
          'http',
        ),
      )
      .map(([client, variant]): Sym => ({ sym: 'redirectUri', client, variant })),
  },
  { weight: 1, arbitrary: fc.webUrl({ withQueryParameters: true, withFragments: true }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'javascript:alert(1)',
      'data:text/html,<x-fuzz>',
      '//evil.fuzz.test/cb',
      'https://evil.fuzz.test/cb',
      'http://[::1]:99999/cb',
      'http://127.0.0.1:0/callback',
      'http://127.0.0.1:65536/callback',
      'http://127.0.0.1:/callback',
    ),
  },
  { weight: 1, arbitrary: fuzzText },
);

const scopeValue: fc.Arbitrary<Value> = fc.oneof(
  fc.constantFrom(
    'read',
    'write',
    'read write',
    'write read',
    'admin',
    'read read',
    'read  write',
    ' read',
    'read ',
    'unknown',
    'READ',
    'openid',
    'read\twrite',
    'read%20write',
    'read+write',
  ),
  fc.array(fc.constantFrom('read', 'write', 'admin', 'x', '"', '\\', 'é'), { maxLength: 5 }).map((s) => s.join(' ')),
  fuzzText,
);

const tokenValue: fc.Arbitrary<Value> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<Sym>({ sym: 'accessToken' }, { sym: 'refreshToken' }) },
  { weight: 1, arbitrary: fc.base64String({ minLength: 43, maxLength: 52 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'eyJhbGciOiJFZERTQSJ9.e30.AAAA', 'a.b.c', '...'),
  },
  { weight: 2, arbitrary: fuzzText },
);

const csrfValue: fc.Arbitrary<Value> = fc.oneof(
  { weight: 4, arbitrary: csrfPurpose.map((purpose): Sym => ({ sym: 'csrf', purpose })) },
  { weight: 1, arbitrary: fc.base64String({ minLength: 43, maxLength: 52 }) },
  { weight: 1, arbitrary: fuzzText },
);

/** return_to of the sign-in pages: our own pages, other origins, odd characters. */
export const returnToValue: fc.Arbitrary<Value> = fc.oneof(
  fc.constantFrom(
    '/account',
    '/account/',
    '/account?done=profile',
    '/login',
    '/oauth/authorize?client_id=x',
    '/oauth/authorize?a=%E2%82%AC',
    '//evil.fuzz.test',
    '/\\evil.fuzz.test',
    'https://evil.fuzz.test/',
    '/account/../..//evil',
    '/account?x=\u20ac',
    '/account?x=\u00e9',
    '/account?x=\u0001',
    '/account?\u2028',
    '/oauth/authorize?\u{1f600}',
    '/account#frag',
    '/login\n',
  ),
  fc.tuple(fc.constantFrom('/account?', '/account/', '/oauth/authorize?', '/login'), fuzzText).map(([a, b]) => a + b),
  fuzzText,
);

/** A value for a parameter of this name: mostly meaningful, sometimes anything. */
export function valueFor(name: string): fc.Arbitrary<Value> {
  const specific = Object.hasOwn(SPECIFIC, name) ? SPECIFIC[name] : undefined;
  const any = fc.oneof({ weight: 15, arbitrary: fuzzText }, { weight: 1, arbitrary: hugeText });
  return specific ? fc.oneof({ weight: 4, arbitrary: specific }, { weight: 1, arbitrary: any }) : any;
}

const SPECIFIC: Record<string, fc.Arbitrary<Value>> = {
  grant_type: fc.constantFrom(
    'client_credentials',
    'password',
    'authorization_code',
    'refresh_token',
    'implicit',
    'urn:ietf:params:oauth:grant-type:jwt-bearer',
    'urn:ietf:params:oauth:grant-type:device_code',
    'CLIENT_CREDENTIALS',
    'client_credentials ',
    'constructor',
    '__proto__',
  ),
  client_id: clientIdValue,
  client_secret: secretValue,
  scope: scopeValue,
  username: fc.oneof(
    fc.constant<Sym>({ sym: 'username' }),
    fc.constantFrom('alice', 'ALICE', 'alice@fuzz.test', 'mallory', 'ａｌｉｃｅ', ' alice ', 'alice\0'),
  ),
  password: fc.oneof(fc.constant<Sym>({ sym: 'password' }), fc.constantFrom('', 'wrong password', 'fuzz password 124')),
  current_password: fc.oneof(fc.constant<Sym>({ sym: 'password' }), fc.constantFrom('wrong password')),
  password_again: fc.oneof(fc.constant<Sym>({ sym: 'password' }), fc.constantFrom('new fuzz password 1', 'other')),
  email: fc.oneof(fc.emailAddress(), fc.constantFrom('alice@fuzz.test', 'x@y', '@', 'a@b.c')),
  code: fc.oneof(
    fc.constantFrom<Sym>({ sym: 'code', client: 'web' }, { sym: 'code', client: 'spa' }),
    fc.base64String({ minLength: 43, maxLength: 52 }),
  ),
  code_verifier: fc.oneof(fc.constant<Sym>({ sym: 'codeVerifier' }), fc.stringMatching(/^[A-Za-z0-9._~-]{43,128}$/)),
  code_challenge: fc.oneof(fc.constant<Sym>({ sym: 'codeChallenge' }), fc.stringMatching(/^[A-Za-z0-9_-]{42,44}$/)),
  code_challenge_method: fc.constantFrom('S256', 's256', 'plain', 'S512', 'S256 '),
  redirect_uri: redirectUriValue,
  refresh_token: fc.oneof(
    fc.constant<Sym>({ sym: 'refreshToken' }),
    fc.constant<Sym>({ sym: 'accessToken' }),
    fc.base64String({ minLength: 43, maxLength: 52 }),
  ),
  token: tokenValue,
  token_type_hint: fc.constantFrom('access_token', 'refresh_token', 'id_token', 'ACCESS_TOKEN', 'unknown'),
  response_type: fc.constantFrom('code', 'token', 'code token', 'id_token', 'CODE', 'code ', 'none'),
  state: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('af0ifjsldkj', 'a b&c=d#e', MARKUP_MARKER)),
  csrf_token: csrfValue,
  decision: fc.constantFrom('allow', 'deny', 'Allow', 'allow ', 'maybe'),
  return_to: returnToValue,
  done: fc.constantFrom('reset', 'profile', 'password', 'confirmed', 'revoked', '__proto__', 'constructor'),
  token_ttl: fc.constantFrom('1'),
};

/** Parameter names: the ones the server reads (plain, array-ish, odd case) and anything else. */
export const KNOWN_NAMES = Object.keys(SPECIFIC).filter((name) => name !== 'token_ttl');

export const paramName: fc.Arbitrary<string> = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...KNOWN_NAMES) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom(...KNOWN_NAMES),
        fc.constantFrom('[]', '[0]', '[a]', '[]=', '.x', ' ', '%00', '\0', '%5B%5D', 'ʼ'),
      )
      .map(([name, suffix]) => name + suffix),
  },
  { weight: 1, arbitrary: fc.constantFrom(...KNOWN_NAMES).map((name) => name.toUpperCase()) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'hasOwnProperty', '', '=', '&', 'a=b', '[]'),
  },
  { weight: 2, arbitrary: fuzzText },
);

export type Param = [name: string, value: Value];

/** One parameter: a name and a value that suits it (or not). */
export const param: fc.Arbitrary<Param> = paramName.chain((name) =>
  valueFor(name.replace(/\[.*$/, '')).map((value): Param => [name, value]),
);

// --- encodings --------------------------------------------------------------------------

/** How one parameter's name and value are written in the body or query. */
export type Encoding = 'standard' | 'raw' | 'percentAll' | 'percentLower' | 'latin1' | 'plusSpaces';
export const encoding: fc.Arbitrary<Encoding> = fc.constantFrom<Encoding>(
  'standard',
  'standard',
  'standard',
  'raw',
  'percentAll',
  'percentLower',
  'latin1',
  'plusSpaces',
);

/** The separators between parameters. */
export const separator: fc.Arbitrary<string> = fc.constantFrom('&', '&', '&', '&', '&&', ';', '&amp;', '\n');

/** Garbage spliced into a body at some position (bytes, so invalid UTF-8 is possible). */
export const bodyNoise: fc.Arbitrary<{ at: number; bytes: number[] }> = fc.record({
  at: fc.nat(),
  bytes: fc.oneof(
    fc.constantFrom(...INVALID_UTF8),
    fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }),
  ),
});

// --- headers -----------------------------------------------------------------------------

export const FORM = 'application/x-www-form-urlencoded';

export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 10, arbitrary: fc.constant(FORM) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      `${FORM}; charset=utf-8`,
      `${FORM};charset=UTF-8`,
      `${FORM}; charset="utf-8"`,
      `${FORM}; charset=iso-8859-1`,
      `${FORM}; charset=utf-16`,
      `${FORM}; charset=`,
      `${FORM} ; charset=utf-8`,
      'APPLICATION/X-WWW-FORM-URLENCODED',
      `${FORM};`,
      `${FORM}; boundary=x`,
      `${FORM}, application/json`,
      `${FORM}x`,
      `x-${FORM}`,
      ` ${FORM}`,
    ),
  },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      undefined,
      '',
      'application/json',
      'application/json; charset=utf-8',
      'multipart/form-data; boundary=----fuzz',
      'multipart/form-data',
      'text/plain',
      'text/plain; charset=utf-8',
      'text/html',
      'application/xml',
      'application/octet-stream',
      '*/*',
      'application/*',
      '/',
      ';',
      'a/b; c',
      'application/x-www-form-urlencoded\u00ff',
    ),
  },
  { weight: 1, arbitrary: fuzzText.filter(isHeaderValue) },
);

/** Can this string be sent as an HTTP header value at all (RFC 9110 §5.5; what Node accepts)? */
export function isHeaderValue(value: string): boolean {
  return /^[\t\x20-\x7e\x80-\xff]*$/.test(value);
}

/** The Authorization header: absent, right, wrong, or malformed in every way. */
export type AuthSpec =
  | { kind: 'none' }
  | { kind: 'basic'; id: Value; secret: Value; encodeParts: boolean }
  | { kind: 'raw'; value: string }
  | { kind: 'basicBytes'; bytes: number[] };

export const authorization: fc.Arbitrary<AuthSpec> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<AuthSpec>({ kind: 'none' }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant<'basic'>('basic'),
      id: clientIdValue,
      secret: secretValue,
      encodeParts: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant<'raw'>('raw'),
      value: fc.oneof(
        fc.constantFrom(
          'Basic',
          'Basic ',
          'Basic  ',
          'basic Og==',
          'BASIC Og==',
          'Basic Og',
          'Basic ===',
          'Basic =',
          'Basic a',
          'Basic YQ==',
          'Basic YTpi',
          'Basic YTpi YTpi',
          'Basic YTpi, Basic YTpi',
          'Basic YT%pi',
          'Basic JTpi',
          'Basic JXp6OiV6eg==',
          'Basic JUUyJTgyOiVFRCVBMCU4MA==',
          'Basic OiA=',
          'Basic\tYTpi',
          'Basic\u00a0YTpi',
          'Basicx YTpi',
          'Bearer abc',
          'Bearer',
          'Digest username="a"',
          'Negotiate YIIB',
          '',
          ' ',
          ' Basic YTpi',
          `Basic ${'A'.repeat(70_000)}`,
          `Basic ${Buffer.from(`${'a'.repeat(300)}:${'b'.repeat(300)}`).toString('base64')}`,
        ),
        fuzzText.filter(isHeaderValue),
        fc.tuple(fc.constantFrom('Basic ', 'basic ', 'Basic  '), fc.base64String()).map(([a, b]) => a + b),
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant<'basicBytes'>('basicBytes'),
      bytes: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 }),
    }),
  },
);

/** The Cookie header: none, a valid session, stale, garbage, duplicated, huge. */
export type CookieSpec = {
  session: 'none' | 'valid' | 'unknown' | 'garbage' | 'huge' | 'empty' | 'otherUserDisabled';
  csrf: 'none' | 'valid' | 'garbage' | 'short';
  /** Cookie names without the __Host- prefix (what an http:// deployment uses). */
  unprefixed: boolean;
  duplicates: boolean;
  extra: string[];
  separator: string;
};

export const cookies: fc.Arbitrary<CookieSpec> = fc.record({
  session: fc.constantFrom<CookieSpec['session']>(
    'none',
    'valid',
    'valid',
    'valid',
    'unknown',
    'garbage',
    'huge',
    'empty',
    'otherUserDisabled',
  ),
  csrf: fc.constantFrom<CookieSpec['csrf']>('none', 'valid', 'valid', 'valid', 'garbage', 'short'),
  unprefixed: fc.constantFrom(false, false, false, true),
  duplicates: fc.boolean(),
  extra: fc.array(
    fc.oneof(
      fc.constantFrom(
        'a=b',
        '=',
        ';',
        'x',
        '__Host-gatehouse_session',
        '__Host-gatehouse_session=',
        '$Version=1',
        'a="b;c"',
        'gatehouse_csrf=%zz',
        `big=${'c'.repeat(5000)}`,
      ),
      fuzzText.filter(isHeaderValue),
    ),
    { maxLength: 3 },
  ),
  separator: fc.constantFrom('; ', ';', ' ; ', ',', ';;'),
});

/** Headers a proxy or a confused client might send. */
export const extraHeaders: fc.Arbitrary<[string, string][]> = fc.array(
  fc.oneof(
    fc.tuple(
      fc.constantFrom(
        'host',
        'x-forwarded-for',
        'x-forwarded-host',
        'x-forwarded-proto',
        'x-forwarded-port',
        'forwarded',
        'x-real-ip',
        'origin',
        'referer',
      ),
      fc.oneof(
        fc.constantFrom(
          '',
          'evil.fuzz.test',
          'evil.fuzz.test:99999',
          '[::1',
          '::1',
          '1.2.3.4, 5.6.7.8',
          'unknown',
          '999.999.999.999',
          'a'.repeat(8000),
          'https',
          'javascript',
          'for=<x-fuzz>;proto=gopher',
          '1.1.1.1,,,,',
          'null',
        ),
        fuzzText.filter(isHeaderValue),
      ),
    ),
    fc.tuple(
      fc.constantFrom(
        'accept',
        'accept-charset',
        'accept-encoding',
        'content-encoding',
        'expect',
        'x-http-method-override',
        'x-request-id',
        'request-id',
      ),
      fc.oneof(
        fc.constantFrom('gzip', 'br', 'application/json', '*/*', '100-continue', 'DELETE', 'identity, *;q=0'),
        fuzzText.filter(isHeaderValue),
      ),
    ),
  ),
  { maxLength: 3 },
);

export const remoteAddress: fc.Arbitrary<string> = fc.oneof(fc.ipV4(), fc.ipV6());

export const OTHER_METHODS = [
  'GET',
  'HEAD',
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
  'TRACE',
  'PROPFIND',
  'SEARCH',
] as const;
