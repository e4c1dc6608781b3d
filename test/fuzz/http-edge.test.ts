/**
 * Fuzzing the HTTP edge in process: every route (and paths that almost are routes) with every
 * method, content type, body and header, and requests through trusted proxies whose
 * X-Forwarded-* headers are garbage. Each answer is checked by what the path is: the JSON
 * endpoints, a page, a discovery document, or (for odd paths) any well-formed answer.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  authorization,
  bodyNoise,
  contentType,
  cookies,
  encoding,
  extraHeaders,
  fuzzText,
  isHeaderValue,
  OTHER_METHODS,
  param,
  separator,
  type Param,
} from './support/arbitraries.js';
import { createFixture, type Fixture } from './support/fixture.js';
import {
  API_PATHS,
  checkAnyAnswer,
  checkApiAnswer,
  checkDiscoveryAnswer,
  checkPageAnswer,
  PAGE_PATHS,
  type ApiPath,
} from './support/invariants.js';
import type { RequestSpec, Sent } from './support/requests.js';
import { exchange, Tally } from './support/run.js';
import {
  ACCOUNT_PAGE_BASELINES,
  applyMutations,
  AUTHORIZE_BASELINES,
  mutations,
  TOKEN_BASELINES,
  type Baseline,
} from './support/scenarios.js';
import { announceSeed, assertProperty, testTimeout } from './support/settings.js';
import type { LightMyRequestResponse } from 'fastify';

const DISCOVERY_PATHS = ['/healthz', '/.well-known/oauth-authorization-server', '/.well-known/jwks.json'];
/**
 * Paths that almost are routes. inject resolves "." and ".." segments and a leading "//" as a
 * browser would (and the checks judge the path it sends); raw-sockets.test.ts sends such
 * targets unresolved.
 */
const ODD_PATHS = [
  '/oauth/token/',
  '/OAUTH/TOKEN',
  '/oauth//token',
  '//oauth/token',
  '/oauth/%74oken',
  '/oauth/token%00',
  '/oauth/token%2F',
  '/oauth/token;jsessionid=1',
  '/oauth/token%20',
  '/../oauth/token',
  '/oauth/./token',
  '/oauth/authorize/../token',
  '/%zz',
  '/%',
  '/%C0%AE%C0%AE/',
  '/%E2%82%AC',
  '/%FF',
  '/login%3Fx',
  '/login/',
  '/Login',
  '/account/%FF',
  '/account/..%2F..%2Fetc%2Fpasswd',
  `/${'a'.repeat(10_000)}`,
  '/*',
  '*',
  '/.well-known/',
  '/favicon.ico',
  '/healthz?x=%zz',
];

const path: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...API_PATHS) },
  { weight: 4, arbitrary: fc.constantFrom(...Object.keys(PAGE_PATHS)) },
  { weight: 1, arbitrary: fc.constantFrom(...DISCOVERY_PATHS) },
  { weight: 2, arbitrary: fc.constantFrom(...ODD_PATHS) },
  // A random path: printable ASCII as is (but what would make inject read it as a host: "//", "/\\"),
  // the rest percent-encoded.
  {
    weight: 1,
    arbitrary: fuzzText.map((text) => {
      const bytes = [...Buffer.from(text, 'utf8')];
      const keep = (b: number, i: number) =>
        b > 0x20 && b < 0x7f && b !== 0x23 && b !== 0x3f && b !== 0x5c && !(i === 0 && b === 0x2f);
      return `/${bytes.map((b, i) => (keep(b, i) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`)).join('')}`;
    }),
  },
);

const anyRequest: fc.Arbitrary<RequestSpec> = fc.record({
  method: fc.constantFrom('GET', 'POST', 'POST', ...OTHER_METHODS),
  path,
  query: fc.option(
    fc.record({
      params: fc.array(param, { maxLength: 5 }),
      encodings: fc.array(encoding, { minLength: 1, maxLength: 3 }),
      separator,
    }),
    { freq: 3 },
  ),
  body: fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('form' as const),
        params: fc.array(param, { maxLength: 6 }),
        encodings: fc.array(encoding, { minLength: 1, maxLength: 2 }),
        separator,
        noise: fc.array(bodyNoise, { maxLength: 1 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('bytes' as const),
        bytes: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 100 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('json' as const),
        params: fc.array(param, { maxLength: 3 }),
        asArray: fc.boolean(),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('multipart' as const), params: fc.array(param, { maxLength: 3 }) }),
    },
    { weight: 2, arbitrary: fc.constant({ kind: 'none' as const }) },
  ),
  contentType,
  auth: authorization,
  cookies,
  headers: extraHeaders,
  remoteAddress: fc.ipV4(),
});

function checkByPath(fixture: Fixture, sent: Sent, res: LightMyRequestResponse): void {
  if ((API_PATHS as readonly string[]).includes(sent.path)) checkApiAnswer(fixture, sent.path as ApiPath, sent, res);
  else if (Object.hasOwn(PAGE_PATHS, sent.path)) checkPageAnswer(fixture, sent, res);
  else if (DISCOVERY_PATHS.includes(sent.path)) checkDiscoveryAnswer(sent, res);
  else checkAnyAnswer(fixture, sent, res);
}

describe('fuzz: HTTP edge (in process)', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    announceSeed('http-edge');
    fixture = await createFixture();
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it(
    'any method, path, content type, body and headers: a well-formed answer for what the path is',
    async () => {
      const tally = new Tally('any request');
      await assertProperty(
        fc.asyncProperty(anyRequest, async (spec) => {
          await exchange(fixture, spec, (sent, res) => checkByPath(fixture, sent, res), tally);
        }),
        2,
      );
      tally.report();
      await fixture.assertHealthy();
      tally.findings.assertNone();
    },
    testTimeout(2),
  );
});

describe('fuzz: behind trusted proxies, with garbage X-Forwarded-* (in process)', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await createFixture({ trusted_proxies: ['127.0.0.1', '::1', '10.0.0.0/8'] });
  });
  afterAll(async () => {
    await fixture?.close();
  });

  const forwarded: fc.Arbitrary<[string, string][]> = fc.array(
    fc.tuple(
      fc.constantFrom(
        'x-forwarded-for',
        'x-forwarded-host',
        'x-forwarded-proto',
        'x-forwarded-port',
        'forwarded',
        'host',
      ),
      fc.oneof(
        fc.constantFrom(
          '',
          ',',
          ', ,',
          '1.2.3.4, 10.0.0.1',
          'unknown',
          '::ffff:1.2.3.4',
          '[::1]:80',
          '999.1.1.1',
          'a'.repeat(5000),
          '1.1.1.1,'.repeat(500),
          'https, http',
          'evil.fuzz.test',
          'x:y:z',
          '<x-fuzz>',
          'for=_hidden',
        ),
        fuzzText.filter(isHeaderValue),
      ),
    ),
    { minLength: 1, maxLength: 4 },
  );
  const proxied = fc
    .tuple(
      fc.constantFrom(
        ...TOKEN_BASELINES.slice(0, 3),
        ...ACCOUNT_PAGE_BASELINES.slice(0, 3),
        ...AUTHORIZE_BASELINES.slice(0, 2),
      ),
      mutations,
      forwarded,
      fc.constantFrom('127.0.0.1', '::1', '10.1.2.3', '192.0.2.9'),
    )
    .map(([baseline, list, headers, address]) => {
      const spec = applyMutations(baseline, list, address);
      return { ...spec, headers: [...spec.headers, ...headers] };
    });

  it(
    'a proxy that forwards nonsense changes nothing about the answers',
    async () => {
      const tally = new Tally('proxied');
      await assertProperty(
        fc.asyncProperty(proxied, async (spec) => {
          await exchange(fixture, spec, (sent, res) => checkByPath(fixture, sent, res), tally);
        }),
        1,
      );
      tally.report();
      await fixture.assertHealthy();
      tally.findings.assertNone();
    },
    testTimeout(1),
  );
});

describe('fuzz: brute-force throttling at its defaults (in process)', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await createFixture({ login_throttle_threshold: 5, login_throttle_max_delay: 900 });
  });
  afterAll(async () => {
    await fixture?.close();
  });

  // From one address, so the counters fill up: answers turn into 401/400 with Retry-After and 429 pages.
  const wrongPassword = (b: Baseline): Baseline => ({
    ...b,
    params: b.params.map(([n, v]): Param => [n, n === 'password' ? 'wrong password' : v]),
  });
  const wrongSecret = (b: Baseline): Baseline => ({
    ...b,
    auth: {
      kind: 'basic',
      id: { sym: 'clientId', client: 'web' },
      secret: { sym: 'secretMutated', client: 'web', at: 3 },
      encodeParts: true,
    },
  });
  const byName = (name: string) => [...TOKEN_BASELINES, ...ACCOUNT_PAGE_BASELINES].find((b) => b.name === name)!;
  const baselines = [
    wrongPassword(byName('password')),
    wrongPassword(byName('sign in')),
    wrongSecret(byName('client_credentials, Basic')),
    byName('reset request'),
    byName('sign in'),
  ];
  const guesses = fc
    .tuple(
      fc.constantFrom(...baselines),
      fc.oneof({ weight: 2, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: mutations }),
    )
    .map(([baseline, list]) => applyMutations(baseline, list, '203.0.113.66'));

  it(
    'throttled sign-ins, password grants and client authentications: still well-formed 4xx',
    async () => {
      const tally = new Tally('throttled');
      await assertProperty(
        fc.asyncProperty(guesses, async (spec) => {
          await exchange(fixture, spec, (sent, res) => checkByPath(fixture, sent, res), tally);
        }),
        1,
      );
      tally.report();
      await fixture.assertHealthy();
      tally.findings.assertNone();
    },
    testTimeout(1),
  );
});
