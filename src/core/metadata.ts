import { CLIENT_AUTH_METHODS, CLIENT_SECRET_JWT_ALGORITHMS, PRIVATE_KEY_JWT_ALGORITHMS } from './client-methods.js';
import { AUTHORIZATION_ENDPOINT_GRANT_TYPES } from './grants/registry.js';
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
  /** RFC 9207: authorization responses carry `iss`. */
  authorization_response_iss_parameter_supported: boolean;
}

export interface MetadataInput {
  issuer: string;
  /** The token endpoint's grant types, in registry order. */
  tokenGrantTypes: readonly string[];
  scopes: readonly string[];
  /** Access tokens are JWTs: the keys are published at /.well-known/jwks.json. */
  publishesKeys: boolean;
}

/** Every endpoint that authenticates clients does it the same way (core/client-auth.ts). */
const ASSERTION_ALGORITHMS = [...PRIVATE_KEY_JWT_ALGORITHMS, ...CLIENT_SECRET_JWT_ALGORITHMS];

/** What /.well-known/oauth-authorization-server says: derived from the registries, never listed by hand. */
export function serverMetadata({ issuer, tokenGrantTypes, scopes, publishesKeys }: MetadataInput): ServerMetadata {
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
  };
}
