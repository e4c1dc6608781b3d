import type { FastifyInstance } from 'fastify';
import { OAuthError } from '../../core/errors.js';
import type { HttpServices } from '../services.js';
import { NO_STORE } from '../errors.js';
import { parseFormBody } from '../form.js';

const OTHER_METHODS = ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/** POST /oauth/revoke (RFC 7009) and POST /oauth/introspect (RFC 7662). */
export function registerTokenManagementRoutes(
  app: FastifyInstance,
  gatehouse: Pick<HttpServices, 'introspectionEndpoint' | 'revocationEndpoint'>,
): void {
  app.post('/oauth/revoke', async (request, reply) => {
    const params = parseFormBody(request.headers['content-type'], request.body);
    const { clientId } = await gatehouse.revocationEndpoint.handle(
      { params, authorization: request.headers.authorization, clientIp: request.ip },
      request.ip,
    );
    request.audit.clientId = clientId;
    // §2.2: 200 whether or not there was anything to revoke.
    return reply.headers(NO_STORE).send({});
  });

  app.post('/oauth/introspect', async (request, reply) => {
    const params = parseFormBody(request.headers['content-type'], request.body);
    const { clientId, response } = await gatehouse.introspectionEndpoint.handle({
      params,
      authorization: request.headers.authorization,
      clientIp: request.ip,
    });
    request.audit.clientId = clientId;
    return reply.headers(NO_STORE).send(response);
  });

  for (const url of ['/oauth/revoke', '/oauth/introspect']) {
    app.route({
      method: [...OTHER_METHODS],
      url,
      handler: async () => {
        throw OAuthError.methodNotAllowed('POST');
      },
    });
  }
}
