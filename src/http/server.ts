import { createServer, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { OAuthError, OverloadedError } from '../core/errors.js';
import type { HttpServices } from './services.js';
import { BrowserSupport } from './browser.js';
import { fromFrameworkError, isDatabaseUnavailable, sendOAuthError } from './errors.js';
import { lingerOnClose } from './lingering-close.js';
import { unsendableRedirect } from './redirect-guard.js';
import { uuidv7 } from '../core/clock.js';
import { registerMetrics } from './metrics.js';
import { registerBrowserSession } from './plugins/browser-session.js';
import { apiCorsEndpoints, registerCors } from './plugins/cors.js';
import { registerCsrfProtection } from './plugins/csrf.js';
import { registerAccountRoutes } from './routes/account.js';
import { registerAuthorizeRoutes } from './routes/authorize.js';
import { registerClientRegistrationRoutes } from './routes/client-registration.js';
import { registerDeviceRoutes } from './routes/device.js';
import { registerDeviceAuthorizationRoute } from './routes/device-authorization.js';
import { registerDiscoveryRoutes, registerHealthRoute } from './routes/discovery.js';
import { registerLoginRoutes } from './routes/login.js';
import { registerLogoutRoutes } from './routes/logout.js';
import { registerRegistrationRoutes } from './routes/registration.js';
import { registerResettingRoutes } from './routes/resetting.js';
import { registerTokenManagementRoutes } from './routes/token-management.js';
import { registerTokenRoute } from './routes/token.js';
import { registerUserinfoRoutes } from './routes/userinfo.js';

/** RFC 6749 leaves the size open; 64 KiB is far above any honest token request. */
export const BODY_LIMIT = 64 * 1024;

declare module 'fastify' {
  interface FastifyRequest {
    /** Facts for the one log line per request (never a secret). */
    audit: { clientId?: string; grantType?: string; error?: string };
  }
}

/**
 * Slow clients (slowloris) are cut off: the headers must arrive within 10 s and the whole request
 * (bodies are 64 KiB at most) within 15 s; stalled connections are looked for every second.
 */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 15_000;
/** Longer than the usual load balancer's idle timeout (60 s), so the balancer closes first. */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;

/**
 * RFC 6797, sent on every response when the issuer is https (never over an http issuer, where a
 * browser ignores it anyway and a development setup must stay reachable). One year, the usual
 * value. Without includeSubDomains: Gatehouse speaks for its own host, not for sibling hosts
 * under the same domain that may still serve plain http; add it (and preload) on the apex
 * domain yourself when every subdomain is https.
 */
export const HSTS_HEADER = 'max-age=31536000';

/** Whether this Gatehouse sends Strict-Transport-Security: its issuer is https. */
export function sendsHsts(issuer: string): boolean {
  return new URL(issuer).protocol === 'https:';
}

/**
 * Answers what Node's HTTP parser refuses before any route runs (malformed request, headers
 * too large, a request that took too long) in the RFC 6749 §5.2 shape, then closes.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket, hsts: boolean): void {
  // A reset connection has nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, description] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'the request took too long to arrive']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'the request headers are too large']
        : [400, 'malformed HTTP request'];
  const body = JSON.stringify({ error: 'invalid_request', error_description: description });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nCache-Control: no-store\r\nPragma: no-cache\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${hsts ? `Strict-Transport-Security: ${HSTS_HEADER}\r\n` : ''}Connection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** Query strings may carry secrets (a misdirected GET /oauth/token?client_secret=…): log the path only. */
function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

export function buildHttpServer(gatehouse: HttpServices, logger: Logger): FastifyInstance {
  const browser = new BrowserSupport(gatehouse);
  const hsts = sendsHsts(gatehouse.config.issuer);
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // One line per request is written by the onResponse hook below, with only safe fields.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    bodyLimit: BODY_LIMIT,
    // Only the configured proxies may say who the client is (X-Forwarded-For).
    trustProxy: gatehouse.config.trusted_proxies.length > 0 ? [...gatehouse.config.trusted_proxies] : false,
    return503OnClosing: true,
    serverFactory: (handler) =>
      createServer(
        {
          headersTimeout: HEADERS_TIMEOUT_MS,
          requestTimeout: REQUEST_TIMEOUT_MS,
          connectionsCheckingInterval: 1000,
          keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
          // Checked in onRequest below, so the answer has the OAuth shape.
          requireHostHeader: false,
        },
        handler,
      ),
    clientErrorHandler: (error, socket) => answerClientError(error, socket, hsts),
    // Our own id for every request, unique across nodes (time-ordered), sent back as X-Request-Id
    // and on every log line of the request (request_id). A client's X-Request-Id is not trusted.
    requestIdHeader: false,
    genReqId: () => uuidv7(),
    // Errors Fastify raises before routing (a malformed URL such as /%zz) get our shape too.
    frameworkErrors: (_error, request, reply) => {
      if (hsts) reply.header('strict-transport-security', HSTS_HEADER);
      return sendOAuthError(
        reply.header('x-request-id', request.id),
        OAuthError.invalidRequest('malformed request URL'),
      );
    },
  });

  app.decorateRequest('audit', null as never);
  // Hooks with a callback, not async: Fastify then makes no promise per hook and request.
  app.addHook('onRequest', (request, reply, done) => {
    request.audit = {};
    reply.header('x-request-id', request.id);
    if (hsts) reply.header('strict-transport-security', HSTS_HEADER);
    // RFC 9112 §3.2: an HTTP/1.1 request without Host is answered 400.
    if (request.headers.host === undefined && request.raw.httpVersion === '1.1')
      done(OAuthError.invalidRequest('the Host header is missing'));
    else done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info(
      {
        method: request.method,
        path: pathOf(request.url),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        // audit is missing when Fastify answered before the onRequest hook (frameworkErrors).
        client_id: request.audit?.clientId,
        grant_type: request.audit?.grantType,
        error: request.audit?.error,
      },
      'request',
    );
    done();
  });

  // Bodies are read as text and parsed by the route, so a wrong content type is an OAuth
  // invalid_request (RFC 6749 §5.2), not Fastify's 415.
  app.removeAllContentTypeParsers();
  const asText = (_request: unknown, body: string | Buffer, done: (error: null, body: string | Buffer) => void) =>
    done(null, body);
  app.addContentTypeParser('*', { parseAs: 'string' }, asText);
  // The same, named for the token endpoint's type: Fastify caches the parser it finds for a
  // named type, but parses the Content-Type header of every request that falls through to '*'.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, asText);

  app.setErrorHandler((error, request, reply) => {
    request.audit ??= {};
    // Answered before the body was read (413): let the answer reach a client still sending.
    if (!request.raw.complete) lingerOnClose(request.raw.socket);
    // A person's browser gets an HTML page; an OAuth client gets RFC 6749 §5.2 JSON.
    const send = (oauthError: OAuthError) =>
      request.routeOptions.config?.page
        ? browser.sendErrorPage(reply.headers(oauthError.headers), oauthError.status, describeForPeople(oauthError))
        : sendOAuthError(reply, oauthError);
    const oauthError =
      error instanceof OAuthError ? error : (unsendableRedirect(error, reply) ?? fromFrameworkError(error));
    if (oauthError) {
      request.audit.error = oauthError.code;
      request.audit.clientId ??= oauthError.clientId;
      return send(oauthError);
    }
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: { code: (error as { code?: string }).code } }, 'database unavailable');
      request.audit.error = 'temporarily_unavailable';
      return send(OAuthError.temporarilyUnavailable('the database is unavailable; retry shortly'));
    }
    // A bug: log it (the error, never the request body) and say nothing about internals.
    request.log.error({ err: error }, 'unhandled error');
    request.audit.error = 'server_error';
    return send(new OAuthError('server_error', 'internal error', 500));
  });

  app.setNotFoundHandler((request, reply) => {
    request.audit ??= {};
    request.audit.error = 'not_found';
    return sendOAuthError(reply, OAuthError.notFound());
  });

  // The API (token, revocation, introspection, discovery, JWKS, metrics, health) never reads the
  // session cookie nor asks for a CSRF token: only the page group below has those plugins.
  registerMetrics(app, gatehouse);
  registerHealthRoute(app, gatehouse);
  registerDeviceAuthorizationRoute(app, gatehouse);
  // What a browser app calls: CORS for the origins its client registered (plugins/cors.ts).
  app.register(async (api) => {
    registerCors(api, gatehouse, apiCorsEndpoints(gatehouse.config));
    registerTokenRoute(api, gatehouse);
    registerTokenManagementRoutes(api, gatehouse);
    registerDiscoveryRoutes(api, gatehouse);
    registerUserinfoRoutes(api, gatehouse);
  });
  // RFC 7591/7592 (when client_registration.mode is not off): no CORS, a server-side client's endpoint.
  registerClientRegistrationRoutes(app, gatehouse);
  app.register(async (pages) => {
    registerBrowserSession(pages, browser);
    registerCsrfProtection(pages, browser);
    registerAuthorizeRoutes(pages, gatehouse, browser);
    registerLoginRoutes(pages, gatehouse, browser);
    registerRegistrationRoutes(pages, gatehouse, browser);
    registerResettingRoutes(pages, gatehouse, browser);
    registerAccountRoutes(pages, gatehouse, browser);
    registerDeviceRoutes(pages, gatehouse, browser);
    registerLogoutRoutes(pages, gatehouse, browser);
  });
  return app;
}

/** An error page's words for an error a browser route raised. */
function describeForPeople(error: OAuthError): { title: string; message: string; detail?: string } {
  if (error instanceof OverloadedError) {
    return {
      title: 'Please try again in a moment',
      message: `Gatehouse is too busy to check your password right now. Please try again in ${error.retryAfter} seconds.`,
    };
  }
  if (error.status === 503)
    return { title: 'Please try again in a moment', message: 'Gatehouse cannot reach its database right now.' };
  if (error.status >= 500)
    return { title: 'Something went wrong', message: 'Gatehouse could not finish this request. Please try again.' };
  if (error.status === 405)
    return { title: 'Not allowed', message: 'This page cannot be used that way.', detail: error.description };
  return {
    title: 'This request cannot be used',
    message: 'The page received a request it cannot accept.',
    detail: error.description,
  };
}
