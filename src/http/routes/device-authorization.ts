import type { FastifyInstance } from 'fastify';
import { OAuthError } from '../../core/errors.js';
import type { HttpServices } from '../services.js';
import { NO_STORE } from '../errors.js';
import { parseFormBody } from '../form.js';

/** POST /oauth/device_authorization (RFC 8628 §3.1): a form, each parameter once, like the token endpoint. */
export function registerDeviceAuthorizationRoute(
  app: FastifyInstance,
  gatehouse: Pick<HttpServices, 'deviceAuthorizationEndpoint'>,
): void {
  app.post('/oauth/device_authorization', async (request, reply) => {
    const params = parseFormBody(request.headers['content-type'], request.body);
    const outcome = await gatehouse.deviceAuthorizationEndpoint.handle({
      params,
      authorization: request.headers.authorization,
      clientIp: request.ip,
    });
    request.audit.clientId = outcome.clientId;
    return reply.headers(NO_STORE).send(outcome.response);
  });

  app.route({
    method: ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'],
    url: '/oauth/device_authorization',
    handler: async () => {
      throw OAuthError.methodNotAllowed('POST');
    },
  });
}
