/**
 * The key sets composeServices wires from outbound_fetch: what private_key_jwt and the JWT bearer
 * grant will be handed. The in-process server's issuer is http://127.0.0.1:PORT, so by default
 * loopback is allowed (development); said otherwise in the environment, it is refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { json, type LocalServer, localServer } from '../../test/harness/local-servers.js';
import { startTestServer, type TestServer } from '../../test/harness/index.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()));
});

async function setUp(env: Record<string, string> = {}): Promise<{ fx: TestServer; jwks: LocalServer }> {
  const jwks = await localServer(json({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'AAAA', kid: 'k1' }] }));
  open.push(jwks);
  const fx = await startTestServer({ env });
  open.push(fx);
  return { fx, jwks };
}

describe('composeServices: remoteKeySets', () => {
  it('fetches a key set from a development server and caches it on the server clock', async () => {
    const { fx, jwks } = await setUp();
    const { remoteKeySets } = fx.gatehouse;
    expect((await remoteKeySets.keySet(jwks.url('/jwks'))).keys.map((key) => key.kid)).toEqual(['k1']);
    await remoteKeySets.keySet(jwks.url('/jwks'));
    expect(jwks.requests).toHaveLength(1);
    fx.clock.advance(600);
    await remoteKeySets.keySet(jwks.url('/jwks'));
    expect(jwks.requests).toHaveLength(2);
  });

  it('refuses loopback when outbound_fetch.allow_loopback is false, logging the host and reason only', async () => {
    const { fx, jwks } = await setUp({ GATEHOUSE_OUTBOUND_FETCH_ALLOW_LOOPBACK: 'false' });
    const url = `https://localhost:${jwks.port}/jwks?secret=q-s3cret`;
    await expect(fx.gatehouse.remoteKeySets.keySet(url)).rejects.toMatchObject({ reason: 'forbidden_address' });
    expect(jwks.connections).toBe(0);
    const line = fx
      .logs()
      .split('\n')
      .find((text) => text.includes('outbound fetch failed'));
    expect(JSON.parse(line!)).toMatchObject({ host: `localhost:${jwks.port}`, reason: 'forbidden_address' });
    expect(fx.logs()).not.toContain('q-s3cret');
  });
});
