import { createHash } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import type { Clock } from '../clock.js';
import type { KeyRing, SigningAlgorithm } from '../keys.js';
import type { ClientRecord, IdTokenAlgorithm, OidcGrantRecord } from '../ports.js';

/**
 * Signs what OpenID Connect hands to clients: ID tokens (OIDC Core §2), signed userinfo
 * responses (§5.3.2) and logout tokens (Back-Channel Logout §2.4), each with the key ring's
 * current key of the client's algorithm (RS256 unless it registered another).
 */

/** The algorithm of a client's ID tokens: id_token_signed_response_alg, RS256 by default (OIDC Core §3.1.3.7). */
export function idTokenAlgorithmOf(client: Pick<ClientRecord, 'oidc'>): IdTokenAlgorithm {
  return client.oidc?.idTokenSignedResponseAlg ?? 'RS256';
}

/**
 * at_hash / c_hash (OIDC Core §3.1.3.6): the left half of the hash of the ASCII value, base64url,
 * with the hash of the signing algorithm (SHA-256 for RS256 and ES256; SHA-512 for EdDSA with
 * Ed25519, as the OpenID Foundation's errata and its conformance suite use).
 */
export function halfHash(value: string, algorithm: IdTokenAlgorithm): string {
  const digest = createHash(algorithm === 'EdDSA' ? 'sha512' : 'sha256')
    .update(value, 'ascii')
    .digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

export interface IdTokenSettings {
  issuer: string;
  /** Seconds an ID token (and a signed userinfo response) lives. */
  lifetime: number;
}

/** What an ID token says beyond what the signer adds (iss, aud, azp, iat, exp). */
export interface IdTokenContent {
  client: Pick<ClientRecord, 'id' | 'oidc'>;
  /** The client's view of the user (Subjects.of). */
  subject: string;
  /** The sign-in behind the grant: auth_time, sid, amr, acr. */
  grant: Pick<OidcGrantRecord, 'authTime' | 'sid' | 'amr' | 'acr'>;
  /** The request's nonce: only in the ID token of the authorization (OIDC Core §12.2: not after a refresh). */
  nonce?: string | null;
  /** The access token issued beside it: its at_hash is included. */
  accessToken?: string;
  /** User claims released into the ID token (claims parameter, or the client's id_token_claims). */
  userClaims?: Record<string, unknown>;
}

export class IdTokenSigner {
  constructor(
    private readonly keys: Pick<KeyRing, 'signingKey'>,
    private readonly clock: Clock,
    private readonly settings: IdTokenSettings,
  ) {}

  get issuer(): string {
    return this.settings.issuer;
  }

  /** An ID token for `content.client`, signed with its algorithm's current key. */
  async idToken(content: IdTokenContent): Promise<string> {
    const algorithm = idTokenAlgorithmOf(content.client);
    const { grant } = content;
    const claims: JWTPayload = {
      ...content.userClaims,
      sub: content.subject,
      // OIDC Core §2: azp is the party the token was issued to (here always the one audience).
      azp: content.client.id,
      auth_time: grant.authTime,
      sid: grant.sid,
      amr: [...grant.amr],
      ...(grant.acr ? { acr: grant.acr } : {}),
      ...(content.nonce ? { nonce: content.nonce } : {}),
      ...(content.accessToken ? { at_hash: halfHash(content.accessToken, algorithm) } : {}),
    };
    return this.sign(algorithm, claims, content.client.id, 'JWT', this.settings.lifetime);
  }

  /** OIDC Core §5.3.2: the userinfo claims as a JWT signed for the client (iss and aud added). */
  async userinfo(client: Pick<ClientRecord, 'id'>, algorithm: IdTokenAlgorithm, claims: JWTPayload): Promise<string> {
    return this.sign(algorithm, claims, client.id, 'JWT', this.settings.lifetime);
  }

  /**
   * Back-Channel Logout 1.0 §2.4: a logout token (typ logout+jwt, the events member, no nonce),
   * with the `claims` kept for the delivery (sub, sid, jti, iat), valid for a short while.
   */
  async logoutToken(client: Pick<ClientRecord, 'id' | 'oidc'>, claims: JWTPayload, lifetime = 120): Promise<string> {
    return this.sign(idTokenAlgorithmOf(client), claims, client.id, 'logout+jwt', lifetime);
  }

  private async sign(
    algorithm: SigningAlgorithm,
    claims: JWTPayload,
    audience: string,
    typ: string,
    lifetime: number,
  ): Promise<string> {
    const key = await this.keys.signingKey(algorithm);
    const now = this.clock.now();
    return new SignJWT(claims)
      .setProtectedHeader({ alg: key.algorithm, typ, kid: key.kid })
      .setIssuer(this.settings.issuer)
      .setAudience(audience)
      .setIssuedAt(typeof claims.iat === 'number' ? claims.iat : now)
      .setExpirationTime((typeof claims.iat === 'number' ? claims.iat : now) + lifetime)
      .sign(key.privateKey);
  }
}
