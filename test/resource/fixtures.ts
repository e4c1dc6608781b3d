/**
 * A stand-in authorization server for the resource-server unit tests: a tiny node:http server
 * that publishes a JWKS the test can change and answers introspection as the test says, plus
 * helpers to make signing keys and RFC 9068 tokens with jose.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { expect } from 'vitest';
import { BearerError } from '../../src/resource/errors.js';

export interface IntrospectionCall {
  token: string | null;
  hint: string | null;
  authorization: string | undefined;
  contentType: string | undefined;
  method: string | undefined;
}

export interface IntrospectionAnswer {
  status?: number;
  /** JSON-encoded unless it is a string. */
  body: unknown;
}

export interface FakeAuthServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** What GET /.well-known/jwks.json serves; replace it to rotate keys. */
  jwks: { keys: JWK[] };
  /** GET /.well-known/jwks.json requests so far. */
  jwksRequests: number;
  /** Decides each POST /oauth/introspect answer (may wait on a promise the test resolves). */
  introspect: (call: IntrospectionCall) => IntrospectionAnswer | Promise<IntrospectionAnswer>;
  introspectionCalls: IntrospectionCall[];
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeAuthServer(): Promise<FakeAuthServer> {
  let server: Server;
  const fake: FakeAuthServer = {
    url: '',
    jwks: { keys: [] },
    jwksRequests: 0,
    introspect: () => ({ body: { active: false } }),
    introspectionCalls: [],
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  server = createServer(async (request, response) => {
    if (request.method === 'GET' && request.url === '/.well-known/jwks.json') {
      fake.jwksRequests++;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(fake.jwks));
      return;
    }
    if (request.url === '/oauth/introspect') {
      const params = new URLSearchParams(await readBody(request));
      const call: IntrospectionCall = {
        token: params.get('token'),
        hint: params.get('token_type_hint'),
        authorization: request.headers.authorization,
        contentType: request.headers['content-type'],
        method: request.method,
      };
      fake.introspectionCalls.push(call);
      const answer = await fake.introspect(call);
      const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      response.writeHead(answer.status ?? 200, { 'content-type': 'application/json' }).end(body);
      return;
    }
    response.writeHead(404).end();
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

export interface SigningKey {
  kid: string;
  alg: 'EdDSA' | 'ES256' | 'RS256';
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function makeSigningKey(
  alg: SigningKey['alg'] = 'EdDSA',
  kid = `key-${alg}-${Math.random().toString(36).slice(2, 8)}`,
): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk };
}

export interface TokenOptions {
  issuer: string;
  audience: string | string[];
  now: number;
  /** Claims to add or override (undefined removes one). */
  claims?: Record<string, unknown>;
  /** Header parameters to add or override. */
  header?: Record<string, unknown>;
  lifetime?: number;
}

/** An RFC 9068 access token: typ at+jwt, every required claim, scope "read write". */
export function signAccessToken(key: SigningKey, options: TokenOptions): Promise<string> {
  const payload: JWTPayload = {
    iss: options.issuer,
    sub: 'user-1',
    aud: options.audience,
    exp: options.now + (options.lifetime ?? 3600),
    iat: options.now,
    jti: `jti-${Math.random().toString(36).slice(2)}`,
    client_id: 'client-1',
    scope: 'read write',
    ...options.claims,
  };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, typ: 'at+jwt', kid: key.kid, ...options.header })
    .sign(key.privateKey);
}

/** base64url of a JSON value, for tokens crafted by hand. */
export function b64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** A promise the test settles when it chooses (e.g. to hold an introspection answer). */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => (resolve = settle));
  return { promise, resolve };
}

/** The BearerError `promise` rejects with; fails the test when it resolves or rejects otherwise. */
export async function rejection(promise: Promise<unknown>): Promise<BearerError> {
  const outcome = await promise.then(
    (value) => ({ resolved: value }),
    (error: unknown) => ({ error }),
  );
  if ('resolved' in outcome)
    throw new Error(`expected a BearerError, but it resolved with ${JSON.stringify(outcome.resolved)}`);
  expect(outcome.error).toBeInstanceOf(BearerError);
  return outcome.error as BearerError;
}

/** The BearerError `fn` throws. */
export function thrown(fn: () => unknown): BearerError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BearerError);
    return error as BearerError;
  }
  throw new Error('expected a BearerError, but nothing was thrown');
}
