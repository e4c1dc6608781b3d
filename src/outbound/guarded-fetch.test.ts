import type { LookupAddress } from 'node:dns';
import { afterEach, describe, expect, it } from 'vitest';
import { json, jwksTestTls, type LocalServer, localServer } from '../../test/harness/local-servers.js';
import {
  type GuardedFetchOptions,
  GuardedFetcher,
  maxAgeOf,
  OutboundFetchError,
  type Resolver,
} from './guarded-fetch.js';

const development: GuardedFetchOptions = { timeoutMs: 5000, maxBytes: 64 * 1024, allowLoopback: true };
const production: GuardedFetchOptions = { ...development, allowLoopback: false };

const servers: LocalServer[] = [];
async function serve(...args: Parameters<typeof localServer>): Promise<LocalServer> {
  const server = await localServer(...args);
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** The OutboundFetchError `promise` rejects with. */
async function failure(promise: Promise<unknown>): Promise<OutboundFetchError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OutboundFetchError);
  return error as OutboundFetchError;
}

/** A resolver that answers from a table (and counts its questions): no real DNS involved. */
function table(answers: Record<string, string[]>): Resolver & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (hostname: string): Promise<LookupAddress[]> => {
    asked.push(hostname);
    const addresses = answers[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { asked });
}

describe('the guarded fetcher, where loopback is allowed (development)', () => {
  it('fetches a JSON document answered 200, with its max-age', async () => {
    const server = await serve(json({ keys: [] }, { 'cache-control': 'public, max-age=300' }));
    const fetched = await new GuardedFetcher(development).fetchJson(server.url('/jwks?x=1'));
    expect(fetched).toEqual({ body: { keys: [] }, bytes: 11, maxAge: 300 });
    expect(server.requests[0]!.url).toBe('/jwks?x=1');
    expect(server.requests[0]!.method).toBe('GET');
  });

  it('accepts application/jwk-set+json', async () => {
    const server = await serve(json({ keys: [] }, { 'content-type': 'application/jwk-set+json; charset=utf-8' }));
    expect((await new GuardedFetcher(development).fetchJson(server.url())).body).toEqual({ keys: [] });
  });

  it('refuses a redirect and never contacts its target', async () => {
    const target = await serve(json({ keys: [] }));
    const redirecting = await serve((_request, response) => {
      response.writeHead(302, { location: target.url('/jwks') });
      response.end();
    });
    const error = await failure(new GuardedFetcher(development).fetchJson(redirecting.url('/jwks')));
    expect(error.reason).toBe('redirect');
    expect(redirecting.requests).toHaveLength(1);
    expect(target.connections).toBe(0);
  });

  it('gives up on a server that never answers (timeout)', async () => {
    const stalled = await serve(() => {});
    const error = await failure(new GuardedFetcher({ ...development, timeoutMs: 200 }).fetchJson(stalled.url()));
    expect(error.reason).toBe('timeout');
    expect(stalled.requests).toHaveLength(1);
  });

  it('gives up on a body that never ends: the time limit covers the whole fetch', async () => {
    const trickling = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"keys":[');
    });
    const error = await failure(new GuardedFetcher({ ...development, timeoutMs: 200 }).fetchJson(trickling.url()));
    expect(error.reason).toBe('timeout');
  });

  it('tears down a 10 MB answer near the size limit, without reading it all', async () => {
    let finished = false;
    let closed: () => void = () => {};
    const serverSawClose = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const flood = await serve(async (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      const gone = new Promise((resolve) => response.once('close', resolve)).then(closed);
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      for (let sent = 0; sent < 10 * 1024 * 1024 && !response.destroyed; sent += chunk.length) {
        if (!response.write(chunk))
          await Promise.race([new Promise((resolve) => response.once('drain', resolve)), gone]);
      }
      if (!response.destroyed) response.end(() => (finished = true));
    });
    const error = await failure(new GuardedFetcher(development).fetchJson(flood.url()));
    expect(error.reason).toBe('too_large');
    // Read up to the limit, and at most one more chunk of the socket's.
    expect(error.received).toBeGreaterThan(development.maxBytes);
    expect(error.received).toBeLessThanOrEqual(development.maxBytes + 64 * 1024);
    await serverSawClose;
    expect(finished).toBe(false);
  });

  it('refuses an answer whose Content-Length is over the limit before reading its body', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(10 * 1024 * 1024) });
      response.write('{');
    });
    const error = await failure(new GuardedFetcher(development).fetchJson(server.url()));
    expect(error.reason).toBe('too_large');
    expect(error.received).toBe(0);
  });

  it.each([
    ['a body that is not JSON', 'application/json', 'not json at all'],
    ['a body that is not UTF-8', 'application/json', Buffer.from([0x22, 0xff, 0xfe, 0x22])],
    ['an HTML page', 'text/html', '{"keys":[]}'],
    ['no Content-Type', '', '{"keys":[]}'],
  ])('refuses %s (bad_json)', async (_case, contentType, body) => {
    const server = await serve((_request, response) => {
      if (contentType) response.setHeader('content-type', contentType);
      response.end(body);
    });
    expect((await failure(new GuardedFetcher(development).fetchJson(server.url()))).reason).toBe('bad_json');
  });

  it('refuses a compressed body it did not ask for', async () => {
    const server = await serve(json({ keys: [] }, { 'content-encoding': 'gzip' }));
    expect((await failure(new GuardedFetcher(development).fetchJson(server.url()))).reason).toBe('bad_json');
    expect(server.requests[0]!.headers['accept-encoding']).toBe('identity');
  });

  it.each([500, 404, 204, 201])('refuses a %i (bad_status)', async (status) => {
    const server = await serve((_request, response) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(status === 204 ? undefined : '{"keys":[]}');
    });
    expect((await failure(new GuardedFetcher(development).fetchJson(server.url()))).reason).toBe('bad_status');
  });

  it('connects to the address it checked: the host name is resolved once, by the fetcher, and kept as Host', async () => {
    const server = await serve(json({ keys: [] }));
    const resolver = table({ 'jwks.test': ['127.0.0.1'] });
    // jwks.test exists in no real DNS: reaching the server proves nothing resolved it a second time.
    await new GuardedFetcher({ ...development, resolve: resolver }).fetchJson(server.url('/k', 'jwks.test'));
    expect(resolver.asked).toEqual(['jwks.test']);
    expect(server.requests[0]!.headers.host).toBe(`jwks.test:${server.port}`);
  });

  it('tries the next checked address when the first does not answer', async () => {
    const server = await serve(json({ keys: [] }));
    // Nothing listens on 127.0.0.2 at this port: refused, then 127.0.0.1 answers.
    const resolve = table({ 'two.test': ['127.0.0.2', '127.0.0.1'] });
    const fetched = await new GuardedFetcher({ ...development, resolve }).fetchJson(server.url('/', 'two.test'));
    expect(fetched.body).toEqual({ keys: [] });
    expect(resolve.asked).toEqual(['two.test']);
  });

  it('over https: SNI is the host name, the certificate is checked against it', async () => {
    const server = await serve(json({ keys: [{ kty: 'OKP' }] }), jwksTestTls);
    const resolve = table({ 'jwks.test': ['127.0.0.1'] });
    const trusting = new GuardedFetcher({ ...development, resolve, ca: jwksTestTls.cert });
    expect((await trusting.fetchJson(server.url('/jwks', 'jwks.test'))).body).toEqual({ keys: [{ kty: 'OKP' }] });
    expect(server.serverNames).toEqual(['jwks.test']);
    // The system's authorities do not know this certificate: refused.
    const error = await failure(
      new GuardedFetcher({ ...development, resolve }).fetchJson(server.url('/', 'jwks.test')),
    );
    expect(error.reason).toBe('unreachable');
    expect(server.requests).toHaveLength(1);
  });

  it('a name that does not resolve, or a closed port, is unreachable', async () => {
    const fetcher = new GuardedFetcher({ ...development, resolve: table({}) });
    expect((await failure(fetcher.fetchJson('https://nowhere.test/jwks'))).reason).toBe('unreachable');
    const server = await serve(json({}));
    const url = server.url();
    await server.close();
    expect((await failure(new GuardedFetcher(development).fetchJson(url))).reason).toBe('unreachable');
  });

  it('refuses private and link-local addresses even in development', async () => {
    const resolve = table({ 'internal.test': ['10.0.0.5'], 'mixed.test': ['127.0.0.1', '192.168.1.1'] });
    const fetcher = new GuardedFetcher({ ...development, resolve });
    for (const url of [
      'http://internal.test/',
      'http://mixed.test/',
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00::1]/',
      'http://0.0.0.0/',
      'http://[::]/',
    ]) {
      expect((await failure(fetcher.fetchJson(url))).reason).toBe('forbidden_address');
    }
  });
});

describe('the guarded fetcher, where loopback is not allowed (production)', () => {
  it('refuses a loopback server without connecting to it, however the address is written', async () => {
    const server = await serve(json({ keys: [] }));
    const fetcher = new GuardedFetcher(production);
    for (const host of ['127.0.0.1', '2130706433', '0x7f.1', '127.1', '017700000001', '[::ffff:127.0.0.1]', '[::1]']) {
      const error = await failure(fetcher.fetchJson(`https://${host}:${server.port}/jwks`));
      expect(error.reason).toBe('forbidden_address');
    }
    expect(server.connections).toBe(0);
  });

  it('refuses a host name that resolves to loopback (localhost) without connecting', async () => {
    const server = await serve(json({ keys: [] }));
    const error = await failure(new GuardedFetcher(production).fetchJson(`https://localhost:${server.port}/jwks`));
    expect(error.reason).toBe('forbidden_address');
    expect(server.connections).toBe(0);
  });

  it('refuses a name with any forbidden answer, even when another answer is public (no connection tried)', async () => {
    const server = await serve(json({ keys: [] }));
    const resolve = table({ 'rebind.test': ['93.184.215.14', '127.0.0.1'] });
    const error = await failure(
      new GuardedFetcher({ ...production, resolve }).fetchJson(`https://rebind.test:${server.port}/`),
    );
    expect(error.reason).toBe('forbidden_address');
    expect(server.connections).toBe(0);
  });

  it('refuses plain http, other schemes, credentials in the URL and what is not a URL (bad_url)', async () => {
    const server = await serve(json({ keys: [] }));
    const fetcher = new GuardedFetcher(production);
    for (const url of [
      server.url(),
      'ftp://example.com/jwks',
      'file:///etc/passwd',
      'https://user:secret@example.com/jwks',
      'https://user@example.com/jwks',
      'not a url',
    ]) {
      expect((await failure(fetcher.fetchJson(url))).reason).toBe('bad_url');
    }
    expect(server.connections).toBe(0);
  });

  it('names the host only, never the path or query, in its errors', async () => {
    const error = await failure(
      new GuardedFetcher(production).fetchJson('https://127.0.0.1:9/jwks?token=s3cret-value#frag'),
    );
    expect(error.host).toBe('127.0.0.1:9');
    expect(error.message).not.toContain('s3cret');
    expect(error.message).not.toContain('/jwks');
  });
});

describe('Cache-Control', () => {
  it.each([
    [undefined, null],
    ['public', null],
    ['max-age=600', 600],
    ['public, MAX-AGE=120, must-revalidate', 120],
    ['no-store', 0],
    ['max-age=600, no-cache', 0],
    ['max-age=abc', null],
  ])('%s gives max-age %s', (header, expected) => {
    expect(maxAgeOf(header)).toBe(expected);
  });
});
