import type { FastifyInstance } from 'fastify';
import { OAuthError } from '../../core/errors.js';
import type { HttpServices } from '../services.js';
import { NO_STORE } from '../errors.js';
import { parseFormBody } from '../form.js';

const OTHER_METHODS = ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/** POST /oauth/token (RFC 6749 §3.2). */
export function registerTokenRoute(app: FastifyInstance, gatehouse: Pick<HttpServices, 'tokenEndpoint'>): void {
  app.post('/oauth/token', async (request, reply) => {
    const params = parseFormBody(request.headers['content-type'], request.body);
    request.audit.grantType = params.get('grant_type')?.slice(0, 60);
    const outcome = await gatehouse.tokenEndpoint.handle({
      params,
      authorization: request.headers.authorization,
      clientIp: request.ip,
      headers: request.headers,
    });
    request.audit.clientId = outcome.clientId;
    return reply.headers(NO_STORE).send(outcome.response);
  });

  // RFC 6749 §3.2: the client MUST use POST. Other methods get 405, never a token.
  app.route({
    method: [...OTHER_METHODS],
    url: '/oauth/token',
    handler: async () => {
      throw OAuthError.methodNotAllowed('POST');
    },
  });
}
