/**
 * The harness itself: what every in-process end-to-end test relies on.
 */
import { createConnection } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { describeEachEngine } from '../helpers/databases.js';
import { httpRequest, tokenRequest } from '../helpers/server.js';
import { startTestServer, type TestServer } from './index.js';

/** Whether something accepts TCP connections on 127.0.0.1:port right now. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describeEachEngine('startTestServer', (factory) => {
  let fx: TestServer;
  afterAll(() => fx?.close());

  it('serves the real app on a port of its own, with the settings given as GATEHOUSE_* variables', async () => {
    fx = await startTestServer({ engine: factory.engine, env: { GATEHOUSE_SUPPORTED_SCOPES: 'read write' } });
    const metadata = await httpRequest(`${fx.url}/.well-known/oauth-authorization-server`);
    expect(metadata.status).toBe(200);
    expect(metadata.json.issuer).toBe(fx.url);
    expect(metadata.json.scopes_supported).toEqual(['read', 'write', 'openid', 'profile', 'email']);
  });

  it('registers clients and users as the CLI does, and the tokens follow the injected clock', async () => {
    const client = await fx.createClient(['--grant-type', 'password', '--scope', 'read']);
    expect(client).toMatchObject({ grant_types: ['password'], scope: 'read', public: false });
    await fx.createUser('alice', 'alice@example.com', 'correct horse battery staple', ['--role', 'ROLE_EDITOR']);
    const issued = await tokenRequest(
      fx.url,
      { grant_type: 'password', username: 'alice', password: 'correct horse battery staple' },
      { basic: [client.client_id, client.client_secret!] },
    );
    expect(issued.status, issued.text).toBe(200);
    // The password is stored as argon2id, at the harness's cheap cost.
    const alice = await fx.store.findUserByLogin('alice');
    expect(alice?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=8,t=1,p=1\$/);

    const introspect = await fx.createClient(['--grant-type', 'client_credentials', '--introspect']);
    const basic: [string, string] = [introspect.client_id, introspect.client_secret!];
    const active = await httpRequest(`${fx.url}/oauth/introspect`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(basic.join(':')).toString('base64')}`,
      },
      body: new URLSearchParams({ token: issued.json.access_token }).toString(),
    });
    expect(active.json.active).toBe(true);
    fx.clock.advance(3601);
    const expired = await httpRequest(`${fx.url}/oauth/introspect`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(basic.join(':')).toString('base64')}`,
      },
      body: new URLSearchParams({ token: issued.json.access_token }).toString(),
    });
    expect(expired.json).toEqual({ active: false });
  });

  it('keeps the log lines, as gatehouse serve writes them', () => {
    const lines = fx
      .logs()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'request', path: '/oauth/token', status: 200 }));
  });

  it('close() stops listening and is idempotent', async () => {
    const { port } = fx;
    expect(await accepts(port)).toBe(true);
    await Promise.all([fx.close(), fx.close()]);
    expect(await accepts(port)).toBe(false);
  });
});

describe('startTestServer without a socket', () => {
  it('answers through app.inject', async () => {
    const fx = await startTestServer({ listen: false });
    try {
      const response = await fx.app.inject({ method: 'GET', url: '/healthz' });
      expect(response.statusCode).toBe(200);
      expect(fx.url).toBe('');
    } finally {
      await fx.close();
    }
  });
});
