/**
 * The example reverse proxy (examples/cluster/proxy.mjs) against stand-in nodes (plain
 * node:http servers that echo, count, or die on purpose), so each of its rules is checked on its
 * own: round robin, the X-Forwarded-* it sends, streaming, and above all when it may send a
 * request to another node. A POST /oauth/token that reached a node must never be sent again
 * (it may have consumed a refresh token or a code there); one that could not be delivered may.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createProxy, type Proxy as ClusterProxy } from '../../examples/cluster/proxy.mjs';
import { freePort } from '../helpers/server.js';

interface StandIn {
  name: string;
  url: string;
  /** Requests received, as "METHOD /path". */
  received: string[];
  server: http.Server;
}

const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((thing) => thing.close()));
});

/** A stand-in node; `handler` answers (default: echo what arrived as JSON). */
async function standIn(
  name: string,
  handler?: (request: http.IncomingMessage, response: http.ServerResponse, body: Buffer) => void,
): Promise<StandIn> {
  const received: string[] = [];
  const server = http.createServer((request, response) => {
    received.push(`${request.method} ${request.url}`);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      if (handler) return handler(request, response, body);
      response.setHeader('content-type', 'application/json');
      response.setHeader('set-cookie', [`a_${name}=1; Path=/`, `b_${name}=2; Path=/`]);
      response.end(
        JSON.stringify({
          name,
          headers: request.headers,
          length: body.length,
          sha256: createHash('sha256').update(body).digest('hex'),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  opened.push({
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return { name, url: `http://127.0.0.1:${port}`, received, server };
}

/** A node that reads the whole request, then drops the connection without answering (it crashed mid-request). */
const dropsAfterReading = (name: string) => standIn(name, (request) => request.socket.destroy());

/** A URL nobody listens on: connecting is refused. */
async function deadUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}

async function startProxy(
  upstreams: string[],
  options: { trustForwarded?: boolean; healthIntervalMs?: number } = {},
): Promise<{ proxy: ClusterProxy; url: string; log: string[] }> {
  const log: string[] = [];
  const proxy = createProxy({ upstreams, healthIntervalMs: 0, ...options, log: (message) => log.push(message) });
  const port = await proxy.listen(0);
  opened.push({ close: () => proxy.close(1000) });
  return { proxy, url: `http://127.0.0.1:${port}`, log };
}

const postToken = (url: string) =>
  fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=refresh_token&refresh_token=abc',
  });

describe('examples/cluster/proxy.mjs', () => {
  it('sends requests to the nodes in turn', async () => {
    const nodes = await Promise.all(['a', 'b', 'c'].map((name) => standIn(name)));
    const { url } = await startProxy(nodes.map((node) => node.url));
    const names: string[] = [];
    for (let i = 0; i < 6; i++) names.push(((await (await fetch(`${url}/healthz`)).json()) as { name: string }).name);
    expect(names).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('as the edge, replaces the X-Forwarded-* a client sent with what it knows; passes Host, cookies and every Set-Cookie through', async () => {
    const node = await standIn('a');
    const { url } = await startProxy([node.url]);
    const proxyHost = new URL(url).host;
    const res = await fetch(`${url}/login?x=1`, {
      headers: {
        'x-forwarded-for': '203.0.113.9',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'evil.example',
        forwarded: 'for=203.0.113.9',
        cookie: 'gatehouse_session=s1',
      },
    });
    const { headers } = (await res.json()) as { headers: Record<string, string> };
    expect(headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(headers['x-forwarded-proto']).toBe('http');
    expect(headers['x-forwarded-host']).toBe(proxyHost);
    expect(headers.host).toBe(proxyHost);
    expect(headers.forwarded).toBeUndefined();
    expect(headers.cookie).toBe('gatehouse_session=s1');
    expect(res.headers.getSetCookie()).toEqual(['a_a=1; Path=/', 'b_a=2; Path=/']);
    expect(node.received).toEqual(['GET /login?x=1']);
  });

  it('with trustForwarded (behind another proxy), appends to the X-Forwarded-For it was given', async () => {
    const node = await standIn('a');
    const { url } = await startProxy([node.url], { trustForwarded: true });
    const res = await fetch(`${url}/`, { headers: { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' } });
    const { headers } = (await res.json()) as { headers: Record<string, string> };
    expect(headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(headers['x-forwarded-proto']).toBe('https');
  });

  it('streams a request body: the node has the first part before the client has sent the rest', async () => {
    let firstChunk!: () => void;
    const arrived = new Promise<void>((resolve) => (firstChunk = resolve));
    const received: Buffer[] = [];
    const node = await standIn('a');
    node.server.removeAllListeners('request');
    node.server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
      request.on('data', (chunk: Buffer) => {
        received.push(chunk);
        firstChunk();
      });
      request.on('end', () => response.end(createHash('sha256').update(Buffer.concat(received)).digest('hex')));
    });
    const { url } = await startProxy([node.url]);
    const part1 = Buffer.alloc(64 * 1024, 'a');
    const part2 = Buffer.alloc(512 * 1024, 'b');
    const { port } = new URL(url);
    const answer = await new Promise<string>((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/upload',
          headers: { 'content-type': 'application/octet-stream' },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve(text));
        },
      );
      request.on('error', reject);
      request.write(part1);
      const timer = setTimeout(
        () => reject(new Error('the node did not get the first part while the body was still open: the proxy buffers')),
        5000,
      );
      void arrived.then(() => {
        clearTimeout(timer);
        request.end(part2);
      });
    });
    expect(answer).toBe(
      createHash('sha256')
        .update(Buffer.concat([part1, part2]))
        .digest('hex'),
    );
  });

  it('a POST to a node that refuses the connection goes to the next node (nothing was sent), and that node is then skipped', async () => {
    const live = await standIn('live');
    const { url, proxy, log } = await startProxy([await deadUrl(), live.url]);
    const res = await postToken(url);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { name: string; length: number }).length).toBe(
      'grant_type=refresh_token&refresh_token=abc'.length,
    );
    expect(live.received).toEqual(['POST /oauth/token']);
    expect(proxy.nodes[0]!.downUntil).toBeGreaterThan(Date.now());
    expect(log.join('\n')).toMatch(/is down \(ECONNREFUSED\)/);
    // Its turn comes, but it is skipped while down.
    for (let i = 0; i < 3; i++) expect((await postToken(url)).status).toBe(200);
    expect(live.received).toHaveLength(4);
  });

  it('a POST /oauth/token the node received and then died on is NOT sent to another node: 502 JSON', async () => {
    const crashing = await dropsAfterReading('crashing');
    const other = await standIn('other');
    const { url } = await startProxy([crashing.url, other.url]);
    const res = await postToken(url);
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toMatchObject({
      error: 'temporarily_unavailable',
      error_description: expect.stringMatching(/not sent again/),
    });
    expect(crashing.received).toEqual(['POST /oauth/token']);
    expect(other.received).toEqual([]);
  });

  it('a GET the node received and then died on is retried on the next node (safe to repeat)', async () => {
    const crashing = await dropsAfterReading('crashing');
    const other = await standIn('other');
    const { url } = await startProxy([crashing.url, other.url]);
    const res = await fetch(`${url}/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { name: string }).name).toBe('other');
    expect(crashing.received).toEqual(['GET /.well-known/jwks.json']);
    expect(other.received).toEqual(['GET /.well-known/jwks.json']);
  });

  it('when no node answers: 502 JSON', async () => {
    const { url } = await startProxy([await deadUrl(), await deadUrl()]);
    for (const res of [await postToken(url), await fetch(`${url}/healthz`)]) {
      expect(res.status).toBe(502);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.json()).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'no Gatehouse node answered',
      });
    }
  });

  it('drops a node whose /healthz fails and takes it back when it answers 200 again', async () => {
    let healthy = false;
    const sick = await standIn('sick', (request, response) => {
      response.statusCode = request.url === '/healthz' && !healthy ? 503 : 200;
      response.end(JSON.stringify({ name: 'sick' }));
    });
    const well = await standIn('well');
    const { url, proxy } = await startProxy([sick.url, well.url], { healthIntervalMs: 50 });
    await expect.poll(() => proxy.nodes[0]!.downUntil > Date.now(), { timeout: 5000 }).toBe(true);
    const before = sick.received.filter((line) => !line.endsWith('/healthz')).length;
    for (let i = 0; i < 4; i++) await (await fetch(`${url}/oauth/token`, { method: 'POST', body: 'x' })).arrayBuffer();
    expect(sick.received.filter((line) => !line.endsWith('/healthz')).length).toBe(before);
    healthy = true;
    await expect.poll(() => proxy.nodes[0]!.downUntil, { timeout: 5000 }).toBe(0);
  });
});
