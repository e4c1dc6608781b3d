import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from '../../core/errors.js';
import { NO_STORE } from '../errors.js';
import { parseJsonObject } from '../json-body.js';
import type { HttpServices } from '../services.js';

const REGISTER = '/oauth/register';
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
/** Client metadata is small; a JWK Set inline is the largest part (at most 32 KiB). */
const BODY_LIMIT = 48 * 1024;

/** The bearer token of the Authorization header (RFC 6750 §2.1), undefined without one. */
function bearerOf(request: FastifyRequest): string | undefined {
  const { authorization } = request.headers;
  if (authorization === undefined) return undefined;
  const token = BEARER.exec(authorization)?.[1];
  if (token === undefined)
    throw OAuthError.bearer('invalid_request', 'the Authorization header must be "Bearer" and a token');
  return token;
}

const send = (reply: FastifyReply, status: number, body: unknown) =>
  reply.code(status).headers(NO_STORE).type('application/json').send(body);

/**
 * POST /oauth/register (RFC 7591 §3) and the client configuration endpoint at
 * /oauth/register/{client_id} (RFC 7592): read, replace, delete. Registered only when
 * client_registration.mode is not off; the rules are in core/client-registration/.
 */
export function registerClientRegistrationRoutes(
  app: FastifyInstance,
  gatehouse: Pick<HttpServices, 'clientRegistration'>,
): void {
  const endpoint = gatehouse.clientRegistration;
  if (!endpoint) return;

  app.post(REGISTER, { bodyLimit: BODY_LIMIT }, async (request, reply) => {
    const bearer = bearerOf(request);
    const metadata = parseJsonObject(request.headers['content-type'], request.body);
    const answer = await endpoint.register(metadata, bearer, request.ip);
    request.audit.clientId = answer.body.client_id as string;
    return send(reply, answer.status, answer.body);
  });

  const configuration = `${REGISTER}/:clientId`;
  type ClientRequest = FastifyRequest<{ Params: { clientId: string } }>;
  app.get(configuration, async (request: ClientRequest, reply) => {
    const answer = await endpoint.read(request.params.clientId, bearerOf(request));
    request.audit.clientId = request.params.clientId;
    return send(reply, answer.status, answer.body);
  });
  app.put(configuration, { bodyLimit: BODY_LIMIT }, async (request: ClientRequest, reply) => {
    const bearer = bearerOf(request);
    const metadata = parseJsonObject(request.headers['content-type'], request.body);
    const answer = await endpoint.update(request.params.clientId, bearer, metadata, request.ip);
    request.audit.clientId = request.params.clientId;
    return send(reply, answer.status, answer.body);
  });
  app.delete(configuration, async (request: ClientRequest, reply) => {
    await endpoint.delete(request.params.clientId, bearerOf(request), request.ip);
    request.audit.clientId = request.params.clientId;
    return reply.code(204).headers(NO_STORE).send();
  });

  app.route({
    method: ['GET', 'PUT', 'DELETE', 'PATCH'],
    url: REGISTER,
    handler: async () => {
      throw OAuthError.methodNotAllowed('POST');
    },
  });
  app.route({
    method: ['POST', 'PATCH'],
    url: configuration,
    handler: async () => {
      throw OAuthError.methodNotAllowed('GET, PUT, DELETE');
    },
  });
}
