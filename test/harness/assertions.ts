/**
 * JWT assertions as a client or a trusted issuer makes them (RFC 7523), keys generated with jose
 * in the test, and key sets "published" at URLs served from memory through the RemoteKeySets port.
 */
import { randomUUID } from 'node:crypto';
import { type CryptoKey, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { RemoteKeySetError, type RemoteKeySets } from '../../src/core/ports/remote-keys.js';

export const JWT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export interface SigningKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  /** The public JWK as registered (kid, alg, use). */
  publicJwk: Record<string, unknown>;
}

export async function signingKey(alg = 'ES256', kid: string = randomUUID()): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicJwk };
}

export const keySet = (...keys: SigningKey[]) => ({ keys: keys.map((key) => key.publicJwk) });

/** Claims every assertion carries unless overridden (`undefined` removes one). */
export function assertionClaims(
  issuer: string,
  subject: string,
  audience: string | string[],
  now: number,
  overrides: Record<string, unknown> = {},
): JWTPayload {
  const claims: Record<string, unknown> = {
    iss: issuer,
    sub: subject,
    aud: audience,
    iat: now,
    exp: now + 60,
    jti: randomUUID(),
    ...overrides,
  };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  return claims;
}

/** Signs `claims` with `key` (an asymmetric key, or a secret for HS256). */
export function sign(
  claims: JWTPayload,
  key: SigningKey | { secret: string },
  header: Record<string, unknown> = {},
): Promise<string> {
  if ('secret' in key)
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', ...header })
      .sign(new TextEncoder().encode(key.secret));
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, ...header }).sign(key.privateKey);
}

/** An unsigned JWT (alg none), as an attacker would send it. */
export function unsecured(claims: JWTPayload): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

/**
 * Key sets at URLs, served from memory and cached like the real fetcher: a URL is read once, then
 * again only when asked to refresh (an unknown kid). `fetches` records every read.
 */
export class MemoryKeySets implements RemoteKeySets {
  readonly published = new Map<string, { keys: Record<string, unknown>[] }>();
  readonly fetches: Array<{ uri: string; refresh: boolean }> = [];
  private readonly cached = new Map<string, { keys: Record<string, unknown>[] }>();

  async keySet(uri: string, options: { refresh?: boolean } = {}): Promise<{ keys: Record<string, unknown>[] }> {
    const refresh = options.refresh === true;
    const cached = this.cached.get(uri);
    if (cached && !refresh) return cached;
    this.fetches.push({ uri, refresh });
    const set = this.published.get(uri);
    if (!set) throw new RemoteKeySetError('bad_status', `${new URL(uri).host} answered 404`);
    const copy = structuredClone(set);
    this.cached.set(uri, copy);
    return copy;
  }
}
