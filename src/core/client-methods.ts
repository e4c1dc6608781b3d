/**
 * The client authentication methods Gatehouse knows (RFC 7591 §2 names, OIDC Core §9) and what a
 * client registered for a JWT method must bring: public keys only, in a bounded key set.
 */
import { createPublicKey, type JsonWebKey as NodeJsonWebKey } from 'node:crypto';
import type { ClientAuthMethod, ClientRecord, JsonWebKeySet } from './ports.js';

/** Every method, as token_endpoint_auth_methods_supported lists them. */
export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'client_secret_jwt',
  'none',
];

/**
 * private_key_jwt signatures accepted: asymmetric only, so a public key can never serve as an HMAC
 * secret. Ed25519 is EdDSA's fully specified name (RFC 9864), what oauth4webapi signs with.
 */
export const PRIVATE_KEY_JWT_ALGORITHMS: readonly string[] = ['RS256', 'PS256', 'ES256', 'EdDSA', 'Ed25519'];
/** client_secret_jwt: an HMAC with the client's secret. */
export const CLIENT_SECRET_JWT_ALGORITHMS: readonly string[] = ['HS256'];

/** RFC 7523 §2.2: client_assertion_type for a JWT. */
export const JWT_CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The method a client was registered with (records built in code before migration 13 have none). */
export function registeredAuthMethod(client: Pick<ClientRecord, 'authMethod' | 'isPublic'>): ClientAuthMethod {
  return client.authMethod ?? (client.isPublic ? 'none' : 'client_secret_basic');
}

/** Members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const MAX_KEYS = 10;
const MAX_KEY_SET_BYTES = 32 * 1024;
const MIN_RSA_BITS = 2048;

/**
 * Why `value` is not a key set a client (or a trusted issuer) may register, or null: a JWK Set of
 * 1 to 10 public signing keys (RSA of 2048 bits or more, EC, OKP), none with private or symmetric
 * members, each one that Node can load. Said in one line, for the CLI and the configuration.
 */
export function publicKeySetProblem(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'a JWK Set must be a JSON object';
  const { keys } = value as { keys?: unknown };
  if (!Array.isArray(keys) || keys.length === 0) return 'a JWK Set must have a non-empty "keys" array';
  if (keys.length > MAX_KEYS) return `a JWK Set may have at most ${MAX_KEYS} keys`;
  if (JSON.stringify(value).length > MAX_KEY_SET_BYTES) return 'the JWK Set is larger than 32 KiB';
  for (const [index, key] of keys.entries()) {
    const problem = publicKeyProblem(key);
    if (problem) return `key ${index + 1}: ${problem}`;
  }
  return null;
}

function publicKeyProblem(key: unknown): string | null {
  if (key === null || typeof key !== 'object' || Array.isArray(key)) return 'not a JSON object';
  const jwk = key as Record<string, unknown>;
  const secret = PRIVATE_MEMBERS.filter((member) => member in jwk);
  if (jwk.kty === 'oct' || secret.length > 0)
    return `has private or symmetric key material (${secret.join(', ') || 'kty oct'}): register public keys only`;
  if (!['RSA', 'EC', 'OKP'].includes(String(jwk.kty))) return 'kty must be RSA, EC or OKP';
  if (jwk.use !== undefined && jwk.use !== 'sig') return 'use must be sig';
  if (jwk.alg !== undefined && !PRIVATE_KEY_JWT_ALGORITHMS.includes(String(jwk.alg)))
    return `alg must be one of ${PRIVATE_KEY_JWT_ALGORITHMS.join(', ')}`;
  if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || jwk.kid.length > 200))
    return 'kid must be a short string';
  try {
    const publicKey = createPublicKey({ key: jwk as NodeJsonWebKey, format: 'jwk' });
    const bits = publicKey.asymmetricKeyDetails?.modulusLength;
    if (jwk.kty === 'RSA' && (bits ?? 0) < MIN_RSA_BITS) return `an RSA key must have at least ${MIN_RSA_BITS} bits`;
  } catch {
    return 'not a valid public key';
  }
  return null;
}

/** The key set after publicKeySetProblem said null: what is stored. */
export function asKeySet(value: unknown): JsonWebKeySet {
  return { keys: (value as JsonWebKeySet).keys.map((key) => ({ ...key })) };
}
