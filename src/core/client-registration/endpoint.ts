/**
 * Client self-registration (RFC 7591 §3) and its management (RFC 7592): who may register, the
 * policy, the limits, the registration access token (SHA-256 only, compared in constant time),
 * and the answers. The client itself is made by ClientRegistry (core/clients.ts), with every rule
 * a client created by `gatehouse client create` obeys; HTTP (http/routes/client-registration.ts)
 * only reads the request and sends the answer.
 */
import { ClientRegistrationError, type ClientRegistry } from '../clients.js';
import type { Clock, IdSource } from '../clock.js';
import { OAuthError } from '../errors.js';
import type {
  ClientRecord,
  ClientRegistrationRecord,
  ClientRegistrationStore,
  ClientStore,
  SecurityEventSink,
} from '../ports.js';
import { hashesEqual, hashSecret } from '../secrets.js';
import { clientInformation, type RegistrationPolicy, requestedClient } from './metadata.js';
import type { SoftwareStatementVerifier } from './software-statement.js';

export interface ClientRegistrationSettings {
  /** open: anyone; initial_access_token: only with a token an administrator issued. */
  mode: 'open' | 'initial_access_token';
  policy: RegistrationPolicy;
  requireSoftwareStatement: boolean;
  maxClients: number;
  /** The registration_client_uri of a client (RFC 7592 §1). */
  clientUri(clientId: string): string;
}

export interface ClientRegistrationDependencies {
  store: ClientRegistrationStore;
  /** Where clients are looked up and deleted (the path `gatehouse client delete` takes). */
  clients: Pick<ClientStore, 'findClient' | 'deleteClient'>;
  /** A ClientRegistry writing to `store` and taking ids from `ids` (compose gives it secret encryption and the fetcher). */
  registry(store: ClientStore, ids: IdSource): ClientRegistry;
  clock: Clock;
  ids: IdSource;
  events: SecurityEventSink;
  /** Counts one registration from `address`: 0 when it may go ahead, else the seconds to wait. */
  registrationRequested(address: string): Promise<number>;
  verifySoftwareStatement: SoftwareStatementVerifier;
  settings: ClientRegistrationSettings;
}

export interface RegistrationAnswer {
  status: 200 | 201;
  body: Record<string, unknown>;
}

/** The same answer for a wrong token, another client's token and a client that does not exist (RFC 7592 §3). */
const refused = () => OAuthError.bearer('invalid_token', 'the registration access token is not valid for this client');

/** A hash no token has: compared against when there is no registration, so every refusal costs the same. */
const DECOY_HASH = hashSecret('no registration access token');

/** ClientRegistry's reasons name the CLI's flags; a registering client knows the metadata names. */
function inMetadataTerms(message: string): string {
  const names: Record<string, string> = {
    scope: 'scope',
    'jwks-file': 'jwks',
    'grant-type': 'grant_types',
    'secret-jwt': 'token_endpoint_auth_method client_secret_jwt',
    'id-token-alg': 'id_token_signed_response_alg',
    'userinfo-alg': 'userinfo_signed_response_alg',
  };
  return message
    .replace(/ \(--allow-insecure-http[^)]*\)/g, '')
    .replace(/--([a-z-]+)/g, (_, flag: string) => names[flag] ?? flag.replace(/-/g, '_'));
}

/** A ClientStore that keeps the one record ClientRegistry.create hands it, for this endpoint to store. */
function capturingStore(): { store: ClientStore; taken(): ClientRecord } {
  let record: ClientRecord | null = null;
  const unused = () => Promise.reject(new Error('not used by ClientRegistry.create'));
  return {
    store: {
      createClient: async (client) => {
        record = client;
      },
      findClient: unused,
      listClients: unused,
      deleteClient: unused,
      updateClientSecret: unused,
      updateClient: unused,
    },
    taken: () => {
      if (!record) throw new Error('ClientRegistry.create stored nothing');
      return record;
    },
  };
}

export class ClientRegistrationEndpoint {
  constructor(private readonly deps: ClientRegistrationDependencies) {}

  /** POST /oauth/register (RFC 7591 §3.1). */
  async register(
    metadata: Record<string, unknown>,
    bearer: string | undefined,
    address: string,
  ): Promise<RegistrationAnswer> {
    const { store, clock, settings } = this.deps;
    const initialAccessTokenHash = await this.initialAccessToken(bearer);
    const wait = await this.deps.registrationRequested(address);
    if (wait > 0)
      throw new OAuthError('invalid_request', 'too many registrations from this address; retry later', 429, {
        'retry-after': String(wait),
      });
    const effective = await this.withSoftwareStatement(metadata);
    const now = clock.now();
    const { record, secret } = await this.build(effective.metadata, this.deps.ids);
    const token = this.deps.ids.secret();
    const registration: ClientRegistrationRecord = {
      clientId: record.id,
      accessTokenHash: hashSecret(token),
      metadata: effective.extra,
      registeredAt: now,
      updatedAt: now,
    };
    const outcome = await store.registerClient(record, registration, {
      maxClients: settings.maxClients,
      initialAccessTokenHash,
      now,
    });
    if (outcome === 'initial_access_token_spent')
      throw OAuthError.bearer('invalid_token', 'the initial access token is not valid');
    if (outcome === 'limit_reached')
      throw OAuthError.registration(
        'invalid_client_metadata',
        'no more clients can register themselves here; ask the operator',
      );
    this.deps.events.emit({
      type: 'client.registered',
      at: now,
      actor: 'client',
      clientId: record.id,
      address,
      details: {
        name: record.name,
        grant_types: record.grantTypes.join(' '),
        token_endpoint_auth_method: record.authMethod ?? 'client_secret_basic',
        ...(typeof effective.extra.software_id === 'string' ? { software_id: effective.extra.software_id } : {}),
      },
    });
    return { status: 201, body: this.answer(record, registration, secret, token) };
  }

  /** GET registration_client_uri (RFC 7592 §2.1). */
  async read(clientId: string, bearer: string | undefined): Promise<RegistrationAnswer> {
    const { client, registration } = await this.authorized(clientId, bearer);
    // RFC 7592 §3: the answer carries the registration access token; only its hash is stored, so
    // it is the one just presented (and still valid: it is never rotated).
    return { status: 200, body: this.answer(client, registration, null, bearer ?? null) };
  }

  /**
   * PUT registration_client_uri (RFC 7592 §2.2): the metadata is replaced as a whole, with the
   * registration's rules. The client keeps its id and secret (a new one only when its method
   * now needs a secret it did not have); the registration access token is kept too.
   */
  async update(
    clientId: string,
    bearer: string | undefined,
    metadata: Record<string, unknown>,
    address: string,
  ): Promise<RegistrationAnswer> {
    const { client, registration } = await this.authorized(clientId, bearer);
    if (metadata.client_id !== clientId)
      throw OAuthError.registration(
        'invalid_client_metadata',
        'client_id must be the id of this client (RFC 7592 section 2.2)',
      );
    if (metadata.client_secret !== undefined) {
      const given = typeof metadata.client_secret === 'string' ? hashSecret(metadata.client_secret) : DECOY_HASH;
      if (!hashesEqual(given, client.secretHash ?? DECOY_HASH))
        throw OAuthError.registration('invalid_client_metadata', 'client_secret is not the secret of this client');
    }
    const effective = await this.withSoftwareStatement(metadata);
    const source = this.deps.ids;
    const ids: IdSource = { id: () => client.id, secret: () => source.secret(), token: () => source.token() };
    const built = await this.build(effective.metadata, ids);
    const keepsSecret =
      client.secretHash !== null &&
      built.secret !== null &&
      (built.record.authMethod === 'client_secret_jwt') === (client.authMethod === 'client_secret_jwt');
    const record: ClientRecord = {
      ...built.record,
      createdAt: client.createdAt,
      ...(keepsSecret
        ? {
            secretHash: client.secretHash,
            ...(client.secretEncrypted === undefined ? {} : { secretEncrypted: client.secretEncrypted }),
          }
        : {}),
    };
    const updated: ClientRegistrationRecord = {
      ...registration,
      metadata: effective.extra,
      updatedAt: this.deps.clock.now(),
    };
    if (!(await this.deps.store.replaceClient(record, updated))) throw refused();
    this.deps.events.emit({
      type: 'client.registration_updated',
      at: updated.updatedAt,
      actor: 'client',
      clientId,
      address,
      details: { name: record.name, grant_types: record.grantTypes.join(' ') },
    });
    return { status: 200, body: this.answer(record, updated, keepsSecret ? null : built.secret, bearer ?? null) };
  }

  /** DELETE registration_client_uri (RFC 7592 §2.3): the client and every token issued to it. */
  async delete(clientId: string, bearer: string | undefined, address: string): Promise<void> {
    await this.authorized(clientId, bearer);
    if (!(await this.deps.clients.deleteClient(clientId))) throw refused();
    this.deps.events.emit({
      type: 'client.registration_deleted',
      at: this.deps.clock.now(),
      actor: 'client',
      clientId,
      address,
    });
  }

  /** The hash of a usable initial access token, null in open mode; 401 without one (RFC 7591 §3, RFC 6750 §3). */
  private async initialAccessToken(bearer: string | undefined): Promise<string | null> {
    if (this.deps.settings.mode === 'open') return null;
    if (bearer === undefined) throw OAuthError.bearer(null, 'an initial access token is required');
    const hash = hashSecret(bearer);
    if (!(await this.deps.store.initialAccessTokenUsable(hash, this.deps.clock.now())))
      throw OAuthError.bearer('invalid_token', 'the initial access token is not valid');
    return hash;
  }

  /** RFC 7591 §3.1.1: the statement's claims win over the request's own metadata. */
  private async withSoftwareStatement(metadata: Record<string, unknown>) {
    const statement = metadata.software_statement;
    if (statement === undefined && this.deps.settings.requireSoftwareStatement)
      throw OAuthError.registration('invalid_software_statement', 'a software_statement is required here');
    const claims =
      statement === undefined ? {} : await this.deps.verifySoftwareStatement(statement, this.deps.clock.now());
    const merged = { ...metadata, ...claims };
    const requested = requestedClient(merged, this.deps.settings.policy);
    const extra: Record<string, unknown> = {
      ...requested.extra,
      ...(typeof statement === 'string' ? { software_statement: statement } : {}),
    };
    return { metadata: merged, extra };
  }

  /** The client record ClientRegistry makes of the metadata (not stored yet), and its new secret. */
  private async build(metadata: Record<string, unknown>, ids: IdSource) {
    const { client, authMethod } = requestedClient(metadata, this.deps.settings.policy);
    const capture = capturingStore();
    let secret: string | null;
    try {
      ({ secret } = await this.deps.registry(capture.store, ids).create(client));
    } catch (error) {
      if (!(error instanceof ClientRegistrationError)) throw error;
      const code = /redirect URI/.test(error.message) && !/post-logout/.test(error.message);
      throw OAuthError.registration(
        code ? 'invalid_redirect_uri' : 'invalid_client_metadata',
        inMetadataTerms(error.message),
      );
    }
    // ClientRegistry says client_secret_basic for every secret client; client_secret_post is what this one chose.
    const record: ClientRecord = { ...capture.taken(), ...(authMethod === 'client_secret_post' ? { authMethod } : {}) };
    return { record, secret };
  }

  /** Any failure is the same 401: nothing tells whether the client exists or registered itself. */
  private async authorized(clientId: string, bearer: string | undefined) {
    if (bearer === undefined) throw OAuthError.bearer(null, 'the registration access token is required');
    const registration = clientId.length <= 200 ? await this.deps.store.findRegistration(clientId) : null;
    const matches = hashesEqual(hashSecret(bearer), registration?.accessTokenHash ?? DECOY_HASH);
    const client = registration && matches ? await this.deps.clients.findClient(clientId) : null;
    if (!registration || !matches || !client) throw refused();
    return { client, registration };
  }

  private answer(
    client: ClientRecord,
    registration: ClientRegistrationRecord,
    secret: string | null,
    token: string | null,
  ): Record<string, unknown> {
    return {
      ...clientInformation(client, registration),
      ...(secret === null ? {} : { client_secret: secret }),
      ...(token === null ? {} : { registration_access_token: token }),
      registration_client_uri: this.deps.settings.clientUri(client.id),
    };
  }
}
