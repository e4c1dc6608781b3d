/**
 * Requests as "a valid request, then a few mutations": a real flow (a client_credentials call, a
 * consent form post, a sign-in) with 0–5 things broken — a dropped or repeated parameter, a
 * random value, another encoding, a wrong content type, method, Authorization or cookie, noise
 * bytes, a body grown past the limit. Mutation lists shrink well, so a failure comes down to
 * the one or two changes that matter.
 */
import fc from 'fast-check';
import {
  FORM,
  HUGE_SIZES,
  authorization,
  bodyNoise,
  contentType,
  cookies,
  encoding,
  extraHeaders,
  fuzzText,
  hugeText,
  param,
  paramName,
  remoteAddress,
  separator,
  valueFor,
  OTHER_METHODS,
  type AuthSpec,
  type ClientKey,
  type CookieSpec,
  type CsrfPurposeName,
  type Encoding,
  type Param,
  type Value,
} from './arbitraries.js';
import type { BodySpec, RequestSpec } from './requests.js';

export const NO_COOKIES: CookieSpec = {
  session: 'none',
  csrf: 'none',
  unprefixed: false,
  duplicates: false,
  extra: [],
  separator: '; ',
};
const BROWSER: CookieSpec = { ...NO_COOKIES, session: 'valid', csrf: 'valid' };
const ANONYMOUS_BROWSER: CookieSpec = { ...NO_COOKIES, csrf: 'valid' };

const id = (client: ClientKey): Value => ({ sym: 'clientId', client });
const secret = (client: ClientKey): Value => ({ sym: 'secret', client });
const basic = (client: ClientKey): AuthSpec => ({
  kind: 'basic',
  id: id(client),
  secret: secret(client),
  encodeParts: true,
});
const csrf = (purpose: CsrfPurposeName): Value => ({ sym: 'csrf', purpose });
const consentId = (client: ClientKey, responseType: 'code' | 'token' = 'code'): Value => ({
  sym: 'consentId',
  client,
  responseType,
});
const redirect = (client: ClientKey): Value => ({ sym: 'redirectUri', client, variant: 'exact' });

/** A valid request before mutation. `in`: where its parameters go. */
export interface Baseline {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  in: 'query' | 'body';
  params: Param[];
  auth?: AuthSpec;
  cookies?: CookieSpec;
}

function form(name: string, path: string, params: Param[], extra: Partial<Baseline> = {}): Baseline {
  return { name, method: 'POST', path, in: 'body', params, ...extra };
}
function page(name: string, path: string, params: Param[], extra: Partial<Baseline> = {}): Baseline {
  return { name, method: 'GET', path, in: 'query', params, ...extra };
}

export const TOKEN_BASELINES: Baseline[] = [
  form(
    'client_credentials, Basic',
    '/oauth/token',
    [
      ['grant_type', 'client_credentials'],
      ['scope', 'read'],
    ],
    { auth: basic('web') },
  ),
  form('client_credentials, post', '/oauth/token', [
    ['grant_type', 'client_credentials'],
    ['client_id', id('resource')],
    ['client_secret', secret('resource')],
  ]),
  form(
    'password',
    '/oauth/token',
    [
      ['grant_type', 'password'],
      ['username', { sym: 'username' }],
      ['password', { sym: 'password' }],
      ['scope', 'read write'],
    ],
    { auth: basic('web') },
  ),
  form(
    'authorization_code, confidential',
    '/oauth/token',
    [
      ['grant_type', 'authorization_code'],
      ['code', { sym: 'code', client: 'web' }],
      ['redirect_uri', redirect('web')],
      ['code_verifier', { sym: 'codeVerifier' }],
    ],
    { auth: basic('web') },
  ),
  form('authorization_code, public', '/oauth/token', [
    ['grant_type', 'authorization_code'],
    ['client_id', id('spa')],
    ['code', { sym: 'code', client: 'spa' }],
    ['redirect_uri', redirect('spa')],
    ['code_verifier', { sym: 'codeVerifier' }],
  ]),
  form(
    'refresh_token',
    '/oauth/token',
    [
      ['grant_type', 'refresh_token'],
      ['refresh_token', { sym: 'refreshToken' }],
      ['scope', 'read'],
    ],
    { auth: basic('web') },
  ),
];

/** The grants of issue 16 and resource indicators, on the token endpoint. */
export const EXTENSION_GRANT_BASELINES: Baseline[] = [
  form(
    'client_credentials with a resource',
    '/oauth/token',
    [
      ['grant_type', 'client_credentials'],
      ['resource', 'https://api.fuzz.test/'],
    ],
    { auth: basic('web') },
  ),
  form(
    'token exchange, impersonation',
    '/oauth/token',
    [
      ['grant_type', 'urn:ietf:params:oauth:grant-type:token-exchange'],
      ['subject_token', { sym: 'accessToken' }],
      ['subject_token_type', 'urn:ietf:params:oauth:token-type:access_token'],
      ['audience', 'orders'],
      ['scope', 'read'],
    ],
    { auth: basic('web') },
  ),
  form(
    'device_code poll',
    '/oauth/token',
    [
      ['grant_type', 'urn:ietf:params:oauth:grant-type:device_code'],
      ['device_code', 'GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS'],
    ],
    { auth: basic('web') },
  ),
];

export const DEVICE_AUTHORIZATION_BASELINES: Baseline[] = [
  form('device authorization, Basic', '/oauth/device_authorization', [['scope', 'read']], { auth: basic('web') }),
  form('device authorization, post', '/oauth/device_authorization', [
    ['client_id', id('web')],
    ['client_secret', secret('web')],
  ]),
];

export const REVOKE_BASELINES: Baseline[] = [
  form(
    'revoke access token',
    '/oauth/revoke',
    [
      ['token', { sym: 'accessToken' }],
      ['token_type_hint', 'access_token'],
    ],
    { auth: basic('web') },
  ),
  form('revoke refresh token, post', '/oauth/revoke', [
    ['token', { sym: 'refreshToken' }],
    ['token_type_hint', 'refresh_token'],
    ['client_id', id('web')],
    ['client_secret', secret('web')],
  ]),
];

export const INTROSPECT_BASELINES: Baseline[] = [
  form('introspect as resource server', '/oauth/introspect', [['token', { sym: 'accessToken' }]], {
    auth: basic('resource'),
  }),
  form(
    'introspect own refresh token',
    '/oauth/introspect',
    [
      ['token', { sym: 'refreshToken' }],
      ['token_type_hint', 'refresh_token'],
    ],
    { auth: basic('web') },
  ),
];

const AUTHORIZE_PARAMS = (client: ClientKey, responseType = 'code'): Param[] => [
  ['response_type', responseType],
  ['client_id', id(client)],
  ['redirect_uri', redirect(client)],
  ['scope', 'read'],
  ['state', 'af0ifjsldkj'],
  ['code_challenge', { sym: 'codeChallenge' }],
  ['code_challenge_method', 'S256'],
];

export const AUTHORIZE_BASELINES: Baseline[] = [
  page('authorize, web, signed in', '/oauth/authorize', AUTHORIZE_PARAMS('web'), { cookies: BROWSER }),
  page('authorize, spa, signed out', '/oauth/authorize', AUTHORIZE_PARAMS('spa')),
  page('authorize, trusted, signed in', '/oauth/authorize', AUTHORIZE_PARAMS('trusted'), { cookies: BROWSER }),
  page('authorize, implicit, signed in', '/oauth/authorize', AUTHORIZE_PARAMS('implicit', 'token'), {
    cookies: BROWSER,
  }),
  // The consent form: the pending request's opaque id, the CSRF token and the button pressed.
  form(
    'consent allow',
    '/oauth/authorize',
    [
      ['consent_id', consentId('web')],
      ['csrf_token', csrf('consent')],
      ['decision', 'allow'],
    ],
    { cookies: BROWSER },
  ),
  form(
    'consent deny',
    '/oauth/authorize',
    [
      ['consent_id', consentId('spa')],
      ['csrf_token', csrf('consent')],
      ['decision', 'deny'],
    ],
    { cookies: BROWSER },
  ),
  form(
    'consent allow, implicit',
    '/oauth/authorize',
    [
      ['consent_id', consentId('implicit', 'token')],
      ['csrf_token', csrf('consent')],
      ['decision', 'allow'],
    ],
    { cookies: BROWSER },
  ),
];

export const ACCOUNT_PAGE_BASELINES: Baseline[] = [
  page('sign-in page', '/login', [['return_to', '/oauth/authorize?client_id=x']]),
  page('sign-in page, signed in', '/login', [['return_to', '/account']], { cookies: BROWSER }),
  form(
    'sign in',
    '/login',
    [
      ['csrf_token', csrf('login')],
      ['username', { sym: 'username' }],
      ['password', { sym: 'password' }],
      ['return_to', '/account'],
    ],
    { cookies: ANONYMOUS_BROWSER },
  ),
  page('sign-out page', '/logout', [['return_to', '/login']], { cookies: BROWSER }),
  form(
    'sign out',
    '/logout',
    [
      ['csrf_token', csrf('logout')],
      ['return_to', '/account'],
    ],
    { cookies: BROWSER },
  ),
  page('home', '/', []),
  page('sign-up page', '/register', [['return_to', '/account']]),
  form(
    'sign up',
    '/register',
    [
      ['csrf_token', csrf('register')],
      ['username', 'newfuzzer'],
      ['email', 'newfuzzer@fuzz.test'],
      ['password', { sym: 'password' }],
      ['password_again', { sym: 'password' }],
    ],
    { cookies: ANONYMOUS_BROWSER },
  ),
  page('sign-up sent', '/register/sent', []),
  page('confirm link', '/register/confirm', [['token', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']]),
  form(
    'confirm',
    '/register/confirm',
    [
      ['csrf_token', csrf('confirm')],
      ['token', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
      ['password', { sym: 'password' }],
    ],
    { cookies: ANONYMOUS_BROWSER },
  ),
  page('reset page', '/reset', []),
  form(
    'reset request',
    '/reset',
    [
      ['csrf_token', csrf('reset-request')],
      ['username', { sym: 'username' }],
    ],
    { cookies: ANONYMOUS_BROWSER },
  ),
  page('reset sent', '/reset/sent', []),
  page('reset link', '/reset/password', [['token', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']]),
  form(
    'reset password',
    '/reset/password',
    [
      ['csrf_token', csrf('reset-password')],
      ['token', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
      ['password', 'a new password 1'],
      ['password_again', 'a new password 1'],
    ],
    { cookies: ANONYMOUS_BROWSER },
  ),
  page('account', '/account', [['done', 'profile']], { cookies: BROWSER }),
  form(
    'account profile',
    '/account/profile',
    [
      ['csrf_token', csrf('account')],
      ['username', 'renamed'],
      ['email', 'renamed@fuzz.test'],
      ['current_password', { sym: 'password' }],
    ],
    { cookies: BROWSER },
  ),
  form(
    'account password',
    '/account/password',
    [
      ['csrf_token', csrf('account')],
      ['current_password', { sym: 'password' }],
      ['password', 'another password 1'],
      ['password_again', 'another password 1'],
    ],
    { cookies: BROWSER },
  ),
  form(
    'account revoke app',
    '/account/apps/revoke',
    [
      ['csrf_token', csrf('account')],
      ['client_id', id('web')],
    ],
    { cookies: BROWSER },
  ),
  page('e-mail change link', '/account/email/confirm', [['token', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']]),
  form(
    'e-mail change confirm',
    '/account/email/confirm',
    [
      ['csrf_token', csrf('email-confirm')],
      ['token', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
      ['password', { sym: 'password' }],
    ],
    { cookies: ANONYMOUS_BROWSER },
  ),
];

/** One change to a request. */
export type Mutation =
  | { op: 'drop'; at: number }
  | { op: 'duplicate'; at: number; sameValue: boolean; value: Value }
  | { op: 'value'; at: number; value: Value }
  | { op: 'name'; at: number; name: string }
  | { op: 'insert'; at: number; param: Param }
  | { op: 'encoding'; encodings: Encoding[] }
  | { op: 'separator'; separator: string }
  | { op: 'noise'; at: number; bytes: number[] }
  | { op: 'pad'; to: number }
  | { op: 'huge'; at: number; value: string }
  | { op: 'contentType'; value: string | undefined }
  | { op: 'method'; value: string }
  | { op: 'auth'; value: AuthSpec }
  | { op: 'cookies'; value: CookieSpec }
  | { op: 'headers'; value: [string, string][] }
  | { op: 'swapPlace' }
  | { op: 'bodyKind'; kind: 'json' | 'jsonArray' | 'multipart' | 'bytes'; bytes: number[] };

/**
 * One mutation of a request whose parameters are `names` (in order): a new value for one of
 * them is drawn for that parameter's name (a return_to gets return_to-ish values), mostly.
 */
export function mutationOf(names: readonly string[]): fc.Arbitrary<Mutation> {
  const newValue =
    names.length === 0
      ? fc
          .nat()
          .chain((at) =>
            paramName.chain((name) => valueFor(name).map((value) => ({ op: 'value' as const, at, value }))),
          )
      : fc
          .nat(names.length - 1)
          .chain((at) => valueFor(names[at]!).map((value) => ({ op: 'value' as const, at, value })));
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ op: fc.constant('drop' as const), at: fc.nat() }) },
    {
      weight: 3,
      arbitrary: fc.record({
        op: fc.constant('duplicate' as const),
        at: fc.nat(),
        sameValue: fc.boolean(),
        value: fuzzText,
      }),
    },
    { weight: 5, arbitrary: newValue },
    {
      weight: 1,
      arbitrary: fc
        .nat()
        .chain((at) => paramName.chain((name) => valueFor(name).map((value) => ({ op: 'value' as const, at, value })))),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('name' as const), at: fc.nat(), name: paramName }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('insert' as const), at: fc.nat(), param }) },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('encoding' as const),
        encodings: fc.array(encoding, { minLength: 1, maxLength: 4 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('separator' as const), separator }) },
    { weight: 2, arbitrary: bodyNoise.map(({ at, bytes }) => ({ op: 'noise' as const, at, bytes })) },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('pad' as const),
        to: fc.constantFrom(...HUGE_SIZES, 64 * 1024 - 2, 65_000),
      }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('huge' as const), at: fc.nat(), value: hugeText }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('contentType' as const), value: contentType }) },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('method' as const),
        value: fc.constantFrom('GET', 'POST', ...OTHER_METHODS),
      }),
    },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('auth' as const), value: authorization }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('cookies' as const), value: cookies }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('headers' as const), value: extraHeaders }) },
    { weight: 1, arbitrary: fc.constant({ op: 'swapPlace' as const }) },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('bodyKind' as const),
        kind: fc.constantFrom('json' as const, 'jsonArray' as const, 'multipart' as const, 'bytes' as const),
        bytes: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 64 }),
      }),
    },
  );
}

/** How many mutations: some valid requests, mostly one or two changes, sometimes many. */
export function mutationsOf(names: readonly string[] = []): fc.Arbitrary<Mutation[]> {
  const mutation = mutationOf(names);
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant<Mutation[]>([]) },
    { weight: 4, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 2 }) },
    { weight: 2, arbitrary: fc.array(mutation, { minLength: 3, maxLength: 6 }) },
  );
}
export const mutations: fc.Arbitrary<Mutation[]> = mutationsOf();

/** The baseline with the mutations applied, as a request spec. */
export function applyMutations(baseline: Baseline, list: readonly Mutation[], address: string): RequestSpec {
  let params = [...baseline.params];
  let encodings: Encoding[] = ['standard'];
  let sep = '&';
  const noise: { at: number; bytes: number[] }[] = [];
  let padTo: number | undefined;
  let type: string | undefined = baseline.in === 'body' ? FORM : undefined;
  let method: string = baseline.method;
  let auth: AuthSpec = baseline.auth ?? { kind: 'none' };
  let jar: CookieSpec = baseline.cookies ?? NO_COOKIES;
  let headers: [string, string][] = [];
  let place = baseline.in;
  let bodyKind: { kind: 'json' | 'jsonArray' | 'multipart' | 'bytes'; bytes: number[] } | null = null;
  const at = (i: number, length = params.length) => (length === 0 ? 0 : i % length);

  for (const m of list) {
    switch (m.op) {
      case 'drop':
        if (params.length > 0) params.splice(at(m.at), 1);
        break;
      case 'duplicate':
        if (params.length > 0) {
          const [name, value] = params[at(m.at)]!;
          params.splice(at(m.at) + 1, 0, [name, m.sameValue ? value : m.value]);
        }
        break;
      case 'value':
        if (params.length > 0) params[at(m.at)] = [params[at(m.at)]![0], m.value];
        break;
      case 'name':
        if (params.length > 0) params[at(m.at)] = [m.name, params[at(m.at)]![1]];
        break;
      case 'insert':
        params.splice(at(m.at, params.length + 1), 0, m.param);
        break;
      case 'encoding':
        encodings = m.encodings;
        break;
      case 'separator':
        sep = m.separator;
        break;
      case 'noise':
        noise.push({ at: m.at, bytes: m.bytes });
        break;
      case 'pad':
        padTo = m.to;
        break;
      case 'huge':
        if (params.length > 0) params[at(m.at)] = [params[at(m.at)]![0], m.value];
        break;
      case 'contentType':
        type = m.value;
        break;
      case 'method':
        method = m.value;
        break;
      case 'auth':
        auth = m.value;
        break;
      case 'cookies':
        jar = m.value;
        break;
      case 'headers':
        headers = m.value;
        break;
      case 'swapPlace':
        place = place === 'body' ? 'query' : 'body';
        break;
      case 'bodyKind':
        bodyKind = { kind: m.kind, bytes: m.bytes };
        break;
    }
  }
  params = params.slice(0, 40);
  let body: BodySpec = { kind: 'none' };
  if (place === 'body') {
    body = { kind: 'form', params, encodings, separator: sep, noise, ...(padTo !== undefined ? { padTo } : {}) };
    if (bodyKind?.kind === 'json' || bodyKind?.kind === 'jsonArray')
      body = { kind: 'json', params, asArray: bodyKind.kind === 'jsonArray' };
    else if (bodyKind?.kind === 'multipart') body = { kind: 'multipart', params };
    else if (bodyKind?.kind === 'bytes') body = { kind: 'bytes', bytes: bodyKind.bytes };
  }
  return {
    method,
    path: baseline.path,
    query: place === 'query' ? { params, encodings, separator: sep } : null,
    body,
    contentType: type,
    auth,
    cookies: jar,
    headers,
    remoteAddress: address,
  };
}

/** A request spec for one of `baselines`, mutated. */
export function mutatedRequest(baselines: readonly Baseline[]): fc.Arbitrary<{ baseline: string; spec: RequestSpec }> {
  return fc
    .constantFrom(...baselines)
    .chain((baseline) =>
      fc.tuple(fc.constant(baseline), mutationsOf(baseline.params.map(([name]) => name)), remoteAddress),
    )
    .map(([baseline, list, address]) => ({ baseline: baseline.name, spec: applyMutations(baseline, list, address) }));
}
