import type { FastifyReply } from 'fastify';
import { OAuthError } from '../core/errors.js';

/** RFC 6749 §5.1/§5.2: token responses and their errors are never cached. */
export const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

export function sendOAuthError(reply: FastifyReply, error: OAuthError): FastifyReply {
  return reply
    .code(error.status)
    .headers({ ...NO_STORE, ...error.headers })
    .send(error.toJSON());
}

/**
 * Errors that mean the database is unreachable, overloaded or aborted the transaction to break a
 * deadlock (40P01) or a serialisation conflict (40001): a 503 the client may retry, not a 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  if (
    code &&
    [
      'ECONNREFUSED',
      'ECONNRESET',
      'ETIMEDOUT',
      'EPIPE',
      'SQLITE_BUSY',
      'SQLITE_LOCKED',
      '57P01',
      '57P03',
      '53300',
      '40P01',
      '40001',
    ].includes(code)
  )
    return true;
  if ((error as { name?: string } | null)?.name === 'MaxRetriesPerRequestError') return true; // Redis (ioredis) unreachable
  return /Connection terminated|Query read timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Stream isn't writeable|Connection is closed/i.test(
    message ?? '',
  );
}

/**
 * Fastify's own errors for bad input (body too large, bad content length, …) carry a 4xx
 * statusCode: answer them in the RFC 6749 §5.2 shape.
 */
export function fromFrameworkError(error: unknown): OAuthError | null {
  const { statusCode, code } = (error ?? {}) as { statusCode?: number; code?: string };
  if (typeof statusCode !== 'number' || statusCode < 400 || statusCode >= 500) return null;
  const description = code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'request body is too large' : 'malformed request';
  return new OAuthError('invalid_request', description, statusCode === 413 ? 413 : 400);
}
