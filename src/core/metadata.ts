import { CLIENT_AUTH_METHODS, CLIENT_SECRET_JWT_ALGORITHMS, PRIVATE_KEY_JWT_ALGORITHMS } from './client-methods.js';
import { AUTHORIZATION_ENDPOINT_GRANT_TYPES } from './grants/registry.js';
import { SIGNING_ALGORITHMS } from './keys.js';
import { CLAIMS_SUPPORTED } from './oidc/claims.js';
import { PROMPT_VALUES } from './oidc/authorization-request.js';
import { CODE_CHALLENGE_METHODS } from './pkce.js';
import { RESPONSE_TYPES } from './response-types/index.js';

/** RFC 8414 authorization server metadata. */
export interface ServerMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  /** RFC 8628 §4. */
  device_authorization_endpoint: string;
  grant_types_supported: string[];
  response_types_supported: string[];
  response_modes_supported: string[];
  scopes_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  /** The algorithms of client assertions (private_key_jwt, client_secret_jwt); the same at every endpoint. */
  token_endpoint_auth_signing_alg_values_supported: string[];
  code_challenge_methods_supported: string[];
  revocation_endpoint: string;
  revocation_endpoint_auth_methods_supported: string[];
  revocation_endpoint_auth_signing_alg_values_supported: string[];
  introspection_endpoint: string;
  introspection_endpoint_auth_methods_supported: string[];
  introspection_endpoint_auth_signing_alg_values_supported: string[];
  /** Only when access tokens are JWTs: where resource servers find the verification keys. */
  jwks_uri?: string;
  /** RFC 7591 §3 (RFC 8414 §2, OIDC Discovery §3): only when client self-registration is on. */
  registration_endpoint?: string;
  /** RFC 9207: authorization responses carry `iss`. */
  authorization_response_iss_parameter_supported: boolean;
  // OpenID Connect Discovery 1.0 §3 (and RP-Initiated, Back-Channel Logout): the same document
  // answers at /.well-known/openid-configuration.
  userinfo_endpoint: string;
  end_session_endpoint: string;
  subject_types_supported: string[];
  id_token_signing_alg_values_supported: string[];
  userinfo_signing_alg_values_supported: string[];
  claims_supported: string[];
  claim_types_supported: string[];
  claims_parameter_supported: boolean;
  /** Said explicitly: Discovery's defaults for these two would mislead clients (request_uri's is true). */
  request_parameter_supported: boolean;
  request_uri_parameter_supported: boolean;
  prompt_values_supported: string[];
  acr_values_supported?: string[];
  backchannel_logout_supported: boolean;
  backchannel_logout_session_supported: boolean;
  frontchannel_logout_supported: boolean;
}

/** The algorithms ID tokens, signed userinfo and logout tokens may be signed with (RS256 first: the default). */
export const ID_TOKEN_SIGNING_ALGORITHMS: readonly string[] = [
  'RS256',
  ...SIGNING_ALGORITHMS.filter((a) => a !== 'RS256'),
];

export interface MetadataInput {
  issuer: string;
  /** The token endpoint's grant types, in registry order. */
  tokenGrantTypes: readonly string[];
  scopes: readonly string[];
  /** Access tokens are JWTs: the keys are published at /.well-known/jwks.json. */
  publishesKeys: boolean;
  /** oidc.acr: the one acr value the server's sign-ins carry. */
  acr?: string;
  /** Client self-registration is on (client_registration.mode is not off). */
  registration?: boolean;
}

/** Every endpoint that authenticates clients does it the same way (core/client-auth.ts). */
const ASSERTION_ALGORITHMS = [...PRIVATE_KEY_JWT_ALGORITHMS, ...CLIENT_SECRET_JWT_ALGORITHMS];

/** What /.well-known/oauth-authorization-server and /.well-known/openid-configuration say: derived from the registries, never listed by hand. */
export function serverMetadata(input: MetadataInput): ServerMetadata {
  const { issuer, tokenGrantTypes, scopes, publishesKeys, acr } = input;
  const url = (path: string) => `${issuer.replace(/\/+$/, '')}${path}`;
  return {
    issuer,
    authorization_endpoint: url('/oauth/authorize'),
    token_endpoint: url('/oauth/token'),
    device_authorization_endpoint: url('/oauth/device_authorization'),
    // The token endpoint's grants, then those used only through a response type: implicit
    // (response_type=token) exists only for clients registered for it (RFC 9700 §2.1.2).
    grant_types_supported: [...tokenGrantTypes, ...AUTHORIZATION_ENDPOINT_GRANT_TYPES],
    response_types_supported: [...RESPONSE_TYPES.keys()],
    response_modes_supported: ['query', 'fragment'],
    scopes_supported: [...scopes],
    token_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
    token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGORITHMS],
    code_challenge_methods_supported: [...CODE_CHALLENGE_METHODS],
    authorization_response_iss_parameter_supported: true,
    revocation_endpoint: url('/oauth/revoke'),
    revocation_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
    revocation_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGORITHMS],
    introspection_endpoint: url('/oauth/introspect'),
    introspection_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
    introspection_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGORITHMS],
    ...(publishesKeys ? { jwks_uri: url('/.well-known/jwks.json') } : {}),
    ...(input.registration ? { registration_endpoint: url('/oauth/register') } : {}),
    userinfo_endpoint: url('/oauth/userinfo'),
    end_session_endpoint: url('/oauth/logout'),
    subject_types_supported: ['public', 'pairwise'],
    id_token_signing_alg_values_supported: [...ID_TOKEN_SIGNING_ALGORITHMS],
    userinfo_signing_alg_values_supported: [...ID_TOKEN_SIGNING_ALGORITHMS],
    claims_supported: [...CLAIMS_SUPPORTED],
    claim_types_supported: ['normal'],
    claims_parameter_supported: true,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    prompt_values_supported: [...PROMPT_VALUES],
    ...(acr ? { acr_values_supported: [acr] } : {}),
    backchannel_logout_supported: true,
    backchannel_logout_session_supported: true,
    frontchannel_logout_supported: false,
  };
}
