import { compactVerify, createLocalJWKSet, type JWK } from 'jose';

/**
 * An ID token a client hands back as a hint (id_token_hint at the authorization endpoint, OIDC Core
 * §3.1.2.1; at the end-session endpoint, RP-Initiated Logout §2): one of ours, checked by its
 * signature against the published keys and its `iss`. Its expiry is not checked (RP-Initiated
 * Logout §2 advises accepting an expired hint; a hint proves nothing about the current sign-in
 * either way), so a token signed by a key no longer published is simply not recognised.
 */
export interface IdTokenHint {
  sub: string;
  /** The client it was issued to (its `aud`; one audience). */
  clientId: string;
  sid?: string;
  exp?: number;
}

export interface IdTokenHintSettings {
  issuer: string;
  /** The published keys (KeyRing.publishedKeys). */
  publishedKeys: () => Promise<JWK[]>;
}

/** The hint's claims, or null when it is not an ID token this server signed (or is malformed). */
export async function verifyIdTokenHint(token: string, settings: IdTokenHintSettings): Promise<IdTokenHint | null> {
  if (token.length > 8192 || token.split('.').length !== 3) return null;
  let payload: Record<string, unknown>;
  try {
    const keys = createLocalJWKSet({ keys: await settings.publishedKeys() });
    // Only the algorithms ID tokens are signed with; never "none" or HMAC with a public key.
    const verified = await compactVerify(token, keys, { algorithms: ['RS256', 'ES256', 'EdDSA'] });
    if (verified.protectedHeader.typ !== undefined && verified.protectedHeader.typ !== 'JWT') return null;
    payload = JSON.parse(new TextDecoder().decode(verified.payload)) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof payload !== 'object' || payload === null) return null;
  const { iss, sub, aud, sid, exp } = payload;
  if (iss !== settings.issuer || typeof sub !== 'string') return null;
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  // ID tokens are for one client: a token with several audiences (or none) was not issued by us as an ID token.
  if (audiences.length !== 1 || typeof audiences[0] !== 'string') return null;
  // Our ID tokens always carry azp (= aud) and auth_time: a signed userinfo answer (typ JWT too,
  // one aud, a sub) has neither, and is no hint; an access token (at+jwt) was refused by typ above.
  if (payload.azp !== audiences[0] || typeof payload.auth_time !== 'number') return null;
  return {
    sub,
    clientId: audiences[0],
    ...(typeof sid === 'string' ? { sid } : {}),
    ...(typeof exp === 'number' ? { exp } : {}),
  };
}
