import { afterEach, describe, expect, it } from 'vitest';
import { gate, type Handler, json, type LocalServer, localServer } from '../../test/harness/local-servers.js';
import { ManualClock } from '../core/clock.js';
import { GuardedFetcher, OutboundFetchError } from './guarded-fetch.js';
import { type JsonCacheOptions, JsonCache } from './json-cache.js';

const servers: LocalServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function setUp(handler: Handler, options: Partial<JsonCacheOptions> = {}) {
  const server = await localServer(handler);
  servers.push(server);
  const clock = new ManualClock(1_700_000_000);
  const failures: OutboundFetchError[] = [];
  const fetcher = new GuardedFetcher({ timeoutMs: 5000, maxBytes: 64 * 1024, allowLoopback: true });
  const cache = new JsonCache(fetcher, clock, options, (failure) => failures.push(failure));
  return { server, clock, cache, failures };
}

/** A JSON document that says how many times it was served. */
function counting(headers: Record<string, string> = {}): Handler {
  let served = 0;
  return (request, response) => json({ served: ++served, path: request.url }, headers)(request, response);
}

describe('the outbound JSON cache', () => {
  it('answers a second call from the cache: the server is asked once', async () => {
    const { server, cache } = await setUp(counting());
    expect(await cache.get(server.url('/jwks'))).toEqual({ served: 1, path: '/jwks' });
    expect(await cache.get(server.url('/jwks'))).toEqual({ served: 1, path: '/jwks' });
    // The same URL written differently (host case, fragment) is the same entry.
    expect(await cache.get(server.url('/jwks#x').replace('http', 'HTTP'))).toEqual({ served: 1, path: '/jwks' });
    expect(server.requests).toHaveLength(1);
    // Another URL is another document.
    expect(await cache.get(server.url('/other'))).toEqual({ served: 2, path: '/other' });
  });

  it('keeps a document for its max-age, then asks again', async () => {
    const { server, clock, cache } = await setUp(counting({ 'cache-control': 'max-age=120' }));
    await cache.get(server.url());
    clock.advance(119);
    expect(await cache.get(server.url())).toMatchObject({ served: 1 });
    clock.advance(1);
    expect(await cache.get(server.url())).toMatchObject({ served: 2 });
  });

  it.each([
    ['no Cache-Control', undefined, 600],
    ['max-age=5 (raised to the minimum)', 'max-age=5', 60],
    ['no-store (kept the minimum all the same)', 'no-store', 60],
    ['max-age of a year (cut to a day)', 'max-age=31536000', 86_400],
  ])('with %s a document is kept %i seconds', async (_case, cacheControl, seconds) => {
    const headers: Record<string, string> = cacheControl ? { 'cache-control': cacheControl } : {};
    const { server, clock, cache } = await setUp(counting(headers));
    await cache.get(server.url());
    clock.advance(seconds - 1);
    expect(await cache.get(server.url())).toMatchObject({ served: 1 });
    clock.advance(1);
    expect(await cache.get(server.url())).toMatchObject({ served: 2 });
  });

  it('refresh fetches again, at most once a minute', async () => {
    const { server, clock, cache } = await setUp(counting({ 'cache-control': 'max-age=3600' }));
    await cache.get(server.url());
    // Fetched just now: a refresh is answered from the cache.
    expect(await cache.get(server.url(), { refresh: true })).toMatchObject({ served: 1 });
    clock.advance(59);
    expect(await cache.get(server.url(), { refresh: true })).toMatchObject({ served: 1 });
    clock.advance(1);
    expect(await cache.get(server.url(), { refresh: true })).toMatchObject({ served: 2 });
    expect(await cache.get(server.url(), { refresh: true })).toMatchObject({ served: 2 });
    expect(await cache.get(server.url())).toMatchObject({ served: 2 });
    expect(server.requests).toHaveLength(2);
  });

  it('concurrent calls for one URL share one fetch', async () => {
    const held = gate();
    let served = 0;
    const { server, cache } = await setUp((request, response) => {
      served++;
      held.opened.then(() => json({ served })(request, response));
    });
    const calls = Array.from({ length: 10 }, () => cache.get(server.url('/jwks')));
    held.open();
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 10 }, () => ({ served: 1 })));
    expect(server.connections).toBe(1);
  });

  it('remembers a failure for a minute: a broken URL is not asked on every call', async () => {
    let status = 500;
    const { server, clock, cache, failures } = await setUp((request, response) => {
      if (status === 200) return json({ ok: true })(request, response);
      response.writeHead(status).end();
    });
    const first = await cache.get(server.url()).catch((error: unknown) => error);
    expect(first).toBeInstanceOf(OutboundFetchError);
    expect((first as OutboundFetchError).reason).toBe('bad_status');
    status = 200;
    clock.advance(59);
    await expect(cache.get(server.url())).rejects.toBe(first);
    await expect(cache.get(server.url(), { refresh: true })).rejects.toBe(first);
    expect(server.requests).toHaveLength(1);
    expect(failures.map((failure) => [failure.reason, failure.host])).toEqual([
      ['bad_status', `127.0.0.1:${server.port}`],
    ]);
    clock.advance(1);
    expect(await cache.get(server.url())).toEqual({ ok: true });
  });

  it('lets one host have only so many fetches in flight: more fail at once (host_busy), not cached', async () => {
    const held = gate();
    const { server, cache } = await setUp(
      (request, response) => {
        held.opened.then(() => json({ path: request.url })(request, response));
      },
      { perHostLimit: 2 },
    );
    const first = cache.get(server.url('/a'));
    const second = cache.get(server.url('/b'));
    const third = await cache.get(server.url('/c')).catch((error: unknown) => error);
    expect((third as OutboundFetchError).reason).toBe('host_busy');
    held.open();
    expect(await Promise.all([first, second])).toEqual([{ path: '/a' }, { path: '/b' }]);
    // Once they are done the host may be asked again.
    expect(await cache.get(server.url('/c'))).toEqual({ path: '/c' });
    expect(server.requests.map((request) => request.url)).toEqual(['/a', '/b', '/c']);
  });

  it('keeps at most maxEntries documents: the least recently used goes first', async () => {
    const { server, cache } = await setUp(counting(), { maxEntries: 2 });
    await cache.get(server.url('/a'));
    await cache.get(server.url('/b'));
    await cache.get(server.url('/a'));
    await cache.get(server.url('/c'));
    // /b was the least recently used: gone; /a and /c still cached.
    await cache.get(server.url('/a'));
    await cache.get(server.url('/c'));
    expect(await cache.get(server.url('/b'))).toMatchObject({ path: '/b', served: 4 });
    expect(server.requests.map((request) => request.url)).toEqual(['/a', '/b', '/c', '/b']);
  });

  it('keeps at most maxTotalBytes of documents', async () => {
    const big = 'x'.repeat(40_000);
    const { server, cache } = await setUp((request, response) => json({ path: request.url, big })(request, response), {
      maxTotalBytes: 100_000,
    });
    await cache.get(server.url('/a'));
    await cache.get(server.url('/b'));
    await cache.get(server.url('/c'));
    await cache.get(server.url('/a'));
    expect(server.requests.map((request) => request.url)).toEqual(['/a', '/b', '/c', '/a']);
  });
});
