import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OAuthError, truncate } from '../../core/errors.js';
import { NO_STORE } from '../errors.js';
import type { HttpServices } from '../services.js';
import { parseFormBody, parseParameters, queryOf } from '../form.js';

const USERINFO = '/oauth/userinfo';
const OTHER_METHODS = ['PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The access token of a userinfo request (RFC 6750 §2): in the Authorization header, or (POST
 * only) as `access_token` in a form body; never in the query (§2.3 is not offered: URLs get
 * logged), never two ways at once (§2). Repeated parameters are refused.
 */
function bearerTokenOf(request: FastifyRequest): string {
  const query = parseParameters(queryOf(request.url));
  if (query.repeated.length > 0) throw OAuthError.invalidRequest(`parameter repeated: ${truncate(query.repeated[0]!)}`);
  if (query.params.has('access_token'))
    throw OAuthError.bearer('invalid_request', 'the access token must not be sent in the query');
  const body =
    request.method === 'POST' && typeof request.body === 'string' && request.body !== ''
      ? parseFormBody(request.headers['content-type'], request.body).get('access_token')
      : undefined;
  const { authorization } = request.headers;
  if (authorization !== undefined && body !== undefined)
    throw OAuthError.bearer('invalid_request', 'send the access token one way only');
  if (authorization !== undefined) {
    const token = BEARER.exec(authorization)?.[1];
    if (token === undefined)
      throw OAuthError.bearer('invalid_request', 'the Authorization header must be "Bearer" and an access token');
    return token;
  }
  if (body !== undefined) return body;
  throw OAuthError.bearer(null, 'an access token is required (Authorization: Bearer)');
}

/** GET and POST /oauth/userinfo (OpenID Connect Core §5.3). */
export function registerUserinfoRoutes(app: FastifyInstance, gatehouse: Pick<HttpServices, 'userinfo'>): void {
  app.route({
    method: ['GET', 'POST'],
    url: USERINFO,
    handler: async (request, reply) => {
      const answer = await gatehouse.userinfo.answer(bearerTokenOf(request));
      request.audit.clientId = answer.clientId;
      reply.headers(NO_STORE);
      return answer.kind === 'jwt'
        ? reply.type('application/jwt').send(answer.token)
        : reply.type('application/json').send(answer.claims);
    },
  });

  app.route({
    method: [...OTHER_METHODS],
    url: USERINFO,
    handler: async () => {
      throw OAuthError.methodNotAllowed('GET, POST');
    },
  });
}
