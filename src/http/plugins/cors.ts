import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { presentedClientCredentials } from '../../core/client-auth.js';
import { clientAllowsOrigin } from '../../core/origins.js';
import type { ClientRecord } from '../../core/ports.js';
import type { HttpServices } from '../services.js';
import { parseFormBody } from '../form.js';

/**
 * CORS (W3C Fetch §3.2) for the API a browser app calls: applied once to the route group it is
 * registered on, never decided inside a route. Which origins may call is per client (migration 18,
 * core/origins.ts); a preflight names no client, so it passes for an origin some client
 * registered, and the actual response says `Access-Control-Allow-Origin` only when the origin is
 * one of the client's the request is about. Credentials (cookies) are never allowed: the API
 * reads none. An origin no client registered gets no CORS header at all.
 */

/** Whose origins an endpoint answers. */
export type CorsAudience =
  /** The authenticated client, or, when authentication failed, the client the request names (token, revocation, introspection). */
  | 'authenticated-client'
  /** The client the access token was issued to (userinfo). */
  | 'token-client'
  /** Any client's: a public document (JWKS, metadata). */
  | 'any-client';

export interface CorsEndpoint {
  /** What a preflight allows (Access-Control-Allow-Methods). */
  methods: readonly string[];
  audience: CorsAudience;
  /** Response headers a page may read besides the CORS-safelisted ones. */
  expose?: readonly string[];
}

/** What a page may send: a bearer token, a form or JSON, a DPoP proof (RFC 9449). */
const ALLOWED_HEADERS = 'authorization, content-type, dpop';

/** The endpoints a browser app calls (issue 18 §2). Introspection only when the configuration says so. */
export function apiCorsEndpoints(config: HttpServices['config']): Record<string, CorsEndpoint> {
  const post: CorsEndpoint = { methods: ['POST'], audience: 'authenticated-client' };
  const document: CorsEndpoint = { methods: ['GET'], audience: 'any-client' };
  return {
    '/oauth/token': post,
    '/oauth/revoke': post,
    ...(config.cors.introspection ? { '/oauth/introspect': post } : {}),
    // OpenID Connect Core §5.3.1: GET or POST; RFC 6750 §3: the page reads the challenge.
    '/oauth/userinfo': { methods: ['GET', 'POST'], audience: 'token-client', expose: ['WWW-Authenticate'] },
    '/.well-known/jwks.json': document,
    '/.well-known/oauth-authorization-server': document,
    '/.well-known/openid-configuration': document,
  };
}

/** Adds to Vary rather than replacing it (a cache must key the answer on Origin). */
function varyOnOrigin(reply: FastifyReply): void {
  const vary = reply.getHeader('vary');
  if (vary === undefined) reply.header('vary', 'Origin');
  else if (!/(^|,)\s*origin\s*(,|$)/i.test(String(vary))) reply.header('vary', `${String(vary)}, Origin`);
}

/** The Origin header when it can name a registered origin (one value; never "null", which no client can register). */
function originOf(request: FastifyRequest): string | null {
  const origin = request.headers.origin;
  if (typeof origin !== 'string' || origin === '' || origin === 'null' || origin.length > 255) return null;
  return origin;
}

/**
 * The client a token, revocation or introspection request names (HTTP Basic user, client_id, an
 * assertion's client), read only when the route did not say whom it authenticated: the request
 * failed, and the page on that client's origin may read why (`invalid_client` included).
 */
function namedClientId(request: FastifyRequest): string | null {
  try {
    // As the endpoint reads it: a form, each parameter once (a Basic-only request may have no body).
    const body = request.body;
    const params =
      typeof body === 'string' && body !== '' ? parseFormBody(request.headers['content-type'], body) : new Map();
    return presentedClientCredentials(params, request.headers.authorization).clientId || null;
  } catch {
    return null;
  }
}

export function registerCors(
  app: FastifyInstance,
  gatehouse: Pick<HttpServices, 'config' | 'store'>,
  endpoints: Record<string, CorsEndpoint>,
): void {
  const { store } = gatehouse;
  const maxAge = String(gatehouse.config.cors.max_age);
  const endpointOf = (request: FastifyRequest) => endpoints[request.routeOptions.url ?? ''];

  /** Whether the client the request is about may be called from `origin`. */
  const clientAllows = async (clientId: string | null | undefined, origin: string): Promise<boolean> => {
    if (!clientId || clientId.length > 255) return false;
    const client: ClientRecord | null = await store.findClient(clientId);
    return client !== null && clientAllowsOrigin(client, origin);
  };

  const allowed = (request: FastifyRequest, endpoint: CorsEndpoint, origin: string): Promise<boolean> => {
    switch (endpoint.audience) {
      case 'any-client':
        return store.originRegistered(origin);
      case 'token-client':
        return clientAllows(request.audit.clientId, origin);
      case 'authenticated-client':
        return clientAllows(request.audit.clientId ?? namedClientId(request), origin);
    }
  };

  const answerPreflight = async (reply: FastifyReply, endpoint: CorsEndpoint, origin: string) => {
    if (!(await store.originRegistered(origin))) return false;
    reply
      .code(204)
      .headers({
        'access-control-allow-origin': origin,
        'access-control-allow-methods': endpoint.methods.join(', '),
        'access-control-allow-headers': ALLOWED_HEADERS,
        'access-control-max-age': maxAge,
      })
      .send();
    return true;
  };

  // The preflight (Fetch §3.2.2): OPTIONS with Origin and Access-Control-Request-Method. It carries
  // no credentials and names no client. Any other OPTIONS, or an origin no client registered, or a
  // method the endpoint does not take, goes on to the route's own 405, without a CORS header.
  // Hooks with a callback, not async: a request without Origin costs no promise.
  app.addHook('onRequest', (request, reply, done) => {
    const endpoint = endpointOf(request);
    if (!endpoint) return done();
    varyOnOrigin(reply);
    const origin = request.method === 'OPTIONS' ? originOf(request) : null;
    const method = request.headers['access-control-request-method'];
    if (origin === null || typeof method !== 'string' || !endpoint.methods.includes(method)) return done();
    answerPreflight(reply, endpoint, origin).then(
      (answered) => {
        if (!answered) done();
      },
      (error: Error) => done(error),
    );
  });

  // The actual response, errors included, so that a page can read why it was refused. An OPTIONS
  // that got here was no passing preflight: nothing to add.
  app.addHook('onSend', (request, reply, payload, done) => {
    const endpoint = request.method === 'OPTIONS' ? undefined : endpointOf(request);
    const origin = endpoint ? originOf(request) : null;
    if (!endpoint || origin === null || reply.hasHeader('access-control-allow-origin')) return done(null, payload);
    allowed(request, endpoint, origin).then(
      (yes) => {
        if (yes) {
          reply.header('access-control-allow-origin', origin);
          if (endpoint.expose) reply.header('access-control-expose-headers', endpoint.expose.join(', '));
        }
        done(null, payload);
      },
      (error: { code?: string }) => {
        // The database failed while the answer was already written: send it, readable only same-origin.
        request.log.warn({ err: { code: error?.code } }, 'CORS check failed');
        done(null, payload);
      },
    );
  });
}
