import { afterEach, describe, expect, it } from 'vitest';
import { type Handler, json, type LocalServer, localServer } from '../../test/harness/local-servers.js';
import { ManualClock } from '../core/clock.js';
import { RemoteKeySetError } from '../core/ports/remote-keys.js';
import { MAX_REMOTE_KEYS, type OutboundSettings, remoteJwksCache } from './remote-jwks.js';

const servers: LocalServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const okp = (kid: string) => ({ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid });

const development: OutboundSettings = { timeout: 5, max_bytes: 512 * 1024, allow_loopback: true };

/** Key sets as composeServices builds them, from outbound_fetch settings (development: loopback allowed). */
async function setUp(handler: Handler, settings = development) {
  const server = await localServer(handler);
  servers.push(server);
  const clock = new ManualClock(1_700_000_000);
  const warnings: { fields: object; message: string }[] = [];
  const keySets = remoteJwksCache(settings, clock, {
    warn: (fields, message) => warnings.push({ fields, message }),
  });
  return { server, clock, keySets, warnings };
}

async function rejection(promise: Promise<unknown>): Promise<RemoteKeySetError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(RemoteKeySetError);
  return error as RemoteKeySetError;
}

describe('RemoteJwksCache (the RemoteKeySets port)', () => {
  it('gives the keys of a JWK Set, cached', async () => {
    const { server, keySets } = await setUp(json({ keys: [okp('a'), okp('b')] }));
    expect(await keySets.keySet(server.url('/jwks'))).toEqual({ keys: [okp('a'), okp('b')] });
    expect(await keySets.keySet(server.url('/jwks'))).toEqual({ keys: [okp('a'), okp('b')] });
    expect(server.requests).toHaveLength(1);
  });

  it('hands out copies: what a caller does to a key does not change the cached set', async () => {
    const { server, keySets } = await setUp(json({ keys: [okp('a')] }));
    const first = await keySets.keySet(server.url());
    first.keys[0]!.kid = 'tampered';
    first.keys.push(okp('extra'));
    expect(await keySets.keySet(server.url())).toEqual({ keys: [okp('a')] });
  });

  it('leaves out keys without a kty (RFC 7517 §5: ignored, not fatal)', async () => {
    const { server, keySets } = await setUp(json({ keys: [okp('a'), { kid: 'no-kty' }, { kty: 7 }] }));
    expect(await keySets.keySet(server.url())).toEqual({ keys: [okp('a')] });
  });

  it('a new key is found by a refresh, at most once a minute', async () => {
    let keys = [okp('old')];
    const { server, clock, keySets } = await setUp((request, response) => json({ keys })(request, response));
    await keySets.keySet(server.url());
    keys = [okp('old'), okp('new')];
    // Fetched just now: a refresh (a token with an unknown kid) does not reach the server again.
    expect((await keySets.keySet(server.url(), { refresh: true })).keys).toHaveLength(1);
    clock.advance(60);
    expect((await keySets.keySet(server.url(), { refresh: true })).keys).toEqual([okp('old'), okp('new')]);
    expect(server.requests).toHaveLength(2);
  });

  it.each([
    ['an array', []],
    ['an object without keys', { jwks: [] }],
    ['keys that are not an array', { keys: { a: 1 } }],
    ['a member that is not an object', { keys: [okp('a'), 'b'] }],
    ['a null member', { keys: [null] }],
    [
      `more than ${MAX_REMOTE_KEYS} keys`,
      { keys: Array.from({ length: MAX_REMOTE_KEYS + 1 }, (_, i) => okp(`k${i}`)) },
    ],
  ])('refuses %s (invalid_key_set)', async (_case, document) => {
    const { server, keySets } = await setUp(json(document));
    const error = await rejection(keySets.keySet(server.url('/jwks')));
    expect(error.reason).toBe('invalid_key_set');
    expect(error.message).toContain(`127.0.0.1:${server.port}`);
  });

  it('accepts exactly the most keys allowed, and an empty set', async () => {
    const many = Array.from({ length: MAX_REMOTE_KEYS }, (_, i) => okp(`k${i}`));
    const { server, keySets } = await setUp((request, response) =>
      json({ keys: request.url === '/many' ? many : [] })(request, response),
    );
    expect((await keySets.keySet(server.url('/many'))).keys).toHaveLength(MAX_REMOTE_KEYS);
    expect((await keySets.keySet(server.url('/empty'))).keys).toEqual([]);
  });

  it('turns a failed fetch into RemoteKeySetError with its reason, logging the host only', async () => {
    const { server, keySets, warnings } = await setUp((_request, response) => {
      response.writeHead(302, { location: 'http://169.254.169.254/' }).end();
    });
    const error = await rejection(keySets.keySet(server.url('/jwks?client_secret=s3cret')));
    expect(error.reason).toBe('redirect');
    expect(error.message).not.toMatch(/s3cret|jwks/);
    expect(warnings).toEqual([
      { fields: { host: `127.0.0.1:${server.port}`, reason: 'redirect' }, message: 'outbound fetch failed' },
    ]);
  });

  it('where loopback is not allowed a loopback jwks_uri is refused without a connection', async () => {
    const { server, keySets } = await setUp(json({ keys: [okp('a')] }), { ...development, allow_loopback: false });
    expect((await rejection(keySets.keySet(server.url()))).reason).toBe('bad_url');
    expect((await rejection(keySets.keySet(`https://localhost:${server.port}/jwks`))).reason).toBe('forbidden_address');
    expect(server.connections).toBe(0);
  });

  it('takes its size limit from outbound_fetch.max_bytes', async () => {
    const keys = Array.from({ length: 30 }, (_, i) => okp(`k${i}`));
    const { server, keySets } = await setUp(json({ keys }), { ...development, max_bytes: 2048 });
    expect((await rejection(keySets.keySet(server.url()))).reason).toBe('too_large');
  });
});
