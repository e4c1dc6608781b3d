/**
 * The guarded fetcher's POST (Back-Channel Logout): the same address and URL rules as its GET,
 * the form sent as application/x-www-form-urlencoded, the status answered, redirects never followed.
 */
import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { json, type LocalServer, localServer } from '../../test/harness/local-servers.js';
import { type GuardedFetchOptions, GuardedFetcher, OutboundFetchError } from './guarded-fetch.js';

const development: GuardedFetchOptions = { timeoutMs: 5000, maxBytes: 64 * 1024, allowLoopback: true };
const production: GuardedFetchOptions = { ...development, allowLoopback: false };

const servers: LocalServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A server answering `status`, keeping each request's body. */
async function receiver(status: number, headers: Record<string, string> = {}) {
  const bodies: string[] = [];
  const server = await localServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      bodies.push(body);
      response.writeHead(status, headers);
      response.end('ignored');
    });
  });
  servers.push(server);
  return { server, bodies };
}

async function failure(promise: Promise<unknown>): Promise<OutboundFetchError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OutboundFetchError);
  return error as OutboundFetchError;
}

describe('GuardedFetcher.postForm', () => {
  it('posts the fields as a form and answers the status', async () => {
    const { server, bodies } = await receiver(204);
    const status = await new GuardedFetcher(development).postForm(server.url('/logout?x=1'), { logout_token: 'a.b+c' });
    expect(status).toBe(204);
    expect(server.requests[0]!.method).toBe('POST');
    expect(server.requests[0]!.url).toBe('/logout?x=1');
    expect(server.requests[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(bodies).toEqual(['logout_token=a.b%2Bc']);
  });

  it('answers a redirect as its status and never contacts its target', async () => {
    const target = await localServer(json({}));
    servers.push(target);
    const { server } = await receiver(307, { location: target.url('/logout') });
    expect(await new GuardedFetcher(development).postForm(server.url(), { logout_token: 't' })).toBe(307);
    expect(target.connections).toBe(0);
  });

  it('gives up on a server that never answers (timeout)', async () => {
    const stalled = await localServer(() => {});
    servers.push(stalled);
    const error = await failure(new GuardedFetcher({ ...development, timeoutMs: 200 }).postForm(stalled.url(), {}));
    expect(error.reason).toBe('timeout');
  });

  it('in production: refuses loopback and plain http without connecting', async () => {
    const { server } = await receiver(200);
    const fetcher = new GuardedFetcher(production);
    expect((await failure(fetcher.postForm(`https://127.0.0.1:${server.port}/`, {}))).reason).toBe('forbidden_address');
    expect((await failure(fetcher.postForm(server.url(), {}))).reason).toBe('bad_url');
    expect(server.connections).toBe(0);
  });
});
