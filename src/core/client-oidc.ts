import type { ClientOidcSettings, IdTokenAlgorithm, RemoteDocuments } from './ports.js';
import { SIGNING_ALGORITHMS } from './keys.js';
import { sectorOf } from './oidc/subjects.js';
import { redirectUriRegistrationProblem } from './redirect-uris.js';

/**
 * A client's OpenID Connect registration metadata as an administrator gives it (the CLI's
 * flags, OIDC Registration §2 names in comments), checked by `clientOidcSettings`.
 */
export interface NewClientOidc {
  /** post_logout_redirect_uris (RP-Initiated Logout §3.1): the redirect URI rules apply. */
  postLogoutRedirectUris?: string[];
  /** backchannel_logout_uri (Back-Channel Logout §2.2). */
  backchannelLogoutUri?: string;
  backchannelLogoutSessionRequired?: boolean;
  /** id_token_signed_response_alg: RS256 (default), ES256 or EdDSA. */
  idTokenSignedResponseAlg?: string;
  /** userinfo_signed_response_alg: absent, plain JSON userinfo. */
  userinfoSignedResponseAlg?: string;
  /** subject_type: public (default) or pairwise. */
  subjectType?: string;
  /** sector_identifier_uri (OIDC Core §8.1), pairwise only: fetched at registration. */
  sectorIdentifierUri?: string;
  /** Release the granted scopes' claims in the ID token too. */
  idTokenClaims?: boolean;
}

/** What the rest of the registration already decided, which the OpenID settings depend on. */
export interface OidcRegistrationContext {
  redirectUris: readonly string[];
  isPublic: boolean;
  /** null: every supported scope (openid is always one). */
  scopes: readonly string[] | null;
  allowInsecureHttp: boolean;
}

/** The longest URL accepted in a client's metadata (as for jwks_uri). */
const MAX_URI_LENGTH = 2000;
/** More entries than any sector lists: a bigger document is refused, not searched. */
const MAX_SECTOR_REDIRECT_URIS = 1000;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** Thrown for settings that cannot be registered; core/clients.ts turns it into a ClientRegistrationError. */
export class OidcSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OidcSettingsError';
  }
}

const fail = (message: string): never => {
  throw new OidcSettingsError(message);
};

/** The value as printable ASCII on one line, shortened: a URL an administrator typed, safe to print. */
function shown(value: string): string {
  const short = value.length > 120 ? `${value.slice(0, 120)}...` : value;
  return JSON.stringify(short).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Why `uri` cannot be a server-to-server URL of a client (backchannel_logout_uri,
 * sector_identifier_uri), or null: absolute https, or plain http when `httpAllowed` says so for
 * its host; no fragment, no userinfo, printable ASCII. A query is fine (Back-Channel Logout §2.2).
 */
function webUriProblem(field: string, uri: string, httpAllowed: (host: string) => boolean): string | null {
  if (uri.length > MAX_URI_LENGTH) return `${field} is longer than ${MAX_URI_LENGTH} characters`;
  if (!/^[\x21-\x7e]+$/.test(uri))
    return `${field} ${shown(uri)} contains a space, a control or a non-ASCII character (percent-encode it)`;
  if (!/^https?:\/\//i.test(uri) || !URL.canParse(uri)) return `${field} ${shown(uri)} is not an absolute https URL`;
  const url = new URL(uri);
  if (uri.includes('#')) return `${field} ${shown(uri)} must not contain a fragment`;
  if (url.username !== '' || url.password !== '')
    return `${field} ${shown(uri)} must not contain a user name or password`;
  if (url.protocol === 'http:' && !httpAllowed(url.hostname))
    return `${field} ${shown(uri)} must use https (plain http only to a loopback host, for development)`;
  return null;
}

const isLoopback = (host: string) => LOOPBACK_HOSTS.has(host);

function algorithmOf(flag: string, value: string | undefined): IdTokenAlgorithm | undefined {
  if (value === undefined) return undefined;
  if (!(SIGNING_ALGORITHMS as readonly string[]).includes(value))
    fail(`${flag} must be one of RS256, ES256, EdDSA (not ${shown(value)})`);
  return value as IdTokenAlgorithm;
}

/**
 * Back-Channel Logout §2.2: https, or http "provided that the Client Type is confidential" and the
 * OP allows http: here a loopback host (development) or --allow-insecure-http. Any client may
 * register an https URL; the logout token is signed, so the endpoint needs no client secret.
 */
function backchannelOf(input: NewClientOidc, context: OidcRegistrationContext): Partial<ClientOidcSettings> {
  if (input.backchannelLogoutUri === undefined) {
    if (input.backchannelLogoutSessionRequired)
      fail('--backchannel-logout-session-required needs --backchannel-logout-uri');
    return {};
  }
  const uri = input.backchannelLogoutUri;
  const problem = webUriProblem('backchannel_logout_uri', uri, (host) => isLoopback(host) || context.allowInsecureHttp);
  if (problem) fail(problem);
  if (context.isPublic && new URL(uri).protocol === 'http:')
    fail(
      "a public client's backchannel_logout_uri must use https (Back-Channel Logout 2.2: http only for confidential clients)",
    );
  return {
    backchannelLogoutUri: uri,
    ...(input.backchannelLogoutSessionRequired ? { backchannelLogoutSessionRequired: true } : {}),
  };
}

/** Every redirect URI must share one sector (host): its host; refused when they do not or have none. */
function sectorOfRedirectUris(redirectUris: readonly string[]): string {
  const sectors = new Set(redirectUris.map((uri) => sectorOf([uri])));
  if (sectors.size > 1)
    fail(
      `a pairwise client whose redirect URIs have several hosts (${[...sectors].join(', ')}) needs --sector-identifier-uri (OpenID Connect Core 8.1)`,
    );
  const [sector] = sectors;
  if (!sector)
    fail('a pairwise client without redirect URIs on a host (https://host/...) needs --sector-identifier-uri');
  // Every native app on a machine answers on the loopback host: as a sector it would give unrelated
  // apps the same pairwise sub.
  if (isLoopback(new URL(`http://${sector}`).hostname))
    fail(
      'a pairwise client whose redirect URIs are on a loopback host (shared by every app on the machine) needs --sector-identifier-uri',
    );
  return sector as string;
}

/**
 * OIDC Core §8.1, Registration §5: the sector_identifier_uri holds a JSON array of URIs that
 * includes every redirect URI of the client; the sector is the URI's host.
 */
async function sectorFromDocument(
  uri: string,
  redirectUris: readonly string[],
  documents: RemoteDocuments | null,
): Promise<string> {
  if (!documents) return fail('sector_identifier_uri cannot be fetched here (no outbound fetcher)');
  let document: unknown;
  try {
    document = await documents.fetchJson(uri);
  } catch (error) {
    return fail(`sector_identifier_uri could not be fetched: ${(error as Error).message}`);
  }
  if (!Array.isArray(document) || !document.every((entry) => typeof entry === 'string'))
    fail('sector_identifier_uri must answer a JSON array of redirect URIs (OpenID Connect Registration 5)');
  const listed = document as string[];
  if (listed.length > MAX_SECTOR_REDIRECT_URIS)
    fail(`sector_identifier_uri lists more than ${MAX_SECTOR_REDIRECT_URIS} URIs`);
  const missing = redirectUris.find((redirectUri) => !listed.includes(redirectUri));
  if (missing !== undefined)
    fail(`sector_identifier_uri does not list the redirect URI ${shown(missing)} (every redirect URI must be in it)`);
  return sectorOf([uri]);
}

async function subjectOf(
  input: NewClientOidc,
  context: OidcRegistrationContext,
  documents: RemoteDocuments | null,
): Promise<Partial<ClientOidcSettings>> {
  const type = input.subjectType ?? 'public';
  if (type !== 'public' && type !== 'pairwise') fail(`--subject-type must be public or pairwise (not ${shown(type)})`);
  const uri = input.sectorIdentifierUri;
  if (type === 'public') {
    if (uri !== undefined) fail('--sector-identifier-uri is for pairwise subjects: add --subject-type pairwise');
    return {};
  }
  if (uri === undefined) return { subjectType: 'pairwise', sector: sectorOfRedirectUris(context.redirectUris) };
  const problem = webUriProblem('sector_identifier_uri', uri, isLoopback);
  if (problem) fail(problem);
  const sector = await sectorFromDocument(uri, context.redirectUris, documents);
  return { subjectType: 'pairwise', sectorIdentifierUri: uri, sector };
}

/**
 * The OpenID Connect settings to store (absent when every one is the default), or
 * OidcSettingsError. Every rule that needs no network is checked before the sector document
 * is fetched, so a mistyped command never reaches out.
 */
export async function clientOidcSettings(
  input: NewClientOidc,
  context: OidcRegistrationContext,
  documents: RemoteDocuments | null,
): Promise<ClientOidcSettings | undefined> {
  const postLogoutRedirectUris = [...new Set(input.postLogoutRedirectUris ?? [])];
  for (const uri of postLogoutRedirectUris) {
    const problem = redirectUriRegistrationProblem(uri, { allowInsecureHttp: context.allowInsecureHttp });
    if (problem) fail(`post-logout ${problem}`);
  }
  const idTokenAlg = algorithmOf('--id-token-alg', input.idTokenSignedResponseAlg);
  const userinfoAlg = algorithmOf('--userinfo-alg', input.userinfoSignedResponseAlg);
  const backchannel = backchannelOf(input, context);
  const settings: ClientOidcSettings = {
    ...(idTokenAlg && idTokenAlg !== 'RS256' ? { idTokenSignedResponseAlg: idTokenAlg } : {}),
    ...(userinfoAlg ? { userinfoSignedResponseAlg: userinfoAlg } : {}),
    ...(postLogoutRedirectUris.length ? { postLogoutRedirectUris } : {}),
    ...backchannel,
    ...(input.idTokenClaims ? { idTokenClaims: true } : {}),
  };
  const asked = Object.keys(settings).length > 0 || input.subjectType === 'pairwise';
  // Without openid no ID token is ever issued, so these settings would silently do nothing.
  if (asked && context.scopes !== null && !context.scopes.includes('openid'))
    fail('OpenID Connect settings need the openid scope: add openid to --scope');
  Object.assign(settings, await subjectOf(input, context, documents));
  return Object.keys(settings).length > 0 ? settings : undefined;
}
