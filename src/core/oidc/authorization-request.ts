import { OAuthError } from '../errors.js';
import { OFFLINE_ACCESS, parseClaimsParameter, type ClaimsRequest } from './claims.js';
import { verifyIdTokenHint, type IdTokenHint, type IdTokenHintSettings } from './id-token-hints.js';

/**
 * The OpenID Connect parameters of an authorization request (OIDC Core §3.1.2.1), checked when
 * the scope has `openid`. Without `openid` none of them is read: an OAuth request behaves as
 * before. Pure rules; the route decides what to show (sign-in, sign-up, consent) from the result.
 */

/** The prompt values Gatehouse understands (OIDC Core §3.1.2.1; create: Initiating User Registration 1.0). */
export const PROMPT_VALUES = ['none', 'login', 'consent', 'create'] as const;
export type Prompt = (typeof PROMPT_VALUES)[number];

/** OIDC Core §3.1.2.1 display values. */
const DISPLAY_VALUES: readonly string[] = ['page', 'popup', 'touch', 'wap'];

/**
 * The OpenID parameters a pending request keeps across sign-in and consent, each with the
 * longest value accepted: they are stored for requests nobody has authenticated. `claims` is
 * bounded by parseClaimsParameter (MAX_CLAIMS_PARAMETER_LENGTH).
 */
export const OIDC_PARAMETER_LENGTHS = {
  nonce: 255,
  prompt: 64,
  max_age: 10,
  login_hint: 320,
  // An ID token of ours with the claims a client may ask in it is well under this.
  id_token_hint: 4096,
  ui_locales: 255,
  acr_values: 255,
  display: 8,
} as const;

export const OIDC_AUTHORIZATION_PARAMETERS: readonly string[] = [...Object.keys(OIDC_PARAMETER_LENGTHS), 'claims'];

/** OIDC Core §6.1, §6.2, §7.2.1: request objects and dynamic registration by parameter are not supported. */
const UNSUPPORTED_PARAMETERS = [
  ['request', 'request_not_supported'],
  ['request_uri', 'request_uri_not_supported'],
  ['registration', 'registration_not_supported'],
] as const;

/** What an OpenID request asks of the sign-in, checked. */
export interface OidcAuthorizationRequest {
  nonce: string | undefined;
  prompt: ReadonlySet<Prompt>;
  /** Seconds since the last sign-in after which the user must sign in again. */
  maxAge: number | undefined;
  /** Pre-fills the sign-in page's username; trusted for nothing else. */
  loginHint: string | undefined;
  /** The ID token the client handed back (ours, issued to this client), checked against the session's user. */
  idTokenHint: IdTokenHint | undefined;
  claims: ClaimsRequest | null;
  /** Kept for the pages; they stay English until they are translated. */
  uiLocales: string[];
}

/** Whether a request's scope makes it an OpenID Connect request. */
export function isOpenIdRequest(scope: readonly string[]): boolean {
  return scope.includes('openid');
}

/**
 * OIDC Core §11: offline_access is ignored unless the response type returns a code (an implicit
 * response never carries a refresh token); otherwise the scope as granted.
 */
export function withoutIgnoredOfflineAccess(scope: string[], returnsCode: boolean): string[] {
  return returnsCode ? scope : scope.filter((name) => name !== OFFLINE_ACCESS);
}

function parsePrompt(value: string | undefined): Set<Prompt> {
  if (value === undefined) return new Set();
  const values = value.split(' ');
  const known: readonly string[] = PROMPT_VALUES;
  if (!values.every((prompt) => known.includes(prompt))) {
    throw OAuthError.invalidRequest(`prompt must be among: ${PROMPT_VALUES.join(', ')}`);
  }
  const prompt = new Set(values as Prompt[]);
  // §3.1.2.1: none with any other value is an error.
  if (prompt.has('none') && prompt.size > 1) throw OAuthError.invalidRequest('prompt=none cannot be combined');
  return prompt;
}

function parseMaxAge(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,10}$/.test(value)) throw OAuthError.invalidRequest('max_age must be a non-negative number of seconds');
  return Number(value);
}

/**
 * The OpenID parameters of a request whose scope has openid, checked (invalid_request and the
 * §6/§7.2.1 codes, for the trusted redirect URI). `frontChannelTokens`: the response returns
 * tokens from the front channel (response_type=token), so a nonce is required (§3.2.2.1).
 */
export async function checkOidcRequest(
  params: ReadonlyMap<string, string>,
  clientId: string,
  frontChannelTokens: boolean,
  hints: IdTokenHintSettings | undefined,
): Promise<OidcAuthorizationRequest> {
  for (const [name, code] of UNSUPPORTED_PARAMETERS) {
    if (params.has(name)) throw new OAuthError(code, `the ${name} parameter is not supported`);
  }
  for (const [name, max] of Object.entries(OIDC_PARAMETER_LENGTHS)) {
    if ((params.get(name)?.length ?? 0) > max)
      throw OAuthError.invalidRequest(`${name} is longer than ${max} characters`);
  }
  const nonce = params.get('nonce');
  if (nonce === undefined && frontChannelTokens) {
    throw OAuthError.invalidRequest('nonce is required when tokens are returned from the authorization endpoint');
  }
  const display = params.get('display');
  if (display !== undefined && !DISPLAY_VALUES.includes(display)) {
    throw OAuthError.invalidRequest(`display must be among: ${DISPLAY_VALUES.join(', ')}`);
  }
  const claims = parseClaimsParameter(params.get('claims'));
  const hint = params.get('id_token_hint');
  return {
    nonce,
    prompt: parsePrompt(params.get('prompt')),
    maxAge: parseMaxAge(params.get('max_age')),
    loginHint: params.get('login_hint'),
    idTokenHint: hint === undefined ? undefined : await checkHint(hint, clientId, hints),
    claims,
    uiLocales: params.get('ui_locales')?.split(' ').filter(Boolean) ?? [],
  };
}

/** §3.1.2.1: a hint must be an ID token of ours, issued to this client (expired or not). */
async function checkHint(
  token: string,
  clientId: string,
  settings: IdTokenHintSettings | undefined,
): Promise<IdTokenHint> {
  const hint = settings ? await verifyIdTokenHint(token, settings) : null;
  if (!hint) throw OAuthError.invalidRequest('id_token_hint is not an ID token this server issued');
  if (hint.clientId !== clientId) throw OAuthError.invalidRequest('id_token_hint was issued to another client');
  return hint;
}

/**
 * Whether the user must sign in again before this request is answered (OIDC Core §3.1.2.1
 * prompt=login, max_age; max_age=0 always). `pendingSince`: when the request was first received,
 * if it is being resumed; a sign-in made since then answers it, so the user is never asked twice.
 */
export function reauthenticationNeeded(
  oidc: Pick<OidcAuthorizationRequest, 'prompt' | 'maxAge'> | null,
  authTime: number,
  now: number,
  pendingSince: number | undefined,
): boolean {
  if (!oidc) return false;
  if (pendingSince !== undefined && authTime >= pendingSince) return false;
  if (oidc.prompt.has('login')) return true;
  // Whole seconds: a sign-in exactly max_age seconds old may be a fraction older, so it counts as
  // too old (and max_age=0 always asks).
  return oidc.maxAge !== undefined && now - authTime >= oidc.maxAge;
}
