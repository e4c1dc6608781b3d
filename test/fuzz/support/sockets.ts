/**
 * Raw HTTP/1.1 over node:net, for what app.inject cannot send: wrong Content-Length, truncated
 * bodies, invalid request lines and headers, pipelined garbage, requests that stall.
 */
import net from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The answer to a HEAD request (so it has no body). */
  toHead: boolean;
}

export interface RawOutcome {
  responses: RawResponse[];
  /** Bytes after the last complete response (a response cut off, or not HTTP at all). */
  rest: Buffer;
  /** The server closed the connection (FIN or reset) before our deadline. */
  closedByServer: boolean;
  /** Our deadline passed with the connection still open: the server neither answered nor hung up. */
  timedOut: boolean;
  ms: number;
}

/** A chunk of bytes to write, or a pause in milliseconds. */
export type Step = Buffer | number;

/**
 * Parses complete HTTP/1.1 responses (Content-Length or chunked bodies) off the front of `data`.
 * `methods` are the methods of the requests answered, in order: an answer to HEAD has no body
 * whatever its Content-Length says (RFC 9110 §9.3.2).
 */
export function parseResponses(
  data: Buffer,
  methods: readonly string[] = [],
): { responses: RawResponse[]; rest: Buffer } {
  const responses: RawResponse[] = [];
  let offset = 0;
  for (;;) {
    const headEnd = data.indexOf('\r\n\r\n', offset);
    if (headEnd < 0) break;
    const head = data.subarray(offset, headEnd).toString('latin1').split('\r\n');
    const match = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(head[0] ?? '');
    if (!match) break;
    const headers: Record<string, string> = {};
    for (const line of head.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    let bodyStart = headEnd + 4;
    let body: Buffer;
    // 1xx answers (100 Continue) come before the real answer to the same request.
    const status = Number(match[1]);
    const answersHead = status >= 200 && methods[responses.filter((r) => r.status >= 200).length] === 'HEAD';
    if (answersHead || status < 200 || status === 204 || status === 304) {
      body = Buffer.alloc(0);
    } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const parts: Buffer[] = [];
      let complete = false;
      for (;;) {
        const lineEnd = data.indexOf('\r\n', bodyStart);
        if (lineEnd < 0) break;
        const size = parseInt(data.subarray(bodyStart, lineEnd).toString('latin1'), 16);
        if (Number.isNaN(size)) break;
        if (size === 0) {
          const end = data.indexOf('\r\n\r\n', lineEnd);
          if (end < 0) break;
          bodyStart = end + 4;
          complete = true;
          break;
        }
        if (lineEnd + 2 + size + 2 > data.length) break;
        parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
        bodyStart = lineEnd + 2 + size + 2;
      }
      if (!complete) break;
      body = Buffer.concat(parts);
    } else {
      const length = Number(headers['content-length'] ?? '0');
      if (bodyStart + length > data.length) break;
      body = data.subarray(bodyStart, bodyStart + length);
      bodyStart += length;
    }
    responses.push({ status, headers, body, toHead: answersHead });
    offset = bodyStart;
  }
  return { responses, rest: data.subarray(offset) };
}

/**
 * Connects, writes the steps (pausing where a step is a number), then half-closes (unless told
 * not to) and reads until the server closes or `timeoutMs` passes. `methods`: see parseResponses.
 */
export function rawExchange(
  port: number,
  steps: readonly Step[],
  { halfClose = true, timeoutMs = 8000, methods = [] as readonly string[] } = {},
): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (closedByServer: boolean, timedOut: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const { responses, rest } = parseResponses(Buffer.concat(chunks), methods);
      resolve({ responses, rest, closedByServer, timedOut, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false, true), timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => finish(true, false));
    socket.on('close', () => finish(true, false));
    // A reset after the server answered and hung up is a close, not our failure.
    socket.on('error', () => finish(true, false));
    socket.on('connect', async () => {
      try {
        for (const step of steps) {
          if (typeof step === 'number') await new Promise((r) => setTimeout(r, step));
          else if (!socket.destroyed) await new Promise<void>((r) => socket.write(step, () => r()));
        }
        if (halfClose && !socket.destroyed) socket.end();
      } catch {
        // The server may close while we write: what it sent is still judged.
      }
    });
  });
}

/** Opens a connection, writes `bytes`, and keeps it open; reports when (if ever) the server closes it. */
export function stalledConnection(
  port: number,
  bytes: Buffer,
): {
  closedAt: () => number | null;
  /** Resolves with the time the connection ended (hang-up, close or error), so nobody polls for it. */
  closed: Promise<number>;
  response: () => Buffer;
  destroy: () => void;
  opened: number;
} {
  const opened = Date.now();
  let closedAt: number | null = null;
  let announceClosed!: (at: number) => void;
  const closed = new Promise<number>((resolve) => {
    announceClosed = resolve;
  });
  const markClosed = () => {
    closedAt ??= Date.now();
    announceClosed(closedAt);
  };
  const chunks: Buffer[] = [];
  const socket = net.connect({ port, host: '127.0.0.1' }, () => socket.write(bytes));
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('close', markClosed);
  socket.on('end', markClosed);
  socket.on('error', markClosed);
  return {
    opened,
    closedAt: () => closedAt,
    closed,
    response: () => Buffer.concat(chunks),
    destroy: () => socket.destroy(),
  };
}
