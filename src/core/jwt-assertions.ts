/**
 * JWT assertions (RFC 7523 §3, RFC 7521): a client's assertion that authenticates it (§2.2,
 * private_key_jwt / client_secret_jwt) and an issuer's assertion that is itself the grant (§2.1).
 * One set of rules for both: signature with an allowed algorithm by a key of who vouches, an `aud`
 * this server accepts, a short life (exp required, at most maxLifetime ahead), sane iat and nbf,
 * and a `jti` used once, remembered in the database until exp so replays fail on every node.
 */
import type { FlattenedJWSInput, JSONWebKeySet, JWSHeaderParameters, JWTPayload } from 'jose';
import type { JsonWebKeySet, RemoteKeySets, UsedAssertionIdStore } from './ports.js';
import { tokenKey } from './secrets.js';

/**
 * jose, loaded when the first assertion is checked: this module is reached from the grant registry,
 * which the CLI loads for its --help, and the CLI loads no more than it needs.
 */
let jose: Promise<typeof import('jose')> | undefined;
const loadJose = () => (jose ??= import('jose'));

/** Seconds of clock difference tolerated between the signer and this server (exp, nbf, iat). */
export const ASSERTION_LEEWAY = 30;
/** Longest assertion read at all; a real one is well under 2 KiB. */
const MAX_ASSERTION_LENGTH = 16 * 1024;
const MAX_JTI_LENGTH = 255;

/** Why an assertion was refused: `reason` goes to the audit log, `message` to the error description. */
export class AssertionError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'AssertionError';
  }
}

/** Where the verification keys come from. */
export type AssertionKeys =
  | { kind: 'jwks'; jwks: JsonWebKeySet }
  | { kind: 'remote'; uri: string; keySets: RemoteKeySets }
  | { kind: 'secret'; secret: string };

export interface AssertionRules {
  /** The signature algorithms allowed for these keys. */
  algorithms: readonly string[];
  /** `aud` must be (or, as an array, contain) one of these. */
  audiences: readonly string[];
  /** Now, in seconds since the epoch. */
  now: number;
  /** Seconds ahead of now `exp` may be at most. */
  maxLifetime: number;
}

/** A verified assertion's claims that matter. */
export interface VerifiedAssertion {
  iss: string;
  sub: string;
  jti: string;
  exp: number;
  payload: JWTPayload;
}

/** The claims of a JWT read without verifying it (to know whose keys to verify it with); null when it is none. */
export function unverifiedClaims(jwt: string): { iss?: unknown; sub?: unknown } | null {
  const parts = jwt.split('.');
  if (parts.length !== 3 || jwt.length > MAX_ASSERTION_LENGTH) return null;
  try {
    const claims = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8')) as unknown;
    return claims !== null && typeof claims === 'object' ? (claims as { iss?: unknown; sub?: unknown }) : null;
  } catch {
    return null;
  }
}

type KeyGetter = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>;
type Jose = typeof import('jose');

/** A key set at a URL: fetched (cached by the port), asked again once when no key matches the kid. */
function remoteKeyGetter({ createLocalJWKSet, errors }: Jose, uri: string, keySets: RemoteKeySets): KeyGetter {
  const fetchSet = async (refresh: boolean) => {
    try {
      return createLocalJWKSet((await keySets.keySet(uri, { refresh })) as JSONWebKeySet);
    } catch (error) {
      throw new AssertionError('key_set_unavailable', `the key set could not be fetched: ${(error as Error).message}`);
    }
  };
  return async (header, token) => {
    try {
      return await (await fetchSet(false))(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || header.kid === undefined) throw error;
      // A new key the client published since the set was cached (rotation): one fresh look.
      return (await fetchSet(true))(header, token);
    }
  };
}

/** Verifies everything but the jti's single use (see useAssertionId); throws AssertionError. */
export async function verifyAssertion(
  jwt: string,
  keys: AssertionKeys,
  rules: AssertionRules,
): Promise<VerifiedAssertion> {
  if (jwt.length > MAX_ASSERTION_LENGTH) throw new AssertionError('malformed', 'the assertion is too long');
  const jose = await loadJose();
  const { createLocalJWKSet, jwtVerify } = jose;
  const options = {
    algorithms: [...rules.algorithms],
    audience: [...rules.audiences],
    currentDate: new Date(rules.now * 1000),
    clockTolerance: ASSERTION_LEEWAY,
    requiredClaims: ['iss', 'sub', 'exp', 'jti'],
  };
  let payload: JWTPayload;
  try {
    if (keys.kind === 'secret') {
      ({ payload } = await jwtVerify(jwt, new TextEncoder().encode(keys.secret), options));
    } else {
      const getter =
        keys.kind === 'jwks'
          ? createLocalJWKSet(keys.jwks as JSONWebKeySet)
          : remoteKeyGetter(jose, keys.uri, keys.keySets);
      ({ payload } = await jwtVerify(jwt, getter, options));
    }
  } catch (error) {
    throw asAssertionError(jose.errors, error);
  }
  const { iss, sub, jti, exp, iat } = payload;
  if (typeof iss !== 'string' || typeof sub !== 'string' || typeof exp !== 'number')
    throw new AssertionError('malformed', 'iss, sub and exp are required');
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH)
    throw new AssertionError('missing_jti', 'jti must be a string of 1 to 255 characters');
  if (exp > rules.now + rules.maxLifetime + ASSERTION_LEEWAY)
    throw new AssertionError('exp_too_far', `exp may be at most ${rules.maxLifetime} seconds ahead`);
  if (iat !== undefined && iat > rules.now + ASSERTION_LEEWAY)
    throw new AssertionError('iat_in_future', 'iat is in the future');
  return { iss, sub, jti, exp, payload };
}

/**
 * RFC 7523 §3 item 7: the jti is used once. Remembered (as a hash of who vouched and the jti, so
 * two clients' ids never collide) until the assertion can no longer pass the exp check.
 */
export async function useAssertionId(
  store: UsedAssertionIdStore,
  vouchedBy: string,
  assertion: Pick<VerifiedAssertion, 'jti' | 'exp'>,
  now: number,
): Promise<void> {
  const jtiHash = tokenKey(`${vouchedBy}\n${assertion.jti}`);
  if (!(await store.useAssertionId(jtiHash, assertion.exp + ASSERTION_LEEWAY, now)))
    throw new AssertionError('replayed', 'this assertion (its jti) has been used already');
}

function asAssertionError(errors: Jose['errors'], error: unknown): AssertionError {
  if (error instanceof AssertionError) return error;
  if (error instanceof errors.JWTExpired) return new AssertionError('expired', 'the assertion has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return new AssertionError('wrong_audience', 'aud does not name this server');
    if (error.reason === 'missing' && error.claim === 'jti')
      return new AssertionError('missing_jti', 'jti is required');
    if (error.reason === 'missing') return new AssertionError('malformed', `the ${error.claim} claim is required`);
    return new AssertionError(`bad_${error.claim}`, `the ${error.claim} claim is not acceptable`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed)
    return new AssertionError('algorithm_not_allowed', 'this alg is not allowed');
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return new AssertionError('bad_signature', 'the signature does not verify');
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys)
    return new AssertionError('no_matching_key', 'no registered key matches the assertion');
  return new AssertionError('malformed', 'the assertion is not a valid signed JWT');
}
