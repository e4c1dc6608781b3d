import type { ClientOidcSettings } from './ports.js';
/**
 * A client's OpenID Connect settings by their Registration names (OIDC Registration §2, the
 * logout specs), as `client show --json` and the registration endpoint (RFC 7591 §3.2.1) print
 * them: the algorithms and subject type always, the optional ones only when set. Its own module, with
 * type imports only: `client --help` and `client list` must not load jose (test/cli/lazy-loading.test.ts).
 */
export function oidcRegistrationMetadata(oidc: ClientOidcSettings): Record<string, unknown> {
  return {
    ...(oidc.postLogoutRedirectUris?.length ? { post_logout_redirect_uris: [...oidc.postLogoutRedirectUris] } : {}),
    ...(oidc.backchannelLogoutUri
      ? {
          backchannel_logout_uri: oidc.backchannelLogoutUri,
          backchannel_logout_session_required: oidc.backchannelLogoutSessionRequired ?? false,
        }
      : {}),
    id_token_signed_response_alg: oidc.idTokenSignedResponseAlg ?? 'RS256',
    ...(oidc.userinfoSignedResponseAlg ? { userinfo_signed_response_alg: oidc.userinfoSignedResponseAlg } : {}),
    subject_type: oidc.subjectType ?? 'public',
    ...(oidc.sectorIdentifierUri ? { sector_identifier_uri: oidc.sectorIdentifierUri } : {}),
  };
}
