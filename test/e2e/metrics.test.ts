/**
 * GET /metrics and X-Request-Id against the app in the test's process (../harness, SQLite):
 * - after a client_credentials token, a failed and a successful password grant, a refresh, a
 *   refresh-token reuse and a revocation, the counters carry those label values and counts
 *   (the Prometheus text format is parsed, not grepped);
 * - route labels are route patterns, never raw paths or query strings, and 404s count as
 *   "unmatched"; a made-up grant_type cannot create a series;
 * - who may read /metrics: metrics.allow after trusted_proxies resolution; metrics.enabled=false;
 * - X-Request-Id: made by the server, one per request, never the client's, and the request_id of
 *   that request's log lines;
 * - an invalid metrics.allow is a configuration error naming the key (that `serve` then exits 2
 *   is in test/cli/metrics-allow.test.ts).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { ClientRegistry } from '../../src/core/clients.js';
import { httpRequest, tokenRequest, type HttpResult } from '../helpers/server.js';
import { startTestServer, type TestServer } from '../harness/index.js';

const PASSWORD = 'correct horse battery staple';
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// --- the Prometheus text format (version 0.0.4) ------------------------------------------

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses every sample line; fails on a line that is neither a sample, a comment nor empty. */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    const body = match[2] ?? '';
    const pair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g;
    let consumed = 0;
    for (let m = pair.exec(body); m; m = pair.exec(body)) {
      labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      consumed = pair.lastIndex;
    }
    if (consumed !== body.length) throw new Error(`unparsable labels: ${line}`);
    const raw = match[3]!;
    // Prometheus parses values with Go's ParseFloat: NaN and Inf in any case.
    const value = /^\+?inf$/i.test(raw) ? Infinity : /^-inf$/i.test(raw) ? -Infinity : Number(raw);
    if (Number.isNaN(value) && !/^nan$/i.test(raw)) throw new Error(`not a value: ${line}`);
    samples.push({ name: match[1]!, labels, value });
  }
  return samples;
}

/** The samples named `name` whose labels are exactly `labels`. */
function find(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  const wanted = Object.entries(labels).sort();
  return samples.filter(
    (sample) => sample.name === name && JSON.stringify(Object.entries(sample.labels).sort()) === JSON.stringify(wanted),
  );
}

/** The value of the one sample named `name` with exactly `labels` (fails when there is none or several). */
function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = find(samples, name, labels);
  expect(
    found,
    `${name}${JSON.stringify(labels)} in\n${samples
      .filter((s) => s.name === name)
      .map((s) => JSON.stringify(s))
      .join('\n')}`,
  ).toHaveLength(1);
  return found[0]!.value;
}

/** JSON log lines of a server. */
function logLines(server: TestServer): Array<Record<string, unknown>> {
  return server
    .logs()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return {};
      }
    });
}

/** Waits (a bounded while) until the server has logged a line containing `text`: the line is written after the response. */
async function waitForLog(server: TestServer, text: string): Promise<void> {
  // In-process, the onResponse hook runs within a few turns of the event loop after the answer.
  for (let i = 0; i < 1000 && !server.logs().includes(text); i++) await new Promise(setImmediate);
}

describe('GET /metrics and X-Request-Id (e2e)', () => {
  let client: { id: string; secret: string };
  /** Default settings: metrics on, allowed from 127.0.0.1 and ::1, no trusted proxies. */
  let main: TestServer;
  /** trusted_proxies 127.0.0.1, metrics.allow 10.0.0.0/8. */
  let proxied: TestServer;
  /** metrics.enabled false. */
  let disabled: TestServer;

  beforeAll(async () => {
    main = await startTestServer();
    const { database } = main;
    [proxied, disabled] = await Promise.all([
      startTestServer({
        database,
        env: { GATEHOUSE_TRUSTED_PROXIES: '127.0.0.1', GATEHOUSE_METRICS_ALLOW: '10.0.0.0/8' },
      }),
      startTestServer({ database, env: { GATEHOUSE_METRICS_ENABLED: 'false' } }),
    ]);
    const registered = await new ClientRegistry(main.store, main.clock).create({
      name: 'metered',
      grantTypes: ['client_credentials', 'password', 'refresh_token'],
    });
    client = { id: registered.client.id, secret: registered.secret! };
    await main.createUser('alice', 'alice@example.com', PASSWORD);
  }, 60_000);

  afterAll(async () => {
    // main last: it removes the database the others share.
    await Promise.allSettled([proxied?.close(), disabled?.close()]);
    await main?.close();
  });

  const token = (server: TestServer, params: Record<string, string>) =>
    tokenRequest(server.url, params, { basic: [client.id, client.secret] });

  describe('the counters after a few token requests', () => {
    let samples: Sample[];
    let scrape: HttpResult;
    const junk = `nope-${randomBytes(6).toString('hex')}`;

    beforeAll(async () => {
      const cc = await token(main, { grant_type: 'client_credentials' });
      expect(cc.status, cc.text).toBe(200);
      const wrong = await token(main, { grant_type: 'password', username: 'alice', password: 'not the password' });
      expect(wrong.json.error).toBe('invalid_grant');
      const signedIn = await token(main, { grant_type: 'password', username: 'alice', password: PASSWORD });
      expect(signedIn.status, signedIn.text).toBe(200);
      const refreshed = await token(main, { grant_type: 'refresh_token', refresh_token: signedIn.json.refresh_token });
      expect(refreshed.status, refreshed.text).toBe(200);
      const reused = await token(main, { grant_type: 'refresh_token', refresh_token: signedIn.json.refresh_token });
      expect(reused.json.error).toBe('invalid_grant');
      const revoked = await httpRequest(`${main.url}/oauth/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          client_id: client.id,
          client_secret: client.secret,
          token: cc.json.access_token,
        }).toString(),
      });
      expect(revoked.status, revoked.text).toBe(200);
      // A made-up grant type, a query string and an unknown path: none may become a label value.
      expect((await token(main, { grant_type: `urn:x:${junk}` })).json.error).toBe('unsupported_grant_type');
      expect((await httpRequest(`${main.url}/oauth/authorize?client_id=${junk}`)).status).toBe(400);
      expect((await httpRequest(`${main.url}/${junk}`)).status).toBe(404);

      scrape = await httpRequest(`${main.url}/metrics`);
      expect(scrape.status, scrape.text).toBe(200);
      samples = parseMetrics(scrape.text);
    });

    it('answers in the Prometheus text format, not cached', () => {
      expect(scrape.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(scrape.headers.get('cache-control')).toBe('no-store');
      expect(scrape.text).toMatch(/^# HELP gatehouse_http_requests_total /m);
      expect(scrape.text).toMatch(/^# TYPE gatehouse_http_requests_total counter$/m);
      expect(scrape.text).toMatch(/^# TYPE gatehouse_http_request_duration_seconds histogram$/m);
    });

    it('counts tokens issued by grant type, sign-ins and their failures, reuse and revocation', () => {
      expect(sampleValue(samples, 'gatehouse_tokens_issued_total', { grant_type: 'client_credentials' })).toBe(1);
      expect(sampleValue(samples, 'gatehouse_tokens_issued_total', { grant_type: 'password' })).toBe(1);
      expect(sampleValue(samples, 'gatehouse_tokens_issued_total', { grant_type: 'refresh_token' })).toBe(1);
      expect(find(samples, 'gatehouse_tokens_issued_total', { grant_type: 'authorization_code' })).toEqual([]);
      expect(sampleValue(samples, 'gatehouse_logins_total', { via: 'password_grant' })).toBe(1);
      expect(
        sampleValue(samples, 'gatehouse_login_failures_total', { via: 'password_grant', reason: 'wrong_password' }),
      ).toBe(1);
      expect(samples.filter((s) => s.name === 'gatehouse_login_failures_total')).toHaveLength(1);
      expect(sampleValue(samples, 'gatehouse_reuse_detected_total', { credential: 'refresh_token' })).toBe(1);
      expect(find(samples, 'gatehouse_reuse_detected_total', { credential: 'authorization_code' })).toEqual([]);
      expect(sampleValue(samples, 'gatehouse_tokens_revoked_total', { token_type: 'access_token' })).toBe(1);
      expect(samples.filter((s) => s.name === 'gatehouse_tokens_revoked_total')).toHaveLength(1);
      expect(sampleValue(samples, 'gatehouse_consents_granted_total')).toBe(0);
    });

    it('counts requests by route, method, status and grant type, with a latency histogram', () => {
      const requests = (labels: Record<string, string>) =>
        sampleValue(samples, 'gatehouse_http_requests_total', labels);
      const tokenRoute = { route: '/oauth/token', method: 'POST' };
      expect(requests({ ...tokenRoute, status: '200', grant_type: 'client_credentials' })).toBe(1);
      expect(requests({ ...tokenRoute, status: '400', grant_type: 'password' })).toBe(1);
      expect(requests({ ...tokenRoute, status: '200', grant_type: 'password' })).toBe(1);
      expect(requests({ ...tokenRoute, status: '200', grant_type: 'refresh_token' })).toBe(1);
      expect(requests({ ...tokenRoute, status: '400', grant_type: 'refresh_token' })).toBe(1);
      expect(requests({ ...tokenRoute, status: '400', grant_type: 'other' })).toBe(1);
      expect(requests({ route: '/oauth/revoke', method: 'POST', status: '200', grant_type: '' })).toBe(1);

      const latency = { route: '/oauth/token', method: 'POST', grant_type: 'password' };
      expect(sampleValue(samples, 'gatehouse_http_request_duration_seconds_count', latency)).toBe(2);
      expect(sampleValue(samples, 'gatehouse_http_request_duration_seconds_bucket', { ...latency, le: '+Inf' })).toBe(
        2,
      );
      expect(sampleValue(samples, 'gatehouse_http_request_duration_seconds_sum', latency)).toBeGreaterThan(0);
      // The buckets are cumulative.
      const buckets = samples
        .filter(
          (s) =>
            s.name === 'gatehouse_http_request_duration_seconds_bucket' &&
            s.labels.grant_type === 'password' &&
            s.labels.route === '/oauth/token',
        )
        .sort(
          (a, b) =>
            Number(a.labels.le === '+Inf' ? Infinity : a.labels.le) -
            Number(b.labels.le === '+Inf' ? Infinity : b.labels.le),
        );
      expect(buckets.length).toBeGreaterThan(5);
      expect(buckets.map((b) => b.value)).toEqual([...buckets.map((b) => b.value)].sort((a, b) => a - b));
    });

    it('route labels are route patterns: no query strings, no raw unknown paths (404s are "unmatched"), no made-up grant types', () => {
      expect(
        sampleValue(samples, 'gatehouse_http_requests_total', {
          route: '/oauth/authorize',
          method: 'GET',
          status: '400',
          grant_type: '',
        }),
      ).toBe(1);
      expect(
        sampleValue(samples, 'gatehouse_http_requests_total', {
          route: 'unmatched',
          method: 'GET',
          status: '404',
          grant_type: '',
        }),
      ).toBe(1);
      const routes = new Set(
        samples.filter((s) => s.name.startsWith('gatehouse_http_request')).map((s) => s.labels.route),
      );
      for (const route of routes)
        expect(route === 'unmatched' || (route!.startsWith('/') && !route!.includes('?')), `route label ${route}`).toBe(
          true,
        );
      expect(scrape.text).not.toContain(junk);
      expect(scrape.text).not.toContain('client_id=');
    });

    it('includes the process metrics, prefixed gatehouse_', () => {
      expect(find(samples, 'gatehouse_process_cpu_user_seconds_total')).toHaveLength(1);
      expect(samples.some((s) => s.name.startsWith('gatehouse_nodejs_'))).toBe(true);
      expect(samples.every((s) => s.name.startsWith('gatehouse_'))).toBe(true);
    });

    it('without trusted proxies, X-Forwarded-For is ignored: the connection (127.0.0.1) may read /metrics whatever it says', async () => {
      const spoofed = await httpRequest(`${main.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
      expect(spoofed.status).toBe(200);
    });
  });

  describe('who may read /metrics', () => {
    const scrape = (server: TestServer, forwardedFor?: string) =>
      httpRequest(`${server.url}/metrics`, { headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} });

    it('behind a trusted proxy, the client address named by X-Forwarded-For decides: outside metrics.allow is a 404 (JSON), inside is 200', async () => {
      const outside = await scrape(proxied, '203.0.113.9');
      expect(outside.status).toBe(404);
      expect(outside.headers.get('content-type')).toMatch(/^application\/json/);
      expect(outside.json).toMatchObject({ error: 'not_found' });
      expect(outside.text).not.toContain('gatehouse_');

      const inside = await scrape(proxied, '10.1.2.3');
      expect(inside.status, inside.text).toBe(200);
      expect(inside.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(parseMetrics(inside.text).some((s) => s.name === 'gatehouse_http_requests_total')).toBe(true);

      // The proxy itself (127.0.0.1) is not in metrics.allow here.
      expect((await scrape(proxied)).status).toBe(404);
    });

    it('with metrics.enabled false there is no /metrics, from anywhere', async () => {
      const answer = await scrape(disabled);
      expect(answer.status).toBe(404);
      expect(answer.json).toMatchObject({ error: 'not_found' });
      expect((await httpRequest(`${disabled.url}/healthz`)).status).toBe(200);
    });
  });

  describe('X-Request-Id', () => {
    it('every answer has its own server-made id (a UUIDv7), never the one the client sent', async () => {
      const sent = { 'x-request-id': 'client-chosen-id-123' };
      const answers = [
        await httpRequest(`${main.url}/healthz`, { headers: sent }),
        await httpRequest(`${main.url}/healthz`, { headers: sent }),
        await httpRequest(`${main.url}/nope-${randomBytes(4).toString('hex')}`, { headers: sent }),
        await token(main, { grant_type: 'password', username: 'alice', password: 'wrong again' }),
      ];
      const ids = answers.map((answer) => answer.headers.get('x-request-id'));
      for (const id of ids) expect(id).toMatch(UUID_V7);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).not.toContain('client-chosen-id-123');
    });

    it("the request's log line carries the same id as request_id", async () => {
      const answer = await httpRequest(`${main.url}/healthz?probe=${randomBytes(4).toString('hex')}`, {
        headers: { 'x-request-id': 'client-chosen-id-456' },
      });
      const id = answer.headers.get('x-request-id')!;
      expect(id).toMatch(UUID_V7);
      await waitForLog(main, id);
      const mentioning = logLines(main).filter((line) => JSON.stringify(line).includes(id));
      expect(mentioning.length, `log lines with ${id}:\n${main.logs()}`).toBeGreaterThan(0);
      for (const line of mentioning) expect(line.request_id, JSON.stringify(line)).toBe(id);
      expect(mentioning).toContainEqual(
        expect.objectContaining({ msg: 'request', method: 'GET', path: '/healthz', status: 200, request_id: id }),
      );
      expect(main.logs()).not.toContain('client-chosen-id-456');
    });

    it('a malformed URL (answered before routing) also gets an X-Request-Id', async () => {
      const answer = await httpRequest(`${main.url}/%zz`);
      expect(answer.status).toBe(400);
      expect(answer.json).toMatchObject({ error: 'invalid_request' });
      expect(answer.headers.get('x-request-id') ?? '(no X-Request-Id header)').toMatch(UUID_V7);
    });
  });
});

describe('metrics.allow is validated', () => {
  it('an IP address or CIDR range passes; anything else is a configuration error naming metrics.allow', () => {
    expect(
      loadConfig({ env: { GATEHOUSE_METRICS_ALLOW: '10.0.0.0/8, 192.0.2.7 fd00::/8 ::1 0.0.0.0/0' } }).metrics.allow,
    ).toEqual(['10.0.0.0/8', '192.0.2.7', 'fd00::/8', '::1', '0.0.0.0/0']);
    for (const bad of [
      '10.0.0.0/99',
      'example.com',
      '10.0.0.0/',
      '10.0.0.0/8/8',
      '::1/129',
      '10.0.0.0/-1',
      '10.0.0.0/ 8',
      '300.1.2.3',
      '10.0.0.0/08x',
    ]) {
      let error: unknown;
      try {
        loadConfig({ env: { GATEHOUSE_METRICS_ALLOW: JSON.stringify([bad]) } });
      } catch (caught) {
        error = caught;
      }
      expect(error, bad).toBeInstanceOf(ConfigError);
      expect((error as Error).message, bad).toMatch(/metrics\.allow/);
    }
  });
});
