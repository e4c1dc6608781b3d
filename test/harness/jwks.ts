/**
 * A server's published keys (RFC 7517) and RFC 9068 access token verification against them,
 * for the tests of JWT access tokens, in-process or beside the CLI.
 */
import { createLocalJWKSet, jwtVerify, type JWK } from 'jose';
import { expect } from 'vitest';
import { httpRequest } from '../helpers/server.js';

export async function fetchJwks(server: { url: string }): Promise<JWK[]> {
  const res = await httpRequest(`${server.url}/.well-known/jwks.json`);
  expect(res.status, res.text).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(Object.keys(res.json)).toEqual(['keys']);
  return res.json.keys as JWK[];
}

/** Verifies an RFC 9068 token from `server` with the keys its JWKS publishes right now. */
export async function verifyWith(server: { url: string }, token: string, issuer = server.url) {
  const jwks = createLocalJWKSet({ keys: await fetchJwks(server) });
  return jwtVerify(token, jwks, { issuer, audience: issuer, typ: 'at+jwt' });
}
