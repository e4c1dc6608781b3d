/**
 * Fuzzing Gatehouse's HTTP server (the real app in this process, test/harness) over raw TCP, for
 * what app.inject cannot send: invalid request lines and headers, wrong or contradictory
 * Content-Length and Transfer-Encoding, truncated bodies, pipelined garbage, slow and stalled
 * requests. The server must answer or hang up (never hang), never answer 5xx, never log an error
 * or die, and keep serving: after each property a client_credentials token and /healthz must still work.
 *
 * Two requests stall from the start of the file (headers cut off; a body shorter than its
 * Content-Length); the last two tests expect the server to have dropped them within
 * FUZZ_STALL_LIMIT_MS (default 20 s), while the other tests run.
 *
 * The socket is the same Node HTTP server `gatehouse serve` listens with (its timeouts are set in
 * buildHttpServer), so an in-process server is enough: nothing here is about the process.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientRegistry } from '../../src/core/clients.js';
import { startTestServer, type TestServer } from '../harness/index.js';
import { basicAuthorization } from '../helpers/server.js';
import { rawExchange, stalledConnection, type RawOutcome, type RawResponse, type Step } from './support/sockets.js';
import { announceSeed, assertProperty, runs, testTimeout } from './support/settings.js';

/**
 * How long a stalled request may hold its connection before the server must drop it (Apache's
 * mod_reqtimeout allows 20 s for headers and for a body by default; nginx 60 s each).
 */
const STALL_LIMIT_MS = Number(process.env.FUZZ_STALL_LIMIT_MS || 20_000);
/** Each raw exchange must end (answer or hang-up after our FIN) within this. */
const EXCHANGE_TIMEOUT_MS = 8000;

let server: TestServer;
let credentials: { id: string; secret: string };
let stalledHead: ReturnType<typeof stalledConnection>;
let stalledBody: ReturnType<typeof stalledConnection>;

beforeAll(async () => {
  announceSeed('raw-sockets');
  server = await startTestServer({
    env: {
      GATEHOUSE_LOGIN_THROTTLE_THRESHOLD: '1000',
      // X-Forwarded-For from the test (127.0.0.1) is believed, so garbage in it reaches the app.
      GATEHOUSE_TRUSTED_PROXIES: '127.0.0.1',
      GATEHOUSE_SUPPORTED_SCOPES: 'read write',
      GATEHOUSE_LOG_LEVEL: 'info',
    },
  });
  const { client, secret } = await new ClientRegistry(server.store, server.clock).create({
    name: 'socket fuzz',
    grantTypes: ['client_credentials'],
  });
  credentials = { id: client.id, secret: secret! };
  // Two requests that stall from the start; the last tests check the server dropped them.
  stalledHead = stalledConnection(
    server.port,
    Buffer.from('POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty'),
  );
  stalledBody = stalledConnection(
    server.port,
    Buffer.from(
      'POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type=',
    ),
  );
}, 60_000);

afterAll(async () => {
  stalledHead?.destroy();
  stalledBody?.destroy();
  await server?.close();
});

/** The server still works: alive, no error logged, /healthz 200, a token for the right secret. */
async function assertServing(): Promise<void> {
  expect(server.app.server.listening, `server stopped:\n${server.logs().slice(-3000)}`).toBe(true);
  const health = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(5000) });
  expect(health.status).toBe(200);
  const token = await fetch(`${server.url}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basicAuthorization(credentials.id, credentials.secret),
    },
    body: 'grant_type=client_credentials',
    signal: AbortSignal.timeout(5000),
  });
  expect(token.status, await token.clone().text()).toBe(200);
  expect(typeof ((await token.json()) as { access_token?: unknown }).access_token).toBe('string');
  const errors = server
    .logs()
    .split('\n')
    .filter((line) => /"level":(50|60)/.test(line));
  expect(errors, 'the server logged errors').toEqual([]);
}

// --- generating raw requests ------------------------------------------------------------

type Framing =
  | 'length'
  | 'lengthShort'
  | 'lengthLong'
  | 'lengthNaN'
  | 'lengthNegative'
  | 'lengthPlus'
  | 'lengthTwoDifferent'
  | 'lengthTwoSame'
  | 'lengthHuge'
  | 'lengthSpace'
  | 'chunked'
  | 'chunkedBadSize'
  | 'chunkedTruncated'
  | 'chunkedAndLength'
  | 'chunkedGzip'
  | 'transferUnknown'
  | 'none';

interface RawSpec {
  method: string;
  target: string;
  version: string;
  host: 'normal' | 'none' | 'two' | 'empty' | 'odd';
  contentType: string | null;
  auth: 'valid' | 'wrong' | 'garbage' | 'none';
  body: string;
  framing: Framing;
  eol: '\r\n' | '\n' | 'mixed';
  extraLines: string[];
  /** Pieces the bytes are cut into, with a pause (ms) after each but the last. */
  pieces: { at: number; pause: number }[];
  /** What follows on the same connection (not named `then`: that would make a spec look like a promise). */
  followedBy: 'nothing' | 'health' | 'garbage' | 'token';
}

const rawSpec: fc.Arbitrary<RawSpec> = fc.record({
  method: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('POST', 'GET', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'HEAD') },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'post',
        'GARBAGE',
        'G ET',
        'PRI',
        'CONNECT',
        'TRACE',
        '',
        'POST\0',
        'ΠOST',
        'M-SEARCH',
        'POST'.repeat(100),
      ),
    },
  ),
  target: fc.oneof(
    {
      weight: 6,
      arbitrary: fc.constantFrom(
        '/oauth/token',
        '/oauth/token',
        '/oauth/revoke',
        '/oauth/introspect',
        '/login',
        '/oauth/authorize?response_type=code&client_id=x',
        '/healthz',
        '/account',
      ),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '*',
        'http://127.0.0.1/oauth/token',
        'https://evil.fuzz.test/oauth/token',
        '//oauth/token',
        '/oauth/./token',
        '/x/../oauth/token',
        '/\\oauth\\token',
        '/oauth/token#frag',
        '/oauth/token?a=%zz&a=1',
        '/%zz',
        '/oauth/token /x',
        '/é',
        '/\u0000',
        '/\u007f',
        `/${'a'.repeat(20_000)}`,
        '',
        'oauth/token',
        '/oauth/token?\u00ff',
      ),
    },
  ),
  version: fc.oneof(
    { weight: 8, arbitrary: fc.constant('HTTP/1.1') },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        'HTTP/1.0',
        'HTTP/2.0',
        'HTTP/1.2',
        'HTTP/9.9',
        'http/1.1',
        'HTTP/1.1 x',
        '',
        'HTTP/1',
      ),
    },
  ),
  host: fc.oneof(
    { weight: 8, arbitrary: fc.constant('normal' as const) },
    { weight: 1, arbitrary: fc.constantFrom('none' as const, 'two' as const, 'empty' as const, 'odd' as const) },
  ),
  contentType: fc.constantFrom(
    'application/x-www-form-urlencoded',
    'application/x-www-form-urlencoded',
    'application/json',
    'multipart/form-data; boundary=x',
    'text/plain',
    null,
  ),
  auth: fc.constantFrom('valid', 'valid', 'wrong', 'garbage', 'none'),
  body: fc.oneof(
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        'grant_type=client_credentials',
        'grant_type=client_credentials&scope=read',
        'token=abc',
        'grant_type=password&username=a&password=b',
      ),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        '\r\n\r\n',
        'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n',
        'a'.repeat(70_000),
        '{"grant_type":"client_credentials"}',
      ),
    },
  ),
  framing: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom<Framing>('length', 'chunked') },
    {
      weight: 2,
      arbitrary: fc.constantFrom<Framing>(
        'lengthShort',
        'lengthLong',
        'lengthNaN',
        'lengthNegative',
        'lengthPlus',
        'lengthTwoDifferent',
        'lengthTwoSame',
        'lengthHuge',
        'lengthSpace',
        'chunkedBadSize',
        'chunkedTruncated',
        'chunkedAndLength',
        'chunkedGzip',
        'transferUnknown',
        'none',
      ),
    },
  ),
  eol: fc.oneof(
    { weight: 8, arbitrary: fc.constant('\r\n' as const) },
    { weight: 1, arbitrary: fc.constantFrom('\n' as const, 'mixed' as const) },
  ),
  extraLines: fc.array(
    fc.oneof(
      // Headers that are well-formed but odd: the request still reaches a route.
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          'X-Forwarded-For: <x-fuzz>, , 999.1.1.1',
          `X-Forwarded-For: ${'1.1.1.1, '.repeat(300)}`,
          'X-Forwarded-For: unknown',
          'X-Forwarded-Host: evil.fuzz.test',
          'X-Forwarded-Proto: gopher',
          `Cookie: __Host-gatehouse_session=${'x'.repeat(200)}; a`,
          'Cookie: ;;;=;',
          'Accept: */*',
          'Connection: keep-alive',
          'Connection: close',
          'Expect: 100-continue',
          'Content-Encoding: gzip',
        ),
      },
      // Header lines that are not HTTP.
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          'NoColonHere',
          ' folded: continuation',
          '\tfolded',
          'X-Nul: a\0b',
          'X-Ctl: a\u0001b',
          'X-Latin: \u00ff',
          'Bad Name: x',
          ': no name',
          'Connection: upgrade',
          'Upgrade: websocket',
          `X-Huge: ${'h'.repeat(20_000)}`,
        ),
      },
    ),
    { maxLength: 2 },
  ),
  pieces: fc.array(fc.record({ at: fc.nat(), pause: fc.integer({ min: 0, max: 40 }) }), { maxLength: 3 }),
  followedBy: fc.constantFrom<RawSpec['followedBy']>('nothing', 'nothing', 'health', 'garbage', 'token'),
});

function requestBytes(spec: RawSpec): Buffer {
  const body = Buffer.from(spec.body, 'utf8');
  const lines: string[] = [`${spec.method} ${spec.target} ${spec.version}`.replace(/ $/, '')];
  if (spec.host === 'normal') lines.push(`Host: 127.0.0.1:${server.port}`);
  if (spec.host === 'two') lines.push('Host: 127.0.0.1', 'Host: evil.fuzz.test');
  if (spec.host === 'empty') lines.push('Host:');
  if (spec.host === 'odd') lines.push('Host: [::1');
  if (spec.contentType) lines.push(`Content-Type: ${spec.contentType}`);
  if (spec.auth === 'valid') lines.push(`Authorization: ${basicAuthorization(credentials.id, credentials.secret)}`);
  if (spec.auth === 'wrong')
    lines.push(`Authorization: ${basicAuthorization(credentials.id, `${credentials.secret}x`)}`);
  if (spec.auth === 'garbage') lines.push('Authorization: Basic %%%');
  let payload = body;
  const chunk = (data: Buffer) =>
    Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n0\r\n\r\n')]);
  switch (spec.framing) {
    case 'length':
      lines.push(`Content-Length: ${body.length}`);
      break;
    case 'lengthShort':
      lines.push(`Content-Length: ${Math.max(0, body.length - 5)}`);
      break;
    case 'lengthLong':
      lines.push(`Content-Length: ${body.length + 10}`);
      break;
    case 'lengthNaN':
      lines.push('Content-Length: abc');
      break;
    case 'lengthNegative':
      lines.push('Content-Length: -1');
      break;
    case 'lengthPlus':
      lines.push(`Content-Length: +${body.length}`);
      break;
    case 'lengthTwoDifferent':
      lines.push(`Content-Length: ${body.length}`, `Content-Length: ${body.length + 1}`);
      break;
    case 'lengthTwoSame':
      lines.push(`Content-Length: ${body.length}`, `Content-Length: ${body.length}`);
      break;
    case 'lengthHuge':
      lines.push('Content-Length: 99999999999999999999999');
      break;
    case 'lengthSpace':
      lines.push(`Content-Length: 1 ${body.length}`);
      break;
    case 'chunked':
      lines.push('Transfer-Encoding: chunked');
      payload = chunk(body);
      break;
    case 'chunkedBadSize':
      lines.push('Transfer-Encoding: chunked');
      payload = Buffer.concat([Buffer.from('zz\r\n'), body, Buffer.from('\r\n0\r\n\r\n')]);
      break;
    case 'chunkedTruncated':
      lines.push('Transfer-Encoding: chunked');
      payload = chunk(body).subarray(0, Math.max(1, chunk(body).length - 7));
      break;
    case 'chunkedAndLength':
      lines.push('Transfer-Encoding: chunked', `Content-Length: ${body.length}`);
      payload = chunk(body);
      break;
    case 'chunkedGzip':
      lines.push('Transfer-Encoding: gzip, chunked');
      payload = chunk(body);
      break;
    case 'transferUnknown':
      lines.push('Transfer-Encoding: foo');
      break;
    case 'none':
      break;
  }
  lines.push(...spec.extraLines);
  const eol = (i: number) => (spec.eol === 'mixed' ? (i % 2 === 0 ? '\r\n' : '\n') : spec.eol);
  const head = lines.map((line, i) => line + eol(i)).join('') + eol(lines.length);
  let bytes = Buffer.concat([Buffer.from(head, 'utf8'), payload]);
  if (spec.followedBy === 'health')
    bytes = Buffer.concat([bytes, Buffer.from('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')]);
  if (spec.followedBy === 'garbage')
    bytes = Buffer.concat([bytes, Buffer.from('\u0016\u0003\u0001\u0000\u00a5GARBAGE\r\n\r\n', 'latin1')]);
  if (spec.followedBy === 'token') {
    const form = 'grant_type=client_credentials';
    bytes = Buffer.concat([
      bytes,
      Buffer.from(
        `POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: ${basicAuthorization(credentials.id, credentials.secret)}\r\nContent-Length: ${form.length}\r\n\r\n${form}`,
      ),
    ]);
  }
  return bytes;
}

/** The methods of the requests in the bytes, as far as they are requests. */
function methodsOf(spec: RawSpec): string[] {
  return [spec.method, spec.followedBy === 'health' ? 'GET' : spec.followedBy === 'token' ? 'POST' : ''];
}

function steps(spec: RawSpec, bytes: Buffer): Step[] {
  const cuts = [...new Set(spec.pieces.map((p) => p.at % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Step[] = [];
  let from = 0;
  cuts.forEach((cut, i) => {
    out.push(bytes.subarray(from, cut), spec.pieces[i]!.pause);
    from = cut;
  });
  out.push(bytes.subarray(from));
  return out;
}

function describeOutcome(bytes: Buffer, outcome: RawOutcome): string {
  const shown =
    bytes.length > 400
      ? `${bytes.subarray(0, 400).toString('latin1')}…(${bytes.length} bytes)`
      : bytes.toString('latin1');
  const answers = outcome.responses.map(
    (r) => `${r.status} ${r.headers['content-type'] ?? ''} ${r.body.toString('utf8').slice(0, 200)}`,
  );
  return `sent ${JSON.stringify(shown)}\n  got ${JSON.stringify(answers)} rest=${JSON.stringify(outcome.rest.toString('latin1').slice(0, 200))} closed=${outcome.closedByServer} timedOut=${outcome.timedOut} after ${outcome.ms} ms`;
}

/** The error codes a 4xx may carry (src/core/errors.ts), whatever route answered. */
const ERROR_CODES = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'unsupported_token_type',
  'not_found',
]);

/** A 4xx in the RFC 6749 §5.2 shape (JSON with a known error code), or an HTML error page. */
function shapeProblem(response: RawResponse): string | null {
  if (response.status < 400 || response.status >= 500) return null;
  const type = response.headers['content-type'] ?? '';
  if (/^text\/html; charset=utf-8$/.test(type))
    return response.toHead || response.body.toString('utf8').startsWith('<!doctype html>')
      ? null
      : 'HTML error without a page';
  if (!/^application\/json\b/.test(type)) return `error answer is neither JSON nor HTML (${type || 'no content type'})`;
  if (!response.toHead) {
    try {
      const body = JSON.parse(response.body.toString('utf8')) as { error?: unknown };
      if (typeof body.error !== 'string' || !ERROR_CODES.has(body.error))
        return `error ${JSON.stringify(body.error)} is not an OAuth error code`;
    } catch {
      return 'error body is not JSON';
    }
  }
  if (response.headers['cache-control'] !== 'no-store')
    return 'error answer without Cache-Control: no-store (RFC 6749 §5.2)';
  return null;
}

describe('fuzz: raw HTTP against `gatehouse serve`', () => {
  it(
    'malformed, truncated, contradictory and pipelined requests: answered or hung up, never 5xx, never a hang',
    async () => {
      const statuses = new Map<string, number>();
      await assertProperty(
        fc.asyncProperty(rawSpec, async (spec) => {
          const bytes = requestBytes(spec);
          const outcome = await rawExchange(server.port, steps(spec, bytes), {
            timeoutMs: EXCHANGE_TIMEOUT_MS,
            methods: methodsOf(spec),
          });
          for (const r of outcome.responses) statuses.set(String(r.status), (statuses.get(String(r.status)) ?? 0) + 1);
          const context = describeOutcome(bytes, outcome);
          // After our FIN the server has everything it will get: it must answer and/or hang up.
          if (outcome.timedOut)
            throw new Error(`no answer and no hang-up within ${EXCHANGE_TIMEOUT_MS} ms: ${context}`);
          const bad = outcome.responses.find((r) => r.status >= 500 || r.status < 100);
          if (bad) throw new Error(`answered ${bad.status}: ${context}`);
          if (
            outcome.rest.length > 0 &&
            outcome.responses.length === 0 &&
            /^HTTP\//.test(outcome.rest.toString('latin1')) === false
          ) {
            throw new Error(`answered something that is not HTTP: ${context}`);
          }
          if (!server.app.server.listening) {
            throw new Error(`the server died: ${context}\n${server.logs().slice(-2000)}`);
          }
        }),
        1,
      );
      console.info(`[fuzz] raw requests: ${[...statuses].map(([s, n]) => `${s}×${n}`).join(' ')}`);
      await assertServing();
    },
    testTimeout(1, 3000),
  );

  it(
    'errors the HTTP layer answers before any route (bad framing, bad request line) have the RFC 6749 §5.2 shape',
    async () => {
      await assertProperty(
        fc.asyncProperty(rawSpec, async (spec) => {
          const bytes = requestBytes(spec);
          const outcome = await rawExchange(server.port, [bytes], {
            timeoutMs: EXCHANGE_TIMEOUT_MS,
            methods: methodsOf(spec),
          });
          for (const response of outcome.responses) {
            const problem = shapeProblem(response);
            if (problem) throw new Error(`${problem}: ${describeOutcome(bytes, outcome)}`);
          }
        }),
        0.5,
      );
      await assertServing();
    },
    testTimeout(0.5, 3000),
  );

  it(
    'pipelined requests are answered in order until the first malformed one, then the connection closes',
    async () => {
      const health = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
      const form = 'grant_type=client_credentials';
      const token = `POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: ${basicAuthorization(credentials.id, credentials.secret)}\r\nContent-Length: ${form.length}\r\n\r\n${form}`;
      const wrong = `POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}\r\n\r\n${form}`;
      const garbage = fc.constantFrom(
        'GARBAGE\r\n\r\n',
        '\u0000\u0001\u0002\r\n\r\n',
        'GET / HTTP/1.1\r\nBad Header\r\n\r\n',
        'POST /oauth/token HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef',
        '\r\n\r\n\r\nx',
      );
      const item = fc.oneof(
        fc.constant({ kind: 'health' as const, bytes: health, status: 200 }),
        fc.constant({ kind: 'token' as const, bytes: token, status: 200 }),
        fc.constant({ kind: 'wrong' as const, bytes: wrong, status: 401 }),
        garbage.map((bytes) => ({ kind: 'garbage' as const, bytes, status: 400 })),
      );
      await assertProperty(
        fc.asyncProperty(fc.array(item, { minLength: 1, maxLength: 6 }), fc.boolean(), async (items, oneWrite) => {
          const bytes = Buffer.from(items.map((i) => i.bytes).join(''), 'latin1');
          const outcome = await rawExchange(
            server.port,
            oneWrite ? [bytes] : items.flatMap((i) => [Buffer.from(i.bytes, 'latin1'), 5]),
            { timeoutMs: EXCHANGE_TIMEOUT_MS },
          );
          const context = describeOutcome(bytes, outcome);
          if (outcome.timedOut) throw new Error(`pipeline not finished within ${EXCHANGE_TIMEOUT_MS} ms: ${context}`);
          const firstGarbage = items.findIndex((i) => i.kind === 'garbage');
          const valid = firstGarbage < 0 ? items : items.slice(0, firstGarbage);
          if (outcome.responses.some((r) => r.status >= 500)) throw new Error(`5xx in a pipeline: ${context}`);
          // Answers come in order. Without garbage every request is answered (RFC 9112 §9.3.2);
          // with it, the parser may reject the garbage (400, then close) before the earlier
          // requests were answered, so only a prefix of them may be.
          const answered = firstGarbage < 0 ? valid.length : Math.min(valid.length, outcome.responses.length);
          if (firstGarbage < 0 && outcome.responses.length !== valid.length)
            throw new Error(`${valid.length} requests, ${outcome.responses.length} answers: ${context}`);
          for (let i = 0; i < answered; i++) {
            if (outcome.responses[i]!.status !== valid[i]!.status) {
              // A 400 may come early: the garbage was parsed while this request was in flight.
              if (firstGarbage >= 0 && outcome.responses[i]!.status === 400 && i === outcome.responses.length - 1)
                break;
              throw new Error(`answer ${i + 1} should be ${valid[i]!.status} (${valid[i]!.kind}): ${context}`);
            }
          }
          // Nothing after the malformed request is served from the same connection.
          if (outcome.responses.length > valid.length + 1)
            throw new Error(`answers after a malformed request: ${context}`);
          if (firstGarbage >= 0 && !outcome.closedByServer)
            throw new Error(`connection kept open after a malformed request: ${context}`);
        }),
        0.5,
      );
      await assertServing();
    },
    testTimeout(0.5, 3000),
  );

  it('slow clients (headers one byte at a time, bodies that never finish) do not stop the server serving others', async () => {
    const dripping = Array.from({ length: 4 }, (_, i) =>
      rawExchange(
        server.port,
        [...Buffer.from(`POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-${i}: `)].flatMap((b) => [
          Buffer.from([b]),
          25,
        ]),
        { halfClose: false, timeoutMs: 4000 },
      ),
    );
    const stuck = Array.from({ length: 8 }, () =>
      stalledConnection(
        server.port,
        Buffer.from(
          'POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 5000\r\n\r\nusername=',
        ),
      ),
    );
    try {
      // While they hang on, ordinary requests are answered promptly.
      for (let i = 0; i < runs(0.25, 5); i++) {
        const started = Date.now();
        await assertServing();
        expect(Date.now() - started, 'an ordinary request waited behind slow clients').toBeLessThan(5000);
      }
    } finally {
      for (const s of stuck) s.destroy();
      await Promise.all(dripping);
    }
    await assertServing();
  }, 60_000);

  // The stalled connections were opened in beforeAll; by now some time has passed.
  async function waitForDrop(connection: ReturnType<typeof stalledConnection>): Promise<number | null> {
    // Waits for the hang-up itself; the timer only bounds the wait when the server never drops it.
    const deadline = connection.opened + STALL_LIMIT_MS + 2000;
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), Math.max(0, deadline - Date.now()));
    });
    try {
      const closedAt = await Promise.race([connection.closed, gaveUp]);
      return closedAt === null ? null : closedAt - connection.opened;
    } finally {
      clearTimeout(timer);
    }
  }

  it(
    `a request that stalls in its headers is dropped within ${STALL_LIMIT_MS / 1000} s (slowloris)`,
    async () => {
      const after = await waitForDrop(stalledHead);
      expect(
        after,
        `stalled headers still open after ${STALL_LIMIT_MS} ms (set FUZZ_STALL_LIMIT_MS to wait longer)`,
      ).not.toBeNull();
      expect(after!).toBeLessThanOrEqual(STALL_LIMIT_MS + 2000);
      await assertServing();
    },
    STALL_LIMIT_MS + 30_000,
  );

  it(
    `a request whose body stalls is dropped within ${STALL_LIMIT_MS / 1000} s (slowloris)`,
    async () => {
      const after = await waitForDrop(stalledBody);
      expect(
        after,
        `stalled body still open after ${STALL_LIMIT_MS} ms (set FUZZ_STALL_LIMIT_MS to wait longer)`,
      ).not.toBeNull();
      expect(after!).toBeLessThanOrEqual(STALL_LIMIT_MS + 2000);
      await assertServing();
    },
    STALL_LIMIT_MS + 30_000,
  );
});
