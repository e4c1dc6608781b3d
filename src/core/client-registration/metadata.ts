/**
 * RFC 7591 §2 client metadata (and the OpenID Connect Registration metadata Gatehouse supports)
 * read from a registration request into what ClientRegistry (core/clients.ts) registers: each
 * field's JSON type and size here, the policy of self-registration, §2.1's grant and response
 * type consistency; every rule a client created by the CLI obeys is left to ClientRegistry itself.
 */
import { CLIENT_AUTH_METHODS, registeredAuthMethod } from '../client-methods.js';
import { oidcRegistrationMetadata } from '../client-oidc-metadata.js';
import type { NewClient } from '../clients.js';
import { OAuthError } from '../errors.js';
import type { ClientAuthMethod, ClientRecord, ClientRegistrationRecord } from '../ports.js';
import { redirectUriRegistrationProblem } from '../redirect-uris.js';
import { RESPONSE_TYPES } from '../response-types/index.js';

/** What the operator lets self-registered clients have (config client_registration). */
export interface RegistrationPolicy {
  grantTypes: readonly string[];
  scopes: readonly string[];
  authMethods: readonly string[];
}

export interface RequestedClient {
  /** For ClientRegistry.create: never trusted, never an introspecting resource server. */
  client: NewClient;
  authMethod: ClientAuthMethod;
  /** The metadata no client column holds, kept with the registration and answered back. */
  extra: Record<string, unknown>;
}

const MAX_URIS = 20;
const MAX_URI = 2000;
const MAX_TEXT = 200;

const invalid = (description: string) => OAuthError.registration('invalid_client_metadata', description);

function text(metadata: Record<string, unknown>, field: string, max = MAX_TEXT): string | undefined {
  const value = metadata[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > max)
    throw invalid(`${field} must be a string of 1 to ${max} characters`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this check refuses
  if (/[\x00-\x1f\x7f]/.test(value)) throw invalid(`${field} must not contain control characters`);
  return value;
}

function list(
  metadata: Record<string, unknown>,
  field: string,
  maxItems = MAX_URIS,
  max = MAX_URI,
): string[] | undefined {
  const value = metadata[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length > maxItems || !value.every((v) => typeof v === 'string' && v.length <= max))
    throw invalid(`${field} must be an array of at most ${maxItems} strings`);
  return [...new Set(value as string[])];
}

/** client_uri, logo_uri, tos_uri, policy_uri: a web page a person is shown, https (http only on loopback). */
function webPage(metadata: Record<string, unknown>, field: string): string | undefined {
  const value = text(metadata, field, MAX_URI);
  if (value === undefined) return undefined;
  const url = URL.canParse(value) ? new URL(value) : null;
  const loopback = url !== null && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
  if (
    !url ||
    !(url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) ||
    url.username ||
    url.password ||
    value.includes('#') ||
    /[^\x21-\x7e]/.test(value)
  )
    throw invalid(`${field} must be an https URL without credentials or fragment`);
  return value;
}

/** RFC 7591 §2.1: each response type needs its grant type, and the authorization endpoint's grants their response type. */
function responseTypesOf(metadata: Record<string, unknown>, grantTypes: readonly string[]): string[] {
  const needed = [...RESPONSE_TYPES.values()]
    .filter((h) => grantTypes.includes(h.grantType))
    .map((h) => h.responseType);
  const given = list(metadata, 'response_types', 10, 100);
  if (given === undefined) return needed;
  for (const responseType of given) {
    const handler = RESPONSE_TYPES.get(responseType);
    if (!handler)
      throw invalid(
        `response_type "${responseType}" is not supported (supported: ${[...RESPONSE_TYPES.keys()].join(', ')})`,
      );
    if (!grantTypes.includes(handler.grantType))
      throw invalid(`response_type ${responseType} needs the grant type ${handler.grantType} (RFC 7591 section 2.1)`);
  }
  const missing = needed.find((responseType) => !given.includes(responseType));
  if (missing !== undefined)
    throw invalid(
      `the grant type ${RESPONSE_TYPES.get(missing)?.grantType} needs the response type ${missing} (RFC 7591 section 2.1)`,
    );
  return given;
}

function authMethodOf(metadata: Record<string, unknown>, policy: RegistrationPolicy): ClientAuthMethod {
  // RFC 7591 §2: the default is client_secret_basic.
  const method = text(metadata, 'token_endpoint_auth_method', 100) ?? 'client_secret_basic';
  if (!(CLIENT_AUTH_METHODS as readonly string[]).includes(method))
    throw invalid(`token_endpoint_auth_method "${method}" is not supported`);
  if (!policy.authMethods.includes(method))
    throw invalid(`token_endpoint_auth_method ${method} is not allowed for self-registered clients`);
  return method as ClientAuthMethod;
}

/**
 * The client a registration (or an RFC 7592 update) asks for, or invalid_client_metadata /
 * invalid_redirect_uri. Unknown fields are ignored (RFC 7591 §2): among them any self-asserted
 * privilege (trusted, introspection), which only an administrator grants.
 */
export function requestedClient(metadata: Record<string, unknown>, policy: RegistrationPolicy): RequestedClient {
  const authMethod = authMethodOf(metadata, policy);
  // RFC 7591 §2: the default grant type is authorization_code.
  const grantTypes = list(metadata, 'grant_types', 10, 200) ?? ['authorization_code'];
  const refused = grantTypes.find((g) => !policy.grantTypes.includes(g));
  if (refused !== undefined)
    throw invalid(
      `grant type ${refused} is not allowed for self-registered clients (allowed: ${policy.grantTypes.join(', ')})`,
    );
  const responseTypes = responseTypesOf(metadata, grantTypes);

  const redirectUris = list(metadata, 'redirect_uris') ?? [];
  for (const uri of redirectUris) {
    const problem = redirectUriRegistrationProblem(uri);
    if (problem) throw OAuthError.registration('invalid_redirect_uri', problem);
  }
  if (redirectUris.length === 0 && responseTypes.length > 0)
    throw OAuthError.registration(
      'invalid_redirect_uri',
      'redirect_uris is required for the authorization_code and implicit grants',
    );

  const scopeText = text(metadata, 'scope', 2000);
  const scopes = scopeText === undefined ? [...policy.scopes] : scopeText.split(' ').filter(Boolean);
  const outside = scopes.find((s) => !policy.scopes.includes(s));
  if (outside !== undefined)
    throw invalid(`scope ${outside} is not allowed for self-registered clients (allowed: ${policy.scopes.join(' ')})`);

  const jwks = metadata.jwks ?? undefined;
  const jwksUri = text(metadata, 'jwks_uri', MAX_URI);
  if (jwks !== undefined && jwksUri !== undefined)
    throw invalid('give jwks or jwks_uri, never both (RFC 7591 section 2)');
  if (authMethod === 'private_key_jwt' && jwks === undefined && jwksUri === undefined)
    throw invalid('private_key_jwt needs jwks or jwks_uri');
  if (authMethod !== 'private_key_jwt' && (jwks !== undefined || jwksUri !== undefined))
    throw invalid('jwks and jwks_uri are for token_endpoint_auth_method private_key_jwt');

  const backchannelSession = metadata.backchannel_logout_session_required;
  if (backchannelSession !== undefined && backchannelSession !== null && typeof backchannelSession !== 'boolean')
    throw invalid('backchannel_logout_session_required must be true or false');
  const backchannelUri = text(metadata, 'backchannel_logout_uri', MAX_URI);
  const idTokenAlg = text(metadata, 'id_token_signed_response_alg', 20);
  const userinfoAlg = text(metadata, 'userinfo_signed_response_alg', 20);
  const subjectType = text(metadata, 'subject_type', 20);
  const sectorUri = text(metadata, 'sector_identifier_uri', MAX_URI);

  const extra: Record<string, unknown> = {};
  for (const field of ['client_uri', 'logo_uri', 'tos_uri', 'policy_uri']) {
    const value = webPage(metadata, field);
    if (value !== undefined) extra[field] = value;
  }
  const contacts = list(metadata, 'contacts', 10, 320);
  if (contacts) extra.contacts = contacts;
  for (const field of ['software_id', 'software_version']) {
    const value = text(metadata, field);
    if (value !== undefined) extra[field] = value;
  }

  const client: NewClient = {
    name: text(metadata, 'client_name') ?? 'Unnamed client',
    redirectUris,
    grantTypes,
    scopes,
    isPublic: authMethod === 'none',
    trusted: false,
    canIntrospect: false,
    allowInsecureHttp: false,
    ...(jwks === undefined ? {} : { jwks }),
    ...(jwksUri === undefined ? {} : { jwksUri }),
    secretJwt: authMethod === 'client_secret_jwt',
    oidc: {
      postLogoutRedirectUris: list(metadata, 'post_logout_redirect_uris') ?? [],
      ...(backchannelUri === undefined ? {} : { backchannelLogoutUri: backchannelUri }),
      backchannelLogoutSessionRequired: backchannelSession === true,
      ...(idTokenAlg === undefined ? {} : { idTokenSignedResponseAlg: idTokenAlg }),
      ...(userinfoAlg === undefined ? {} : { userinfoSignedResponseAlg: userinfoAlg }),
      ...(subjectType === undefined ? {} : { subjectType }),
      ...(sectorUri === undefined ? {} : { sectorIdentifierUri: sectorUri }),
    },
  };
  return { client, authMethod, extra };
}

/** RFC 7591 §3.2.1, RFC 7592 §3: the client information response, without the secrets. */
export function clientInformation(
  client: ClientRecord,
  registration: ClientRegistrationRecord,
): Record<string, unknown> {
  const oidc = client.oidc ?? {};
  const method = registeredAuthMethod(client);
  return {
    client_id: client.id,
    client_id_issued_at: client.createdAt,
    ...(method === 'none' || method === 'private_key_jwt' ? {} : { client_secret_expires_at: 0 }),
    client_name: client.name,
    redirect_uris: [...client.redirectUris],
    token_endpoint_auth_method: method,
    grant_types: [...client.grantTypes],
    response_types: [...RESPONSE_TYPES.values()]
      .filter((h) => client.grantTypes.includes(h.grantType))
      .map((h) => h.responseType),
    scope: (client.scopes ?? []).join(' '),
    ...(client.jwksUri ? { jwks_uri: client.jwksUri } : {}),
    ...(client.jwks ? { jwks: client.jwks } : {}),
    ...registration.metadata,
    ...oidcRegistrationMetadata(oidc),
  };
}
