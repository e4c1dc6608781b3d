/**
 * The resource server in Fastify, Express and plain node:http. Each adapter answers a refused
 * request itself (status, RFC 6750 challenge, JSON body, no-store) and hands a passed one on
 * with its AccessInfo. Express's types are described structurally here, so an API that does
 * not use Express needs no Express types to compile.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BearerRequest } from './bearer-token.js';
import { headerValues } from './bearer-token.js';
import { BearerError } from './errors.js';
import type { AccessInfo, ResolvedSettings, ScopeRule } from './types.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who calls, set by a `gatehouse/resource` preHandler; undefined on routes it does not guard. */
    gatehouse?: AccessInfo;
  }
}

declare global {
  // Express keeps its request and locals types in this global namespace.
  namespace Express {
    interface Request {
      /** Who calls, set by a `gatehouse/resource` middleware; undefined on routes it does not guard. */
      gatehouse?: AccessInfo;
    }
    interface Locals {
      /** The same AccessInfo as `req.gatehouse`, for templates. */
      gatehouse?: AccessInfo;
    }
  }
}

/** What the adapters need from the resource server. */
export interface ResourceServerCore {
  authenticate(request: BearerRequest): Promise<AccessInfo>;
  /** A remembered JWT's access, synchronously; undefined when authenticate() must decide. */
  rememberedAccess(request: BearerRequest): AccessInfo | undefined;
  check(access: AccessInfo, rule: ScopeRule): void;
  readonly settings: ResolvedSettings;
}

async function authorize(
  core: ResourceServerCore,
  request: BearerRequest,
  rule: ScopeRule | undefined,
): Promise<AccessInfo> {
  const access = await core.authenticate(request);
  if (rule) core.check(access, rule);
  return access;
}

// --- Fastify -----------------------------------------------------------------------

/**
 * A Fastify hook. Meant as a route's `preHandler`; it also works as `preValidation` (to refuse
 * before schema validation) or `onRequest` (before the body is parsed: no body tokens then).
 */
export type FastifyPreHandler = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => void;

/**
 * Callback style, not async: a token already verified is answered synchronously, without the
 * promise an async hook costs on every call (most calls, on a busy API).
 */
export function fastifyPreHandler(core: ResourceServerCore, rule?: ScopeRule): FastifyPreHandler {
  const refuse = (error: unknown, reply: FastifyReply, done: (error?: Error) => void) => {
    if (!(error instanceof BearerError)) return done(error as Error); // Fastify's error handler logs it and answers 500
    reply.code(error.status).headers(error.headers()).send(error.toJSON());
  };
  return function gatehousePreHandler(request, reply, done) {
    const bearerRequest = {
      method: request.method,
      headers: request.headers,
      query: request.query,
      body: request.body,
    };
    try {
      const remembered = core.rememberedAccess(bearerRequest);
      if (remembered) {
        if (rule) core.check(remembered, rule);
        request.gatehouse = remembered;
        return done();
      }
    } catch (error) {
      return refuse(error, reply, done);
    }
    authorize(core, bearerRequest, rule).then(
      (access) => {
        request.gatehouse = access;
        done();
      },
      (error: unknown) => refuse(error, reply, done),
    );
  };
}

// --- Express -----------------------------------------------------------------------

/**
 * The parts of an Express request the middleware reads and writes. `query` and `body` are
 * `any` like Express's own defaults: Express infers a route's request types from every handler
 * of the route, and `unknown` here would make `req.body` unknown in the handlers after this one.
 */
export interface ExpressRequestLike {
  method: string;
  headers: IncomingHttpHeaders;
  // biome-ignore lint/suspicious/noExplicitAny: as in Express's own Request (see above)
  query?: any;
  // biome-ignore lint/suspicious/noExplicitAny: as in Express's own Request (see above)
  body?: any;
  gatehouse?: AccessInfo;
}

/** The parts of an Express response the middleware uses. */
export interface ExpressResponseLike {
  status(code: number): ExpressResponseLike;
  set(headers: Record<string, string>): ExpressResponseLike;
  json(body: unknown): unknown;
  locals: Record<string, unknown>;
  headersSent: boolean;
}

export type ExpressMiddleware = (
  req: ExpressRequestLike,
  res: ExpressResponseLike,
  next: (error?: unknown) => void,
) => Promise<void>;

export function expressMiddleware(core: ResourceServerCore, rule?: ScopeRule): ExpressMiddleware {
  return async function gatehouseMiddleware(req, res, next) {
    let access: AccessInfo;
    try {
      access = await authorize(
        core,
        { method: req.method, headers: req.headers, query: req.query, body: req.body },
        rule,
      );
    } catch (error) {
      if (!(error instanceof BearerError)) return next(error); // the app's error handler decides
      if (!res.headersSent) res.status(error.status).set(error.headers()).json(error.toJSON());
      return;
    }
    req.gatehouse = access;
    res.locals.gatehouse = access;
    next();
  };
}

// --- node:http ---------------------------------------------------------------------

/** Called once the request passes; may be async. What it returns is ignored. */
export type NodeAccessHandler = (req: IncomingMessage, res: ServerResponse, access: AccessInfo) => unknown;
export type NodeRequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** Far above any honest form carrying a token; a larger body is refused rather than buffered. */
export const NODE_FORM_BODY_LIMIT = 64 * 1024;

export function nodeHandler(
  core: ResourceServerCore,
  rule: ScopeRule | undefined,
  handler: NodeAccessHandler,
): NodeRequestListener {
  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let access: AccessInfo;
    try {
      const body = await formBodyFor(req, res, core.settings);
      access = await authorize(core, { method: req.method, headers: req.headers, query: queryOf(req.url), body }, rule);
    } catch (error) {
      sendNodeError(res, error instanceof BearerError ? error : null);
      if (!(error instanceof BearerError))
        console.error('gatehouse/resource: unexpected error while authenticating', error);
      return;
    }
    try {
      await handler(req, res, access);
    } catch (error) {
      // Like Express's default handler: log it and answer 500, rather than crash the process
      // on an unhandled rejection.
      console.error('gatehouse/resource: the request handler threw', error);
      if (!res.headersSent) sendNodeError(res, null);
      else res.destroy();
    }
  }
  return (req, res) => {
    void serve(req, res);
  };
}

/** The query string only: the path of req.url is never parsed (`//host/x` is no URL to follow). */
function queryOf(url: string | undefined): URLSearchParams {
  const start = url?.indexOf('?') ?? -1;
  return new URLSearchParams(start < 0 ? '' : url!.slice(start + 1));
}

/**
 * With allowBodyToken, a form body must be read to find a token in it (and to see a second
 * one next to a header token). It is kept for the handler as `req.body`.
 */
async function formBodyFor(req: IncomingMessage, res: ServerResponse, settings: ResolvedSettings): Promise<unknown> {
  const existing = (req as IncomingMessage & { body?: unknown }).body;
  if (existing !== undefined) return existing;
  if (!settings.allowBodyToken || ['GET', 'HEAD'].includes(req.method ?? 'GET')) return undefined;
  const contentType = headerValues(req.headers, 'content-type')[0];
  if (contentType?.split(';', 1)[0]?.trim().toLowerCase() !== 'application/x-www-form-urlencoded') return undefined;
  const body = new URLSearchParams((await readBody(req, res)).toString('utf8'));
  (req as IncomingMessage & { body?: unknown }).body = body;
  return body;
}

function readBody(req: IncomingMessage, res: ServerResponse): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.off('data', onData).off('end', onEnd).off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= NODE_FORM_BODY_LIMIT) return void chunks.push(chunk);
      stop();
      // Do not read the rest of an oversized body to keep the connection: close it after answering.
      res.shouldKeepAlive = false;
      reject(BearerError.invalidRequest('the request body is too large'));
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks));
    };
    const onError = () => {
      stop();
      reject(BearerError.invalidRequest('the request body could not be read'));
    };
    req.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

/** A BearerError as its RFC 6750 answer; null for an unexpected failure (500, no details). */
function sendNodeError(res: ServerResponse, error: BearerError | null): void {
  if (res.headersSent) return;
  const status = error?.status ?? 500;
  const body = error?.toJSON() ?? {
    error: 'server_error',
    error_description: 'the server could not process the request',
  };
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...(error?.headers() ?? { 'cache-control': 'no-store' }),
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}
