/**
 * RFC 7591 §2.3: a software statement is a JWT about the client software, signed by a party the
 * authorization server trusts; its claims are client metadata that win over the request's own
 * (§3.1.1). Trusted keys come from the configuration (client_registration.software_statement_jwks).
 */
import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet } from 'jose';
import { PRIVATE_KEY_JWT_ALGORITHMS } from '../client-methods.js';
import { OAuthError } from '../errors.js';
import type { JsonWebKeySet } from '../ports.js';

/** Claims of the JWT itself, not client metadata: never copied into the registration. */
const JWT_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti']);
/** Seconds of clock difference tolerated for exp and nbf. */
const LEEWAY = 60;

export type SoftwareStatementVerifier = (statement: unknown, now: number) => Promise<Record<string, unknown>>;

/**
 * Verifies statements against `keys` (null: none trusted, every statement unapproved). A statement
 * whose key is not trusted is unapproved_software_statement; one that is malformed, tampered with,
 * expired or not yet valid is invalid_software_statement.
 */
export function softwareStatementVerifier(keys: JsonWebKeySet | null): SoftwareStatementVerifier {
  const keySet = keys ? createLocalJWKSet(keys as unknown as JSONWebKeySet) : null;
  return async (statement, now) => {
    if (typeof statement !== 'string' || statement.length > 16_384 || statement.split('.').length !== 3)
      throw OAuthError.registration('invalid_software_statement', 'software_statement must be a signed JWT');
    if (!keySet)
      throw OAuthError.registration('unapproved_software_statement', 'this server trusts no software statement issuer');
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(statement, keySet, {
        algorithms: [...PRIVATE_KEY_JWT_ALGORITHMS],
        currentDate: new Date(now * 1000),
        clockTolerance: LEEWAY,
      }));
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys)
        throw OAuthError.registration(
          'unapproved_software_statement',
          'the software statement is not signed by a trusted key',
        );
      if (error instanceof errors.JWTExpired)
        throw OAuthError.registration('invalid_software_statement', 'the software statement has expired');
      throw OAuthError.registration('invalid_software_statement', 'the software statement is not valid');
    }
    return Object.fromEntries(Object.entries(payload).filter(([claim]) => !JWT_CLAIMS.has(claim)));
  };
}
