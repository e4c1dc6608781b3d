/**
 * Fuzzing the JSON endpoints in process: /oauth/token, /oauth/revoke, /oauth/introspect.
 * Requests are real flows with random mutations, or random from scratch. Every answer must be a
 * 4xx RFC 6749 §5.2 error with the endpoint's own error codes, or a well-formed 200 that only an
 * authenticated client gets; never a 5xx, never a hang, never a logged error. After each
 * property the server must still issue tokens and answer /healthz. An error_description with
 * characters RFC 6749 §5.2 forbids is recorded and fails the test after the property (so it
 * does not hide worse problems the same run would find).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  authorization,
  contentType,
  cookies,
  encoding,
  extraHeaders,
  OTHER_METHODS,
  param,
  remoteAddress,
  separator,
  bodyNoise,
} from './support/arbitraries.js';
import { createFixture, type Fixture } from './support/fixture.js';
import { checkApiAnswer, type ApiPath } from './support/invariants.js';
import type { RequestSpec } from './support/requests.js';
import { exchange, Tally } from './support/run.js';
import {
  INTROSPECT_BASELINES,
  mutatedRequest,
  NO_COOKIES,
  DEVICE_AUTHORIZATION_BASELINES,
  EXTENSION_GRANT_BASELINES,
  REVOKE_BASELINES,
  TOKEN_BASELINES,
  type Baseline,
} from './support/scenarios.js';
import { announceSeed, assertProperty, testTimeout } from './support/settings.js';

let fixture: Fixture;

beforeAll(async () => {
  announceSeed('api-endpoints');
  fixture = await createFixture();
});
afterAll(async () => {
  await fixture?.close();
});

/** A request built from nothing: any method, parameters, encoding, body and headers. */
function randomRequest(path: ApiPath): fc.Arbitrary<RequestSpec> {
  return fc.record({
    method: fc.oneof(
      { weight: 4, arbitrary: fc.constant('POST') },
      { weight: 1, arbitrary: fc.constantFrom(...OTHER_METHODS) },
    ),
    path: fc.constant(path),
    query: fc.option(
      fc.record({
        params: fc.array(param, { maxLength: 6 }),
        encodings: fc.array(encoding, { minLength: 1, maxLength: 3 }),
        separator,
      }),
      { freq: 4 },
    ),
    body: fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record({
          kind: fc.constant('form' as const),
          params: fc.array(param, { maxLength: 10 }),
          encodings: fc.array(encoding, { minLength: 1, maxLength: 3 }),
          separator,
          noise: fc.array(bodyNoise, { maxLength: 2 }),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('bytes' as const),
          bytes: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 200 }),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('json' as const),
          params: fc.array(param, { maxLength: 5 }),
          asArray: fc.boolean(),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('multipart' as const), params: fc.array(param, { maxLength: 5 }) }),
      },
      { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
    ),
    contentType,
    auth: authorization,
    cookies: fc.oneof({ weight: 3, arbitrary: fc.constant(NO_COOKIES) }, { weight: 1, arbitrary: cookies }),
    headers: extraHeaders,
    remoteAddress,
  });
}

function endpointProperties(path: ApiPath, baselines: Baseline[]): void {
  describe(`${path}`, () => {
    it(
      'real requests with random mutations: 4xx in the RFC shape, or a well-formed 200',
      async () => {
        const tally = new Tally(`${path} mutated`);
        await assertProperty(
          fc.asyncProperty(mutatedRequest(baselines), async ({ baseline, spec }) => {
            tally.add(baseline.split(',')[0]!);
            await exchange(fixture, spec, (sent, res) => checkApiAnswer(fixture, path, sent, res), tally);
          }),
          1.5,
        );
        tally.report();
        await fixture.assertHealthy();
        tally.findings.assertNone();
      },
      testTimeout(1.5),
    );

    it(
      'random requests from scratch: 4xx in the RFC shape',
      async () => {
        const tally = new Tally(`${path} random`);
        await assertProperty(
          fc.asyncProperty(randomRequest(path), async (spec) => {
            await exchange(fixture, spec, (sent, res) => checkApiAnswer(fixture, path, sent, res), tally);
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
}

describe('fuzz: JSON endpoints (in process)', () => {
  endpointProperties('/oauth/token', [...TOKEN_BASELINES, ...EXTENSION_GRANT_BASELINES]);
  endpointProperties('/oauth/revoke', REVOKE_BASELINES);
  endpointProperties('/oauth/introspect', INTROSPECT_BASELINES);
  endpointProperties('/oauth/device_authorization', DEVICE_AUTHORIZATION_BASELINES);
});

describe('fuzz: JSON endpoints with JWT access tokens (in process)', () => {
  let jwt: Fixture;
  beforeAll(async () => {
    jwt = await createFixture({
      access_token_format: 'jwt',
      key_encryption_key: 'fuzz key encryption key, 32+ characters long',
      jwt_user_claims: true,
    });
  });
  afterAll(async () => {
    await jwt?.close();
  });

  it(
    'token, revocation and introspection requests with random mutations',
    async () => {
      const tally = new Tally('JWT');
      const baselines = [...TOKEN_BASELINES, ...REVOKE_BASELINES, ...INTROSPECT_BASELINES];
      await assertProperty(
        fc.asyncProperty(mutatedRequest(baselines), async ({ spec }) => {
          await exchange(jwt, spec, (sent, res) => checkApiAnswer(jwt, spec.path as ApiPath, sent, res), tally);
        }),
        1,
      );
      tally.report();
      await jwt.assertHealthy();
      tally.findings.assertNone();
    },
    testTimeout(1),
  );
});
