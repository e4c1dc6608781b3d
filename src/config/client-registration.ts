/**
 * The client_registration section of the configuration: client self-registration (RFC 7591) and
 * its management (RFC 7592) at /oauth/register, and the policy every self-registered client is
 * held to. Kept apart from schema.ts for its length. The `registration` section is user sign-up.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CLIENT_AUTH_METHODS, publicKeySetProblem } from '../core/client-methods.js';
import type { ClientRegistrationDependencies } from '../core/client-registration/endpoint.js';
import { softwareStatementVerifier } from '../core/client-registration/software-statement.js';
import { CLIENT_GRANT_TYPES } from '../core/grants/registry.js';
import type { JsonWebKeySet } from '../core/ports.js';
import { isScopeToken } from '../core/scopes.js';

/** A JWK Set written inline: an object in a file, a JSON string in the environment. */
const keySet = z.preprocess(
  (value) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  },
  z.unknown().superRefine((value, ctx) => {
    const problem = value === undefined ? null : publicKeySetProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
);

/** Self-registered clients get the browser flow and its refresh tokens, unless the operator allows more. */
export const DEFAULT_REGISTRATION_GRANT_TYPES = ['authorization_code', 'refresh_token'];

export const clientRegistrationSection = z
  .object({
    /**
     * off: no /oauth/register. open: anyone may register a client. initial_access_token: only
     * with a token from `gatehouse client registration-token create` (RFC 7591 §3).
     */
    mode: z.enum(['off', 'open', 'initial_access_token']).default('off'),
    /** The grant types a self-registered client may ask for. */
    allowed_grant_types: z
      .array(
        z.string().refine((g) => CLIENT_GRANT_TYPES.includes(g), `must be one of ${CLIENT_GRANT_TYPES.join(', ')}`),
      )
      .default(DEFAULT_REGISTRATION_GRANT_TYPES),
    /** The scopes a self-registered client may ask for. Unset: openid, profile, email and default_scope's. */
    allowed_scopes: z.array(z.string().refine(isScopeToken, 'is not a valid scope token (RFC 6749 §3.3)')).optional(),
    /** The token_endpoint_auth_method values a self-registered client may choose. */
    allowed_auth_methods: z
      .array(z.enum(CLIENT_AUTH_METHODS as [string, ...string[]]))
      .default(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']),
    /** The public keys (a JWK Set) whose software statements are trusted. */
    software_statement_jwks: keySet.optional(),
    /** A file holding that JWK Set instead (read at start-up). */
    software_statement_jwks_file: z.string().min(1).optional(),
    /** Refuse a registration without a software statement signed by a trusted key. */
    require_software_statement: z.boolean().default(false),
    /** Registrations one address (an IPv6 /64) may make per login_throttle_max_delay seconds. */
    requests_per_address: z.number().int().min(1).max(1_000_000).default(10),
    /** Self-registered clients that may exist at once; beyond, registrations are refused. */
    max_clients: z.number().int().min(1).max(10_000_000).default(1000),
  })
  .strict()
  .superRefine((section, ctx) => {
    if (section.software_statement_jwks !== undefined && section.software_statement_jwks_file !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['software_statement_jwks'],
        message: 'give at most one of software_statement_jwks and software_statement_jwks_file',
      });
    if (
      section.require_software_statement &&
      section.software_statement_jwks === undefined &&
      section.software_statement_jwks_file === undefined
    )
      ctx.addIssue({
        code: 'custom',
        path: ['require_software_statement'],
        message: 'needs software_statement_jwks or software_statement_jwks_file (the keys statements are signed with)',
      });
  })
  .default({
    mode: 'off',
    allowed_grant_types: DEFAULT_REGISTRATION_GRANT_TYPES,
    allowed_auth_methods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    require_software_statement: false,
    requests_per_address: 10,
    max_clients: 1000,
  });

type Section = z.output<typeof clientRegistrationSection>;

/** A configuration problem with the key it is about, thrown at start-up. */
export class SoftwareStatementKeysError extends Error {
  constructor(message: string) {
    super(`client_registration.software_statement_jwks_file: ${message}`);
    // Reported as a configuration problem (one line, exit 2), as ConfigError is (src/cli/errors.ts).
    this.name = 'ConfigError';
  }
}

/** The trusted software statement keys, inline or read from their file; null when none are configured. */
export function softwareStatementKeys(section: Section): JsonWebKeySet | null {
  if (section.software_statement_jwks !== undefined) return section.software_statement_jwks as JsonWebKeySet;
  const path = section.software_statement_jwks_file;
  if (path === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SoftwareStatementKeysError(
      `${path}: ${code === 'ENOENT' ? 'not found' : code ? 'cannot be read' : 'not valid JSON'}`,
    );
  }
  const problem = publicKeySetProblem(value);
  if (problem) throw new SoftwareStatementKeysError(`${path}: ${problem}`);
  return value as JsonWebKeySet;
}

/** The scopes a self-registered client may ask for (allowed_scopes, or the OpenID scopes and default_scope's). */
function registrationScopes(section: Section, defaultScope: string): string[] {
  if (section.allowed_scopes) return [...new Set(section.allowed_scopes)];
  return [...new Set(['openid', 'profile', 'email', ...defaultScope.split(' ').filter(Boolean)])];
}

/**
 * What the registration endpoint needs from the configuration (null when client_registration.mode
 * is off): its settings and the software statement check. Reads the key file: call at start-up.
 */
export function clientRegistrationConfig(
  config: { client_registration: Section; default_scope: string },
  url: (path: string) => string,
): Pick<ClientRegistrationDependencies, 'settings' | 'verifySoftwareStatement'> | null {
  const section = config.client_registration;
  if (section.mode === 'off') return null;
  return {
    settings: {
      mode: section.mode,
      policy: {
        grantTypes: section.allowed_grant_types,
        scopes: registrationScopes(section, config.default_scope),
        authMethods: section.allowed_auth_methods,
      },
      requireSoftwareStatement: section.require_software_statement,
      maxClients: section.max_clients,
      clientUri: (clientId) => url(`/oauth/register/${encodeURIComponent(clientId)}`),
    },
    verifySoftwareStatement: softwareStatementVerifier(softwareStatementKeys(section)),
  };
}
