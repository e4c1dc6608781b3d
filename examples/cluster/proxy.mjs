#!/usr/bin/env node
/**
 * A tiny round-robin HTTP reverse proxy for several `gatehouse serve` nodes (node:http only).
 *
 *   node examples/cluster/proxy.mjs --port 8080 http://127.0.0.1:8081 http://127.0.0.1:8082 http://127.0.0.1:8083
 *
 * What it does, and why:
 * - Spreads requests over the nodes in turn. Gatehouse keeps every piece of state in the
 *   database, so any node may answer any request: no sticky sessions.
 * - Streams request and response bodies (nothing is buffered).
 * - Tells the nodes who the client is with X-Forwarded-For / -Proto / -Host. This proxy is the
 *   edge: by default it REPLACES whatever X-Forwarded-* the client sent, because a client can
 *   write anything there, and Gatehouse counts failed sign-ins per X-Forwarded-For address
 *   (from the proxies in `trusted_proxies`). Behind another load balancer that sets them
 *   itself, pass --trust-forwarded to append to its X-Forwarded-For instead.
 * - Drops a node that refuses connections (for a few seconds) or fails GET /healthz, and
 *   brings it back when /healthz answers 200 again.
 * - Retries on the next node only when that cannot repeat an action:
 *     * the connection to the node could not be opened: nothing was sent, so any request,
 *       POST /oauth/token included, goes to the next node;
 *     * the node failed after the request was sent (connection reset, no answer): only a
 *       GET, HEAD or OPTIONS without a body is retried. A POST /oauth/token may have consumed
 *       a refresh token or an authorization code on the node that died; sent again, it would
 *       look like a replay (and revoke the grant), so the client gets the 502 and decides.
 *   When no node answers: 502 with an RFC 6749-style JSON body.
 *
 * Use a real proxy (nginx, HAProxy, Envoy, a cloud load balancer) in production; this one
 * exists so the recipe in README.md can be run and tested on one machine.
 */
import http from 'node:http';
import { pathToFileURL } from 'node:url';

/** RFC 9110 §7.6.1: never forwarded (plus whatever the Connection header names). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  // Answered by this proxy's own server already (Node sends the 100 Continue).
  'expect',
]);

/** RFC 9110 §9.2.1 safe methods: repeating one on another node changes nothing. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** "::ffff:127.0.0.1" → "127.0.0.1", so trusted_proxies and the logs see the plain IPv4 form. */
function plainAddress(address) {
  return address?.startsWith('::ffff:') ? address.slice(7) : (address ?? '');
}

function connectionTokens(headers) {
  const value = headers.connection;
  return new Set(
    (Array.isArray(value) ? value.join(',') : (value ?? ''))
      .split(',')
      .map((token) => token.trim().toLowerCase())
      .filter(Boolean),
  );
}

function withoutHopByHop(headers) {
  const named = connectionTokens(headers);
  const kept = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && !named.has(name)) kept[name] = value;
  }
  return kept;
}

/**
 * @param {object} options
 * @param {string[]} options.upstreams  base URLs of the nodes, e.g. http://127.0.0.1:8081
 * @param {boolean} [options.trustForwarded=false]  append to the client's X-Forwarded-* (only behind another trusted proxy)
 * @param {number} [options.downMs=5000]  how long a node that refused a connection is skipped
 * @param {number} [options.healthIntervalMs=2000]  GET /healthz of every node this often (0: never)
 * @param {number} [options.connectTimeoutMs=2000]
 * @param {number} [options.responseTimeoutMs=30000]  no response headers by then: 504
 * @param {(message: string) => void} [options.log]
 */
export function createProxy({
  upstreams,
  trustForwarded = false,
  downMs = 5000,
  healthIntervalMs = 2000,
  connectTimeoutMs = 2000,
  responseTimeoutMs = 30_000,
  log = (message) => console.log(`[proxy] ${message}`),
}) {
  if (!upstreams?.length) throw new Error('createProxy: at least one upstream is needed');
  const nodes = upstreams.map((base) => {
    const url = new URL(base);
    if (url.protocol !== 'http:') throw new Error(`createProxy: ${base}: only http:// upstreams`);
    return { base: url.origin, hostname: url.hostname, port: Number(url.port || 80), downUntil: 0 };
  });
  // Keep-alive to the nodes; an idle connection is closed after 30 s, well before Gatehouse's
  // own keep-alive timeout (Fastify: 72 s), so a request is not written to a socket the node
  // is closing at that moment.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256, timeout: 30_000 });
  let turn = 0;

  const markDown = (node, why) => {
    if (node.downUntil <= Date.now()) log(`${node.base} is down (${why}); sending its requests to the other nodes`);
    node.downUntil = Date.now() + downMs;
  };
  const markUp = (node) => {
    if (node.downUntil > Date.now()) log(`${node.base} is back`);
    node.downUntil = 0;
  };

  /** Every node once, starting with this request's turn; nodes marked down go last (tried only if the rest fail). */
  function candidates() {
    const start = turn++ % nodes.length;
    const ordered = [...nodes.slice(start), ...nodes.slice(0, start)];
    const now = Date.now();
    return [...ordered.filter((node) => node.downUntil <= now), ...ordered.filter((node) => node.downUntil > now)];
  }

  function forwardedHeaders(request) {
    const headers = withoutHopByHop(request.headers);
    const client = plainAddress(request.socket.remoteAddress);
    const proto = request.socket.encrypted ? 'https' : 'http';
    const incoming = (name) => {
      const value = request.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    };
    if (trustForwarded) {
      headers['x-forwarded-for'] = incoming('x-forwarded-for') ? `${incoming('x-forwarded-for')}, ${client}` : client;
      headers['x-forwarded-proto'] = incoming('x-forwarded-proto') ?? proto;
      if (incoming('x-forwarded-host') ?? request.headers.host)
        headers['x-forwarded-host'] = incoming('x-forwarded-host') ?? request.headers.host;
    } else {
      // The edge: the client's own X-Forwarded-* (and Forwarded) are forgeries until proven otherwise.
      delete headers.forwarded;
      headers['x-forwarded-for'] = client;
      headers['x-forwarded-proto'] = proto;
      if (request.headers.host) headers['x-forwarded-host'] = request.headers.host;
      else delete headers['x-forwarded-host'];
    }
    return headers;
  }

  function handle(request, response) {
    const method = request.method ?? 'GET';
    const headers = forwardedHeaders(request);
    const hasBody =
      request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
    // Sent again only if it cannot have done anything the first time (see the header comment).
    const retryableAfterSending = SAFE_METHODS.has(method) && !hasBody;
    const list = candidates();
    let clientGone = false;
    let current = null;
    response.on('close', () => {
      if (!response.writableFinished) {
        clientGone = true;
        current?.destroy();
      }
    });

    const fail = (status, description) => {
      if (clientGone) return;
      request.resume(); // discard an unread body
      if (response.headersSent) return void response.destroy();
      const body = JSON.stringify({ error: 'temporarily_unavailable', error_description: description });
      response.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        'cache-control': 'no-store',
        'retry-after': '1',
      });
      response.end(body);
    };

    const attempt = (index) => {
      const node = list[index];
      if (!node) return fail(502, 'no Gatehouse node answered');
      let sent = false;
      let answered = false;
      let timedOut = false;
      const upstream = http.request({
        hostname: node.hostname,
        port: node.port,
        method,
        path: request.url,
        headers,
        agent,
      });
      current = upstream;

      const send = () => {
        sent = true;
        upstream.setTimeout(responseTimeoutMs, () => {
          timedOut = true;
          upstream.destroy(new Error(`no answer in ${responseTimeoutMs} ms`));
        });
        // The body is read from the client only now that a node holds the connection: a node
        // that cannot be reached never sees a byte of it, and the next one gets all of it.
        if (hasBody) request.pipe(upstream);
        else {
          upstream.end();
          request.resume();
        }
      };
      upstream.on('socket', (socket) => {
        if (!socket.connecting) return send(); // a kept-alive connection
        const timer = setTimeout(
          () => upstream.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })),
          connectTimeoutMs,
        );
        socket.once('connect', () => {
          clearTimeout(timer);
          send();
        });
        socket.once('close', () => clearTimeout(timer));
      });

      upstream.on('response', (upstreamResponse) => {
        answered = true;
        upstream.setTimeout(0);
        if (clientGone) return void upstreamResponse.resume();
        response.writeHead(
          upstreamResponse.statusCode ?? 502,
          upstreamResponse.statusMessage,
          withoutHopByHop(upstreamResponse.headers),
        );
        upstreamResponse.pipe(response);
        // The node died in the middle of the body: the client must see a broken response, not a short one.
        upstreamResponse.on('aborted', () => response.destroy());
        upstreamResponse.on('error', () => response.destroy());
      });

      upstream.on('error', (error) => {
        if (clientGone) return;
        if (answered) return void response.destroy(error);
        const why = error.code ?? error.message;
        if (!sent) {
          // Nothing reached the node: safe to send anywhere else, whatever the method.
          markDown(node, why);
          request.unpipe(upstream);
          return attempt(index + 1);
        }
        if (retryableAfterSending) {
          markDown(node, why);
          return attempt(index + 1);
        }
        log(`${method} ${request.url?.split('?')[0]} failed on ${node.base} after it was sent (${why}); not retried`);
        fail(
          timedOut ? 504 : 502,
          'the Gatehouse node failed while handling the request; it was not sent again because it may have taken effect',
        );
      });
    };
    attempt(0);
  }

  const server = http.createServer(handle);
  // A broken client connection must not take the proxy down.
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  let health;
  const checkHealth = () => {
    for (const node of nodes) {
      const probe = http.get(`${node.base}/healthz`, { agent: false, timeout: connectTimeoutMs }, (answer) => {
        answer.resume();
        if (answer.statusCode === 200) markUp(node);
        else markDown(node, `GET /healthz answered ${answer.statusCode}`);
      });
      probe.on('timeout', () => probe.destroy(new Error('GET /healthz timed out')));
      probe.on('error', (error) => markDown(node, error.code ?? error.message));
    }
  };

  return {
    server,
    nodes,
    /** Listens on host:port; resolves with the port (useful with port 0). */
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          if (healthIntervalMs > 0) {
            health = setInterval(checkHealth, healthIntervalMs);
            health.unref();
          }
          resolve(server.address().port);
        });
      });
    },
    /** Stops accepting, lets requests in flight finish (at most `graceMs`), then closes everything. */
    close(graceMs = 10_000) {
      clearInterval(health);
      return new Promise((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        server.close(() => {
          clearTimeout(force);
          agent.destroy();
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}

// --- command line -----------------------------------------------------------------------

function usage() {
  return 'usage: node proxy.mjs [--port 8080] [--host 127.0.0.1] [--trust-forwarded] http://127.0.0.1:8081 [http://127.0.0.1:8082 …]';
}

async function main(argv) {
  let port = 8080;
  let host = '127.0.0.1';
  let trustForwarded = false;
  const upstreams = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--port') port = Number(argv[++i]);
    else if (arg === '--host') host = argv[++i];
    else if (arg === '--trust-forwarded') trustForwarded = true;
    else if (arg === '--help' || arg === '-h') return void console.log(usage());
    else if (/^https?:\/\//.test(arg)) upstreams.push(arg);
    else {
      console.error(`proxy: unknown argument ${arg}\n${usage()}`);
      process.exit(2);
    }
  }
  if (!upstreams.length || !Number.isInteger(port)) {
    console.error(usage());
    process.exit(2);
  }
  const proxy = createProxy({ upstreams, trustForwarded });
  const bound = await proxy.listen(port, host);
  console.log(`[proxy] http://${host}:${bound} → ${upstreams.join(' ')}`);
  const stop = () => proxy.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(`proxy: ${error.message}`);
    process.exit(1);
  });
}
