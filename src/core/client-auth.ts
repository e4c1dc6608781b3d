import type {
  ClientAuthenticationThrottle,
  ClientRecord,
  ClientStore,
  RemoteKeySets,
  SecurityEventSink,
  UsedAssertionIdStore,
} from './ports.js';
import {
  CLIENT_SECRET_JWT_ALGORITHMS,
  JWT_CLIENT_ASSERTION_TYPE,
  PRIVATE_KEY_JWT_ALGORITHMS,
  registeredAuthMethod,
} from './client-methods.js';
import type { Clock } from './clock.js';
import { OAuthError } from './errors.js';
import {
  AssertionError,
  type AssertionKeys,
  unverifiedClaims,
  useAssertionId,
  verifyAssertion,
} from './jwt-assertions.js';
import { hashesEqual, hashSecret } from './secrets.js';

/** How a request tried to authenticate: a secret (Basic or body), a JWT assertion (RFC 7523 §2.2), or its id alone. */
export type PresentedAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'client_assertion' | 'none';

export interface PresentedClientCredentials {
  method: PresentedAuthMethod;
  /** The client named: the Basic user, client_id, or (an assertion without client_id) its unverified sub. */
  clientId: string;
  clientSecret: string | null;
  /** client_assertion: the JWT. */
  assertion?: string;
}

/** RFC 6749 §2.3.1: Basic credentials are form-encoded before base64, so decode them the same way. */
function formDecode(value: string): string {
  // Most ids and secrets (base64url, UUIDs) have nothing to decode.
  if (!value.includes('%') && !value.includes('+')) return value;
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

function parseBasic(authorization: string): { clientId: string; clientSecret: string } {
  const invalid = () => OAuthError.invalidClient('malformed HTTP Basic credentials', true);
  const match = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(authorization);
  if (!match?.[1]) throw invalid();
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw invalid();
  let credentials: { clientId: string; clientSecret: string };
  try {
    credentials = { clientId: formDecode(decoded.slice(0, colon)), clientSecret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    throw invalid();
  }
  if (credentials.clientId.includes('\0') || credentials.clientSecret.includes('\0')) throw invalid();
  return credentials;
}

/**
 * Finds how the client authenticates: HTTP Basic, secret in the body, or (public client)
 * just its id. RFC 6749 §2.3: a client MUST NOT use more than one method in a request.
 */
export function presentedClientCredentials(
  params: ReadonlyMap<string, string>,
  authorization: string | undefined,
): PresentedClientCredentials {
  const bodyId = params.get('client_id');
  const bodySecret = params.get('client_secret');
  const assertionType = params.get('client_assertion_type');
  const assertion = params.get('client_assertion');
  const triesBasic = authorization !== undefined && /^basic\b/i.test(authorization.trim());
  if (assertionType !== undefined || assertion !== undefined) {
    if (triesBasic || bodySecret !== undefined)
      throw OAuthError.invalidRequest('use one client authentication method, not a client assertion and a secret');
    if (assertionType === undefined || assertion === undefined)
      throw OAuthError.invalidRequest('client_assertion and client_assertion_type must be sent together');
    if (assertionType !== JWT_CLIENT_ASSERTION_TYPE)
      throw OAuthError.invalidRequest(`client_assertion_type must be ${JWT_CLIENT_ASSERTION_TYPE}`);
    // Whose keys to verify with: client_id when sent (it must then equal iss and sub), else the claimed sub.
    const claimed = unverifiedClaims(assertion)?.sub;
    const clientId = bodyId ?? (typeof claimed === 'string' ? claimed : '');
    return { method: 'client_assertion', clientId, clientSecret: null, assertion };
  }
  if (triesBasic && authorization !== undefined) {
    const basic = parseBasic(authorization.trim());
    if (bodySecret !== undefined)
      throw OAuthError.invalidRequest(
        'use one client authentication method, not HTTP Basic and client_secret together',
      );
    if (bodyId !== undefined && bodyId !== basic.clientId)
      throw OAuthError.invalidRequest('client_id in the body differs from the HTTP Basic client id');
    // Some client libraries send a public client as "client_id:" (empty password): that is no secret.
    return {
      method: 'client_secret_basic',
      clientId: basic.clientId,
      clientSecret: basic.clientSecret === '' ? null : basic.clientSecret,
    };
  }
  if (bodyId === undefined) {
    throw OAuthError.invalidClient('client authentication required (HTTP Basic or client_id and client_secret)', false);
  }
  if (bodySecret !== undefined) return { method: 'client_secret_post', clientId: bodyId, clientSecret: bodySecret };
  return { method: 'none', clientId: bodyId, clientSecret: null };
}

/** A hash no secret matches, compared against when the client is unknown so timing does not tell. */
const DECOY_HASH = hashSecret('decoy secret that matches nothing');

/** The client a request names (null when unknown or absurdly long): the first half of authenticateClient. */
export async function findPresentedClient(
  store: Pick<ClientStore, 'findClient'>,
  presented: PresentedClientCredentials,
): Promise<ClientRecord | null> {
  return presented.clientId.length <= 255 ? store.findClient(presented.clientId) : null;
}

/** What checking a client assertion needs; without it (unit tests of secrets), assertions always fail. */
export interface ClientAssertionVerifier {
  /** The issuer identifier: the only accepted `aud` (a string, or an array containing it). */
  issuer: string;
  /** Seconds ahead of now an assertion's exp may be at most. */
  maxLifetime: number;
  clock: Clock;
  usedIds: UsedAssertionIdStore;
  /** Fetches a client's jwks_uri (cached; refresh on an unknown kid). */
  remoteKeySets: RemoteKeySets;
  /** A client_secret_jwt client's secret from its encrypted form; absent without key_encryption_key. */
  decryptSecret?: (encrypted: string) => string;
}

/** A failed client authentication: always the same 401 invalid_client; `reason` is for the audit log only. */
export interface ClientAuthenticationFailure extends OAuthError {
  reason: string;
}

function failure(reason: string, presented: PresentedClientCredentials): ClientAuthenticationFailure {
  const error = OAuthError.invalidClient('client authentication failed', presented.method === 'client_secret_basic');
  return Object.assign(error, { reason });
}

/** The reason a failure was recorded with (unknown_client, wrong_secret, expired, replayed…). */
export function failureReason(error: OAuthError): string | undefined {
  return (error as Partial<ClientAuthenticationFailure>).reason;
}

/** Checks the presented credentials against `client` (null: unknown), secrets in constant time: the second half. */
export async function checkClientCredentials(
  client: ClientRecord | null,
  presented: PresentedClientCredentials,
  assertions?: ClientAssertionVerifier,
): Promise<ClientRecord> {
  const registered = client ? registeredAuthMethod(client) : null;
  if (presented.method === 'client_assertion') {
    if (!client) throw failure('unknown_client', presented);
    if (registered !== 'private_key_jwt' && registered !== 'client_secret_jwt')
      throw failure('wrong_method', presented);
    return checkClientAssertion(client, registered, presented, assertions);
  }
  if (registered === 'private_key_jwt' || registered === 'client_secret_jwt') throw failure('wrong_method', presented);
  if (client?.isPublic) {
    // A public client has no secret to check; presenting one is a misconfigured client.
    if (presented.clientSecret !== null) throw failure('secret_for_public_client', presented);
    return client;
  }
  if (presented.clientSecret === null) throw failure(client ? 'missing_secret' : 'unknown_client', presented);
  const matches = hashesEqual(hashSecret(presented.clientSecret), client?.secretHash ?? DECOY_HASH);
  if (!client) throw failure('unknown_client', presented);
  if (!matches) throw failure('wrong_secret', presented);
  return client;
}

/**
 * RFC 7523 §3 for a client assertion: iss = sub = the client, aud = this issuer (never the token
 * endpoint URL: the 2025 audience-injection fix), signed by the client's registered key (or its
 * secret, client_secret_jwt), short-lived, and its jti used once.
 */
async function checkClientAssertion(
  client: ClientRecord,
  method: 'private_key_jwt' | 'client_secret_jwt',
  presented: PresentedClientCredentials,
  verifier: ClientAssertionVerifier | undefined,
): Promise<ClientRecord> {
  if (!verifier || presented.assertion === undefined) throw failure('assertions_not_configured', presented);
  const keys = assertionKeys(client, method, verifier);
  if (!keys) throw failure('no_keys_registered', presented);
  const now = verifier.clock.now();
  const rules = {
    algorithms: method === 'private_key_jwt' ? PRIVATE_KEY_JWT_ALGORITHMS : CLIENT_SECRET_JWT_ALGORITHMS,
    audiences: [verifier.issuer],
    now,
    maxLifetime: verifier.maxLifetime,
  };
  try {
    const verified = await verifyAssertion(presented.assertion, keys, rules);
    if (verified.iss !== client.id || verified.sub !== client.id)
      throw new AssertionError('wrong_subject', 'iss and sub must be the client id');
    await useAssertionId(verifier.usedIds, `client\n${client.id}`, verified, now);
    return client;
  } catch (error) {
    if (error instanceof AssertionError) throw failure(error.reason, presented);
    throw error;
  }
}

function assertionKeys(
  client: ClientRecord,
  method: 'private_key_jwt' | 'client_secret_jwt',
  verifier: ClientAssertionVerifier,
): AssertionKeys | null {
  if (method === 'client_secret_jwt') {
    if (client.secretEncrypted === undefined || !verifier.decryptSecret) return null;
    try {
      return { kind: 'secret', secret: verifier.decryptSecret(client.secretEncrypted) };
    } catch {
      // Encrypted under another key_encryption_key: the client cannot authenticate until rotated.
      return null;
    }
  }
  if (client.jwks) return { kind: 'jwks', jwks: client.jwks };
  if (client.jwksUri) return { kind: 'remote', uri: client.jwksUri, keySets: verifier.remoteKeySets };
  return null;
}

/** Authenticates the client; every failure is the same 401 invalid_client. Nothing is counted or announced. */
export async function authenticateClient(
  store: Pick<ClientStore, 'findClient'>,
  presented: PresentedClientCredentials,
  assertions?: ClientAssertionVerifier,
): Promise<ClientRecord> {
  return checkClientCredentials(await findPresentedClient(store, presented), presented, assertions);
}

/** A request that must authenticate its client: its form parameters, Authorization header and address. */
export interface ClientAuthenticationRequest {
  params: ReadonlyMap<string, string>;
  authorization?: string;
  clientIp?: string;
}

/**
 * Client authentication for every endpoint that does it (token, revocation, introspection, device
 * authorization), with failures counted per client and address (an unknown client id under a
 * hashed bucket, so made-up ids cannot grow the database) and announced to the audit log. Client
 * secrets are 256 random bits and assertions are signed, so there is nothing to guess: the
 * throttle only ever slows failures (the answer says how long to wait), and right credentials
 * always work — no lock-out weapon, and no extra database read on the hot path.
 */
export class ClientAuthenticator {
  constructor(
    private readonly deps: {
      clients: Pick<ClientStore, 'findClient'>;
      clock: Clock;
      throttle?: ClientAuthenticationThrottle;
      events?: SecurityEventSink;
      assertions?: ClientAssertionVerifier;
    },
  ) {}

  async authenticate({
    params,
    authorization,
    clientIp = 'unknown',
  }: ClientAuthenticationRequest): Promise<ClientRecord> {
    const presented = presentedClientCredentials(params, authorization);
    const client = await findPresentedClient(this.deps.clients, presented);
    try {
      return await checkClientCredentials(client, presented, this.deps.assertions);
    } catch (error) {
      if (!(error instanceof OAuthError) || error.code !== 'invalid_client') throw error;
      this.announceFailure(client, presented, clientIp, failureReason(error));
      if (!this.deps.throttle) throw error;
      const wait = await this.deps.throttle.clientAuthenticationFailed(presented.clientId, client !== null, clientIp);
      if (wait === 0) throw error;
      throw OAuthError.invalidClient(
        `too many failed client authentications; retry in ${wait} seconds`,
        presented.method === 'client_secret_basic',
      ).withRetryAfter(wait);
    }
  }

  /**
   * client.authentication_failed, for the audit log (which counts these per source and window).
   * The presented client_id is named only when such a client exists: anything else is the
   * caller's free text (or a secret pasted into the wrong field).
   */
  private announceFailure(
    known: ClientRecord | null,
    presented: PresentedClientCredentials,
    clientIp: string,
    reason = 'unknown_client',
  ): void {
    this.deps.events?.emit({
      type: 'client.authentication_failed',
      at: this.deps.clock.now(),
      actor: 'client',
      ...(known ? { clientId: known.id } : {}),
      address: clientIp,
      details: { method: presented.method, reason },
    });
  }
}
