import type {
  ClientAuthMethod,
  ClientOidcSettings,
  ClientRecord,
  ClientStore,
  JsonWebKeySet,
  RemoteDocuments,
} from './ports.js';
import { clientOidcSettings, OidcSettingsError, type NewClientOidc } from './client-oidc.js';
import { asKeySet, publicKeySetProblem } from './client-methods.js';
import { cryptoIds, systemClock, type Clock, type IdSource } from './clock.js';
import { CLIENT_GRANT_TYPES, isExtensionGrantType } from './grants/registry.js';
import { parseAllowedOrigin } from './origins.js';
import { redirectUriRegistrationProblem } from './redirect-uris.js';
import { resourceProblem } from './resources.js';
import { isScopeToken } from './scopes.js';
import { TOKEN_EXCHANGE_GRANT_TYPE } from './grants/token-exchange.js';
import { hashSecret } from './secrets.js';

/** The caller asked for a client that cannot exist (bad redirect URI, unknown grant, …). */
export class ClientRegistrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClientRegistrationError';
  }
}

export interface NewClient {
  name: string;
  redirectUris?: string[];
  grantTypes?: string[];
  /** null or absent: every supported scope. */
  scopes?: string[] | null;
  isPublic?: boolean;
  /** First-party: the consent page is never shown for it. */
  trusted?: boolean;
  /** A resource server: may introspect every client's tokens. */
  canIntrospect?: boolean;
  /**
   * RFC 8707: the resources (absolute URIs without a fragment) it may name in `resource`, compared
   * exactly; absent or empty: none but the server's default audience.
   */
  allowedResources?: string[] | null;
  /**
   * CORS: the browser origins (scheme://host[:port]) allowed to call the token, revocation,
   * introspection and userinfo endpoints. A public client's redirect URI origins count without this.
   */
  allowedOrigins?: string[];
  /** RFC 8693: the audiences (and resources) it may name in a token exchange. */
  exchangeAudiences?: string[];
  /** RFC 8693: it may exchange a token without actor_token (impersonation), not only delegate. */
  mayImpersonate?: boolean;
  /** Development only: accept plain http redirect URIs (and a jwks_uri) to hosts that are not loopback (not stored). */
  allowInsecureHttp?: boolean;
  /** private_key_jwt, with these public keys (a JWK Set, e.g. parsed from --jwks-file); no secret. */
  jwks?: unknown;
  /** private_key_jwt, with the public keys the client publishes at this https URL; no secret. */
  jwksUri?: string;
  /** client_secret_jwt: the generated secret is also stored encrypted (needs the registry's secret encryption). */
  secretJwt?: boolean;
  /** OpenID Connect metadata (core/client-oidc.ts); absent: the defaults. */
  oidc?: NewClientOidc;
}

/**
 * What `client update` may change (absent: unchanged). Lists are the new lists whole; the CLI
 * works out additions and removals.
 */
export interface ClientChanges {
  name?: string;
  redirectUris?: string[];
  grantTypes?: string[];
  /** null: every supported scope. */
  scopes?: string[] | null;
  trusted?: boolean;
  canIntrospect?: boolean;
  /** The explicit CORS origins, replacing them (a public client's redirect URI origins count besides). */
  allowedOrigins?: string[];
  /** Development only, for the redirect URIs and origins this change adds (not stored). */
  allowInsecureHttp?: boolean;
  /** Merged into the registered OpenID Connect settings. */
  oidc?: Pick<
    NewClientOidc,
    'postLogoutRedirectUris' | 'idTokenSignedResponseAlg' | 'userinfoSignedResponseAlg' | 'idTokenClaims'
  >;
}

/** The registered OpenID Connect settings as `clientOidcSettings` takes them, to be checked again. */
function oidcInputOf(settings: ClientOidcSettings): NewClientOidc {
  return {
    ...(settings.postLogoutRedirectUris ? { postLogoutRedirectUris: [...settings.postLogoutRedirectUris] } : {}),
    ...(settings.backchannelLogoutUri ? { backchannelLogoutUri: settings.backchannelLogoutUri } : {}),
    ...(settings.backchannelLogoutSessionRequired ? { backchannelLogoutSessionRequired: true } : {}),
    ...(settings.idTokenSignedResponseAlg ? { idTokenSignedResponseAlg: settings.idTokenSignedResponseAlg } : {}),
    ...(settings.userinfoSignedResponseAlg ? { userinfoSignedResponseAlg: settings.userinfoSignedResponseAlg } : {}),
    ...(settings.subjectType ? { subjectType: settings.subjectType } : {}),
    ...(settings.sectorIdentifierUri ? { sectorIdentifierUri: settings.sectorIdentifierUri } : {}),
    ...(settings.idTokenClaims ? { idTokenClaims: true } : {}),
  };
}

/** Encrypts a client_secret_jwt secret for storage (core/key-encryption.ts under key_encryption_key). */
export interface SecretEncryption {
  encrypt(plaintext: string): string;
}

/** Unlike FOS, a client gets the browser flow by default; password and client_credentials are opt-in. */
const DEFAULT_GRANT_TYPES: readonly string[] = ['authorization_code', 'refresh_token'];

export interface RegisteredClient {
  client: ClientRecord;
  /** Shown once; only its hash is stored. Null for a public client. */
  secret: string | null;
}

/** An audience as a client may name it: printable ASCII without spaces, as a URI or a logical name is. */
const EXCHANGE_AUDIENCE = /^[\x21-\x7e]{1,255}$/;

/** A token exchange policy is for a client that may use the grant; an audience is a short printable name. */
function checkExchangePolicy(audiences: readonly string[], mayImpersonate: boolean, grantTypes: readonly string[]) {
  if ((audiences.length > 0 || mayImpersonate) && !grantTypes.includes(TOKEN_EXCHANGE_GRANT_TYPE))
    throw new ClientRegistrationError(
      `--exchange-audience and --may-impersonate need --grant-type ${TOKEN_EXCHANGE_GRANT_TYPE}`,
    );
  const bad = audiences.find((audience) => !EXCHANGE_AUDIENCE.test(audience));
  if (bad !== undefined)
    throw new ClientRegistrationError('an exchange audience is 1-255 printable characters without spaces');
}

/** The explicit allowed origins, each checked and written as a browser sends it (lower case, no default port). */
function allowedOriginsOf(input: Pick<NewClient, 'allowedOrigins' | 'allowInsecureHttp'>): string[] {
  const origins = new Set<string>();
  for (const origin of input.allowedOrigins ?? []) {
    const parsed = parseAllowedOrigin(origin, { allowInsecureHttp: input.allowInsecureHttp === true });
    if (!parsed.ok) throw new ClientRegistrationError(parsed.problem);
    origins.add(parsed.origin);
  }
  if (origins.size > 100) throw new ClientRegistrationError('a client may have at most 100 allowed origins');
  return [...origins];
}

/** Client registration shared by the CLI and the library API. */
export class ClientRegistry {
  constructor(
    private readonly store: ClientStore,
    private readonly clock: Clock = systemClock,
    private readonly ids: IdSource = cryptoIds,
    /** Needed only to register or rotate client_secret_jwt clients; null without key_encryption_key. */
    private readonly secretEncryption: SecretEncryption | null = null,
    /** Reads a pairwise client's sector_identifier_uri (the guarded fetcher); null: such clients are refused. */
    private readonly documents: RemoteDocuments | null = null,
  ) {}

  async create(input: NewClient): Promise<RegisteredClient> {
    const isPublic = input.isPublic ?? false;
    let method = 'none' as ClientAuthMethod;
    let keys: { jwks?: JsonWebKeySet; jwksUri?: string } = {};
    let allowedOrigins: string[] = [];
    const checked = await this.checked(input, isPublic, () => {
      allowedOrigins = allowedOriginsOf(input);
      method = this.authMethodOf(input, isPublic);
      keys = this.keysOf(input);
    });
    const { name, grantTypes, redirectUris, scopes, allowedResources, exchangeAudiences, oidc } = checked;
    const secret = method === 'none' || method === 'private_key_jwt' ? null : this.ids.secret();
    const client: ClientRecord = {
      id: this.ids.id(),
      name,
      secretHash: secret === null ? null : hashSecret(secret),
      authMethod: method,
      ...keys,
      ...(method === 'client_secret_jwt' && secret !== null
        ? { secretEncrypted: this.encryption().encrypt(secret) }
        : {}),
      isPublic,
      redirectUris,
      grantTypes,
      scopes,
      trusted: input.trusted ?? false,
      canIntrospect: input.canIntrospect ?? false,
      allowedResources,
      ...(allowedOrigins.length ? { allowedOrigins } : {}),
      ...(exchangeAudiences.length ? { exchangeAudiences } : {}),
      ...(input.mayImpersonate ? { mayImpersonate: true } : {}),
      ...(oidc ? { oidc } : {}),
      createdAt: this.clock.now(),
    };
    await this.store.createClient(client);
    return { client, secret };
  }

  /**
   * Changes a registered client under the rules `create` applies. Its type, authentication
   * method, keys and pairwise sector stay as registered. Redirect URIs (and post-logout ones)
   * already registered are not judged again: they were accepted once, perhaps with
   * --allow-insecure-http, which is not stored. Answers the client before and after.
   */
  async update(id: string, changes: ClientChanges): Promise<{ before: ClientRecord; client: ClientRecord }> {
    const before = await this.store.findClient(id);
    if (!before) throw new ClientRegistrationError(`no client "${id}"`);
    const allowInsecureHttp = changes.allowInsecureHttp === true;
    const oidcBefore = before.oidc ?? {};
    const oidcInput: NewClientOidc = { ...oidcInputOf(oidcBefore), ...changes.oidc };
    const registered = [...before.redirectUris, ...(oidcBefore.postLogoutRedirectUris ?? [])];
    const added = [
      ...(changes.redirectUris ?? []).map((uri) => ({ uri, what: '' })),
      ...(changes.oidc?.postLogoutRedirectUris ?? []).map((uri) => ({ uri, what: 'post-logout ' })),
    ].filter(({ uri }) => !registered.includes(uri));
    for (const { uri, what } of added) {
      const problem = redirectUriRegistrationProblem(uri, { allowInsecureHttp });
      if (problem) throw new ClientRegistrationError(`${what}${problem}`);
    }
    const insecureRegistered = registered.some((uri) => redirectUriRegistrationProblem(uri) !== null);
    const checked = await this.checked(
      {
        name: changes.name ?? before.name,
        redirectUris: changes.redirectUris ?? [...before.redirectUris],
        grantTypes: changes.grantTypes ?? [...before.grantTypes],
        scopes: changes.scopes === undefined ? before.scopes : changes.scopes,
        canIntrospect: changes.canIntrospect ?? before.canIntrospect,
        allowedResources: before.allowedResources,
        exchangeAudiences: [...(before.exchangeAudiences ?? [])],
        mayImpersonate: before.mayImpersonate ?? false,
        allowInsecureHttp: allowInsecureHttp || insecureRegistered,
        oidc: oidcInput,
      },
      before.isPublic,
    );
    // OIDC Core §8.1: a pairwise sub is computed for the sector; another sector gives every user another sub.
    if (oidcBefore.sector !== undefined && checked.oidc?.sector !== oidcBefore.sector)
      throw new ClientRegistrationError(
        `this pairwise client's sector is ${oidcBefore.sector}: its redirect URIs must stay on it (its users' sub would change)`,
      );
    const { oidc, exchangeAudiences: _unchanged, ...fields } = checked;
    const client: ClientRecord = { ...before, ...fields, trusted: changes.trusted ?? before.trusted };
    if (oidc) client.oidc = oidc;
    else delete client.oidc;
    if (changes.allowedOrigins !== undefined) {
      // Origins already registered are not judged again, as redirect URIs are not (--allow-insecure-http is not stored).
      const kept = changes.allowedOrigins.filter((origin) => before.allowedOrigins?.includes(origin));
      const added = changes.allowedOrigins.filter((origin) => !kept.includes(origin));
      const origins = [...kept, ...allowedOriginsOf({ allowedOrigins: added, allowInsecureHttp })];
      if (new Set(origins).size > 100)
        throw new ClientRegistrationError('a client may have at most 100 allowed origins');
      if (origins.length) client.allowedOrigins = [...new Set(origins)];
      else delete client.allowedOrigins;
    }
    if (!(await this.store.updateClient(client))) throw new ClientRegistrationError(`no client "${id}"`);
    return { before, client };
  }

  /** The rules every registration and change is held to; what they let through, normalised. */
  private async checked(input: NewClient, isPublic: boolean, beforeFetch: () => void = () => {}) {
    const name = input.name.trim();
    if (!name || name.length > 200) throw new ClientRegistrationError('name must be 1–200 characters');
    const grantTypes = [...new Set(input.grantTypes?.length ? input.grantTypes : DEFAULT_GRANT_TYPES)];
    // A built-in name, or an extension grant's absolute URI (RFC 6749 §4.5): its handler is registered in code.
    const unknown = grantTypes.filter((g) => !CLIENT_GRANT_TYPES.includes(g) && !isExtensionGrantType(g));
    if (unknown.length) {
      const known = `${CLIENT_GRANT_TYPES.join(', ')}, or an extension grant's absolute URI`;
      throw new ClientRegistrationError(`unknown grant type ${unknown.join(', ')} (known: ${known})`);
    }
    // Introspection is client-authenticated (RFC 7662 §2.1): a client without a secret cannot prove it is the resource server.
    if (isPublic && input.canIntrospect)
      throw new ClientRegistrationError('a public client cannot be given --introspect');
    // RFC 6749 §4.4: client_credentials is for confidential clients only.
    if (isPublic && grantTypes.includes('client_credentials')) {
      throw new ClientRegistrationError('a public client cannot use client_credentials (RFC 6749 §4.4)');
    }
    const redirectUris = [...new Set(input.redirectUris ?? [])];
    for (const uri of redirectUris) {
      const problem = redirectUriRegistrationProblem(uri, { allowInsecureHttp: input.allowInsecureHttp === true });
      if (problem) throw new ClientRegistrationError(problem);
    }
    const scopes = input.scopes === undefined || input.scopes === null ? null : [...new Set(input.scopes)];
    const badScope = scopes?.find((s) => !isScopeToken(s));
    if (badScope !== undefined) throw new ClientRegistrationError(`scope "${badScope}" is not a valid scope token`);
    const allowedResources = [...new Set(input.allowedResources ?? [])];
    for (const resource of allowedResources) {
      const problem = resourceProblem(resource);
      if (problem) throw new ClientRegistrationError(`resource "${resource}": ${problem}`);
    }

    const exchangeAudiences = [...new Set(input.exchangeAudiences ?? [])];
    checkExchangePolicy(exchangeAudiences, input.mayImpersonate === true, grantTypes);
    beforeFetch();
    const oidc = await this.oidcOf(input, {
      redirectUris,
      isPublic,
      scopes,
      allowInsecureHttp: input.allowInsecureHttp === true,
    });
    return {
      name,
      grantTypes,
      redirectUris,
      scopes,
      allowedResources: allowedResources.length ? allowedResources : null,
      canIntrospect: input.canIntrospect ?? false,
      oidc,
      exchangeAudiences,
    };
  }

  /** Issues a new secret; the old one stops working at once. */
  async rotateSecret(id: string): Promise<string> {
    const client = await this.store.findClient(id);
    if (!client) throw new ClientRegistrationError(`no client "${id}"`);
    if (client.isPublic) throw new ClientRegistrationError('a public client has no secret to rotate');
    if (client.authMethod === 'private_key_jwt')
      throw new ClientRegistrationError('a private_key_jwt client has no secret to rotate (it rotates its own keys)');
    const secret = this.ids.secret();
    const encrypted = client.authMethod === 'client_secret_jwt' ? this.encryption().encrypt(secret) : undefined;
    await this.store.updateClientSecret(id, hashSecret(secret), encrypted);
    return secret;
  }

  /** Last of the checks: it may fetch the sector_identifier_uri. */
  private async oidcOf(input: NewClient, context: Parameters<typeof clientOidcSettings>[1]) {
    try {
      return await clientOidcSettings(input.oidc ?? {}, context, this.documents);
    } catch (error) {
      if (error instanceof OidcSettingsError) throw new ClientRegistrationError(error.message);
      throw error;
    }
  }

  private encryption(): SecretEncryption {
    if (!this.secretEncryption)
      throw new ClientRegistrationError(
        'client_secret_jwt needs key_encryption_key (its secret is stored encrypted): set GATEHOUSE_KEY_ENCRYPTION_KEY',
      );
    return this.secretEncryption;
  }

  /** The one authentication method the client will use, fixed now (RFC 7591 token_endpoint_auth_method). */
  private authMethodOf(input: NewClient, isPublic: boolean): ClientAuthMethod {
    const jwt = [input.jwks !== undefined, input.jwksUri !== undefined, input.secretJwt === true].filter(Boolean);
    if (jwt.length > 1)
      throw new ClientRegistrationError('give at most one of --jwks-file, --jwks-uri and --secret-jwt');
    if (jwt.length === 1 && isPublic)
      throw new ClientRegistrationError('a public client cannot authenticate with a JWT (it has no keys or secret)');
    if (input.secretJwt) {
      this.encryption();
      return 'client_secret_jwt';
    }
    if (input.jwks !== undefined || input.jwksUri !== undefined) return 'private_key_jwt';
    return isPublic ? 'none' : 'client_secret_basic';
  }

  /** A private_key_jwt client's keys: public keys only, or an https URL. */
  private keysOf(input: NewClient): { jwks?: JsonWebKeySet; jwksUri?: string } {
    if (input.jwks !== undefined) {
      const problem = publicKeySetProblem(input.jwks);
      if (problem) throw new ClientRegistrationError(`jwks: ${problem}`);
      return { jwks: asKeySet(input.jwks) };
    }
    if (input.jwksUri !== undefined) {
      const uri = URL.canParse(input.jwksUri) ? new URL(input.jwksUri) : null;
      const insecureAllowed = input.allowInsecureHttp === true && uri?.protocol === 'http:';
      if (!uri || (uri.protocol !== 'https:' && !insecureAllowed) || uri.hash || uri.username || uri.password)
        throw new ClientRegistrationError('jwks_uri must be an https URL without credentials or fragment');
      if (input.jwksUri.length > 2000) throw new ClientRegistrationError('jwks_uri is longer than 2000 characters');
      return { jwksUri: input.jwksUri };
    }
    return {};
  }
}
