import type { Clock } from './clock.js';
import type { ClientAuthenticationThrottle, ClientRecord, ClientStore, SecurityEventSink } from './ports.js';
import { OAuthError } from './errors.js';
import { hashesEqual, hashSecret } from './secrets.js';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface PresentedClientCredentials {
  method: ClientAuthMethod;
  clientId: string;
  clientSecret: string | null;
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
  if (authorization !== undefined && /^basic\b/i.test(authorization.trim())) {
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

/** Checks the presented credentials against `client` (null: unknown) in constant time: the second half. */
export function checkClientCredentials(
  client: ClientRecord | null,
  presented: PresentedClientCredentials,
): ClientRecord {
  const triedBasic = presented.method === 'client_secret_basic';
  const failure = () => OAuthError.invalidClient('client authentication failed', triedBasic);

  if (client?.isPublic) {
    // A public client has no secret to check; presenting one is a misconfigured client.
    if (presented.clientSecret !== null) throw failure();
    return client;
  }
  if (presented.clientSecret === null) throw failure();
  const matches = hashesEqual(hashSecret(presented.clientSecret), client?.secretHash ?? DECOY_HASH);
  if (!client || !matches) throw failure();
  return client;
}

/** Authenticates the client in constant time; every failure is the same 401 invalid_client. */
export async function authenticateClient(
  store: Pick<ClientStore, 'findClient'>,
  presented: PresentedClientCredentials,
): Promise<ClientRecord> {
  return checkClientCredentials(await findPresentedClient(store, presented), presented);
}

/**
 * Client authentication as every endpoint that authenticates clients does it (the token
 * endpoint, the device authorization endpoint), with failures counted per client and address
 * (an unknown client id under a hashed bucket, so made-up ids cannot grow the database). Client
 * secrets are 256 random bits, so there is nothing to guess: the throttle only ever slows
 * failures (the answer says how long to wait), and a right secret always works — no lock-out
 * weapon, and no extra database read on the hot path. A failure while already blocked writes nothing.
 */
export class ClientAuthentication {
  constructor(
    private readonly clients: Pick<ClientStore, 'findClient'>,
    private readonly clock: Clock,
    private readonly throttle?: ClientAuthenticationThrottle,
    private readonly events?: SecurityEventSink,
  ) {}

  async authenticate(presented: PresentedClientCredentials, clientIp: string): Promise<ClientRecord> {
    const client = await findPresentedClient(this.clients, presented);
    try {
      return checkClientCredentials(client, presented);
    } catch (error) {
      if (!(error instanceof OAuthError) || error.code !== 'invalid_client') throw error;
      this.announceFailure(client, presented, clientIp);
      if (!this.throttle) throw error;
      const wait = await this.throttle.clientAuthenticationFailed(presented.clientId, client !== null, clientIp);
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
  private announceFailure(known: ClientRecord | null, presented: PresentedClientCredentials, clientIp: string): void {
    const reason = !known ? 'unknown_client' : presented.clientSecret === null ? 'missing_secret' : 'wrong_secret';
    this.events?.emit({
      type: 'client.authentication_failed',
      at: this.clock.now(),
      actor: 'client',
      ...(known ? { clientId: known.id } : {}),
      address: clientIp,
      details: { method: presented.method, reason },
    });
  }
}
