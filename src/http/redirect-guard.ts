import type { FastifyReply } from 'fastify';
import { OAuthError } from '../core/errors.js';

/**
 * A redirect whose Location Node refuses to write (a line break, a character beyond Latin-1:
 * ERR_INVALID_CHAR), say to a redirect URI registered before the registration rules. The error
 * handler calls this first: the Location goes, and the answer is a 400 (an HTML page on pages),
 * never a 500 or Fastify's own error body. Returns null for every other error.
 */
export function unsendableRedirect(error: unknown, reply: FastifyReply): OAuthError | null {
  const { code } = (error ?? {}) as { code?: string };
  if ((code !== 'ERR_INVALID_CHAR' && code !== 'ERR_HTTP_INVALID_HEADER_VALUE') || !reply.hasHeader('location'))
    return null;
  reply.removeHeader('location');
  return OAuthError.invalidRequest('the redirect URI cannot be used: it holds characters a redirect cannot carry');
}
