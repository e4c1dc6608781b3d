#!/usr/bin/env node
/**
 * Serves the single-page app (index.html, app.js, style.css), oauth4webapi's ES module build next
 * to it (vendor/oauth4webapi.js: no bundler), and config.json (the issuer, the client id, the
 * scope). Any static file server does the same; this one also sends a strict Content Security
 * Policy: scripts from this origin only, fetch only to this origin and the issuer's.
 *
 *   node examples/spa/serve.mjs --issuer http://127.0.0.1:8080 --client-id ID [--port 5173] [--scope "openid profile email"]
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = dirname(fileURLToPath(import.meta.url));

const FILES = {
  '/': [join(HERE, 'index.html'), 'text/html; charset=utf-8'],
  '/index.html': [join(HERE, 'index.html'), 'text/html; charset=utf-8'],
  '/app.js': [join(HERE, 'app.js'), 'text/javascript; charset=utf-8'],
  '/style.css': [join(HERE, 'style.css'), 'text/css; charset=utf-8'],
  '/vendor/oauth4webapi.js': [fileURLToPath(import.meta.resolve('oauth4webapi')), 'text/javascript; charset=utf-8'],
};

/**
 * Starts the static server on `host:port` (port 0: any free port). Resolves with its origin
 * (http://HOST:PORT) and a close function.
 */
export async function startSpaServer({
  issuer,
  clientId,
  scope = 'openid profile email',
  host = 'localhost',
  port = 5173,
}) {
  const issuerOrigin = new URL(issuer).origin;
  const config = JSON.stringify({ issuer, client_id: clientId, scope });
  const headers = {
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    // The code is in the address bar on the way back: never send it on as a Referer.
    'referrer-policy': 'no-referrer',
    'content-security-policy': [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      `connect-src 'self' ${issuerOrigin}`,
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
  };
  const server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://spa').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { ...headers, allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/config.json') {
      response.writeHead(200, { ...headers, 'content-type': 'application/json' }).end(config);
      return;
    }
    const file = FILES[path];
    if (!file) {
      response.writeHead(404, { ...headers, 'content-type': 'text/plain' }).end('not found');
      return;
    }
    try {
      const body = await readFile(file[0]);
      response.writeHead(200, { ...headers, 'content-type': file[1] }).end(request.method === 'HEAD' ? '' : body);
    } catch {
      response.writeHead(500, { ...headers, 'content-type': 'text/plain' }).end('cannot read the file');
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  const origin = `http://${host}:${address.port}`;
  return {
    origin,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      issuer: { type: 'string' },
      'client-id': { type: 'string' },
      scope: { type: 'string', default: 'openid profile email' },
      port: { type: 'string', default: '5173' },
    },
  });
  if (!values.issuer || !values['client-id']) {
    process.stderr.write(
      'usage: node examples/spa/serve.mjs --issuer URL --client-id ID [--port 5173] [--scope "…"]\n',
    );
    process.exit(2);
  }
  const { origin } = await startSpaServer({
    issuer: values.issuer,
    clientId: values['client-id'],
    scope: values.scope,
    port: Number(values.port),
  });
  process.stdout.write(`The single-page app is at ${origin}/ (Ctrl-C stops it)\n`);
}
