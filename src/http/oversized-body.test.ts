/**
 * An oversized body (1 MiB, 8 MiB) gets a complete 413 every time, over a real socket: the
 * server answers, then half-closes and reads (and discards) the rest, so a client still sending
 * its body never hits a reset (EPIPE / ECONNRESET) that would throw the answer away. The client
 * here is the strict kind: it writes the whole request before it reads anything.
 */
import { cheapPasswords } from '../../test/harness/passwords.js';
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore, type TestStore } from '../../test/helpers/databases.js';
import { validateConfig } from '../config/load.js';
import { composeServices, type Services } from '../compose.js';
import { buildHttpServer } from './server.js';

const MiB = 1024 * 1024;

interface Outcome {
  /** A socket error (EPIPE, ECONNRESET …), if any. */
  error: string | null;
  /** Everything the server sent. */
  data: string;
}

/** Writes the whole request (reading nothing meanwhile), then reads until the server closes. */
function postWholeBody(port: number, path: string, size: number, framing: 'length' | 'chunked'): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.pause();
    let data = '';
    let error: string | null = null;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
    socket.on('close', () => resolve({ error, data }));
    const head = [
      `POST ${path} HTTP/1.1`,
      'Host: 127.0.0.1',
      'Content-Type: application/x-www-form-urlencoded',
      framing === 'length' ? `Content-Length: ${size}` : 'Transfer-Encoding: chunked',
      '',
      '',
    ].join('\r\n');
    const body = Buffer.alloc(size, 'a');
    socket.write(head);
    if (framing === 'chunked') socket.write(`${size.toString(16)}\r\n`);
    socket.write(body);
    // Only once every byte is handed to the kernel does this client look at the answer.
    socket.write(framing === 'chunked' ? '\r\n0\r\n\r\n' : '', () => socket.resume());
  });
}

function parse(outcome: Outcome) {
  const end = outcome.data.indexOf('\r\n\r\n');
  const [statusLine = '', ...headerLines] = outcome.data.slice(0, end).split('\r\n');
  const headers = Object.fromEntries(
    headerLines.map((line) => [
      line.slice(0, line.indexOf(':')).toLowerCase(),
      line.slice(line.indexOf(':') + 1).trim(),
    ]),
  );
  return { statusLine, headers, body: outcome.data.slice(end + 4) };
}

describe('an oversized body gets its 413, every time', () => {
  let db: TestStore;
  let gatehouse: Services;
  let app: FastifyInstance;
  let port: number;

  beforeAll(async () => {
    db = await createSqliteStore();
    gatehouse = composeServices({ passwords: cheapPasswords, config: validateConfig({}), store: db.store });
    app = buildHttpServer(gatehouse, pino({ level: 'silent' }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await app?.close();
    await gatehouse?.close();
    await db?.cleanup();
  });

  const expectJson413 = (outcome: Outcome, label: string) => {
    expect(outcome.error, `${label}: ${outcome.data.slice(0, 200)}`).toBeNull();
    const { statusLine, headers, body } = parse(outcome);
    expect(statusLine, label).toBe('HTTP/1.1 413 Payload Too Large');
    expect(headers['content-type'], label).toMatch(/^application\/json/);
    expect(headers.connection, label).toBe('close');
    expect(Number(headers['content-length']), label).toBe(Buffer.byteLength(body));
    expect(JSON.parse(body), label).toEqual({
      error: 'invalid_request',
      error_description: 'request body is too large',
    });
  };

  it.each([
    ['1 MiB', MiB, 'length'],
    ['8 MiB', 8 * MiB, 'length'],
    ['1 MiB chunked', MiB, 'chunked'],
  ] as const)(
    '20 sequential %s POSTs to the token endpoint: each a complete 413 JSON answer, no EPIPE/ECONNRESET',
    async (label, size, framing) => {
      for (let i = 0; i < 20; i++)
        expectJson413(await postWholeBody(port, '/oauth/token', size, framing), `${label} #${i + 1}`);
      // And the server serves on.
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    },
    120_000,
  );

  it('8 MiB chunked to the token endpoint too', async () => {
    for (let i = 0; i < 5; i++)
      expectJson413(await postWholeBody(port, '/oauth/token', 8 * MiB, 'chunked'), `8 MiB chunked #${i + 1}`);
  }, 60_000);

  it('a browser page answers with an HTML 413 page, complete', async () => {
    for (const path of ['/login', '/oauth/authorize']) {
      const outcome = await postWholeBody(port, path, MiB, 'length');
      expect(outcome.error, path).toBeNull();
      const { statusLine, headers, body } = parse(outcome);
      expect(statusLine, path).toBe('HTTP/1.1 413 Payload Too Large');
      expect(headers['content-type'], path).toMatch(/^text\/html/);
      expect(Number(headers['content-length']), path).toBe(Buffer.byteLength(body, 'latin1'));
      expect(body, path).toMatch(/<\/html>\s*$/);
    }
  });
});
