import { isIP } from 'node:net';
import { z } from 'zod';
import { isScopeToken } from '../core/scopes.js';
import { withOidcScopes } from '../core/oidc/claims.js';
import { corsSection } from './cors.js';
import { clientRegistrationSection } from './client-registration.js';
import { jwtBearerSection } from './jwt-bearer.js';

/**
 * Every setting Gatehouse reads, with its default and what it means. The lifetimes are
 * FOSOAuthServerBundle's defaults. Keys are snake_case in files; in the environment they
 * are GATEHOUSE_<KEY IN CAPITALS>.
 */
const seconds = (min: number) =>
  z
    .number()
    .int()
    .min(min)
    .max(10 * 365 * 24 * 3600);

export const configSchema = z
  .object({
    /** Where the server listens. */
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8080),
    /** The issuer identifier (RFC 8414 §2): https URL without query or fragment. Defaults to http://host:port. */
    issuer: z
      .string()
      .optional()
      .superRefine((value, ctx) => {
        if (value === undefined) return;
        const problem = issuerProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    /** sqlite:PATH (the embedded default) or postgres://… */
    database: z.string().min(1).default('sqlite:./data/gatehouse.db'),
    /** PostgreSQL connections per process. */
    database_pool_size: z.number().int().min(1).max(1000).default(10),
    /** Seconds an access token lives (expires_in). */
    access_token_lifetime: seconds(1).default(3600),
    /** Seconds a refresh token lives; each rotation starts a new one. */
    refresh_token_lifetime: seconds(1).default(1_209_600),
    /**
     * Seconds a refresh token family (one grant and every token rotated from it) lives at most,
     * from its first token, however often it rotates: then the user must sign in again. 0 = no
     * limit (refresh_token_lifetime alone, sliding forever); not recommended.
     */
    refresh_token_absolute_lifetime: seconds(0).default(7_776_000),
    /** Seconds an authorization code lives. */
    auth_code_lifetime: seconds(1).default(30),
    /** The scopes this server knows; a client may be limited to some of them. */
    supported_scopes: z
      .array(z.string().refine(isScopeToken, 'is not a valid scope token (RFC 6749 §3.3)'))
      .default([]),
    /** Space-separated scopes granted when a request names none (narrowed to the client's scopes). */
    default_scope: z.string().default(''),
    /**
     * Seconds during which a rotated refresh token may be presented again (a retry after a
     * lost response) without counting as reuse. 0 = strict rotation (RFC 9700 §4.14).
     */
    refresh_token_grace_period: seconds(0).default(0),
    /**
     * Require PKCE (RFC 7636, S256) from every client at the authorization endpoint. Public
     * clients need it whatever this says; turn it off only for confidential legacy clients.
     */
    require_pkce: z.boolean().default(true),
    /** Make `state` mandatory at the authorization endpoint (FOSOAuthServerBundle's enforce_state). */
    enforce_state: z.boolean().default(false),
    /** Seconds a browser sign-in lasts before the user must sign in again. */
    session_lifetime: seconds(60).default(28_800),
    /** What each scope lets an app do, in words for the consent page: { read: "Read your documents" }. */
    scope_descriptions: z
      .record(z.string().refine(isScopeToken, 'is not a valid scope token (RFC 6749 §3.3)'), z.string().min(1).max(200))
      .default({}),
    /**
     * opaque: random strings checked against the database (FOSOAuthServerBundle's kind).
     * jwt: RFC 9068 JWTs a resource server can check on its own with the published keys.
     */
    access_token_format: z.enum(['opaque', 'jwt']).default('opaque'),
    /** The algorithm of new JWT signing keys. */
    jwt_signing_algorithm: z.enum(['EdDSA', 'ES256', 'RS256']).default('EdDSA'),
    /** The `aud` of JWT access tokens: the API they are for. Defaults to the issuer. */
    access_token_audience: z.string().min(1).optional(),
    /** Put the user's `username` and `roles` in JWT access tokens. */
    jwt_user_claims: z.boolean().default(false),
    /**
     * Encrypts the JWT signing keys stored in the database: at least 32 characters, e.g. from
     * `openssl rand -base64 32`. Required for access_token_format: jwt and `gatehouse keys` on PostgreSQL;
     * on a SQLite file it is generated in `<database>.kek` when unset (config/key-file.ts).
     */
    key_encryption_key: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -base64 32)').optional(),
    /**
     * Seconds ahead of now a JWT assertion's `exp` may be at most (client assertions for
     * private_key_jwt and client_secret_jwt, and the jwt-bearer grant): assertions are short-lived.
     */
    assertion_max_lifetime: z.number().int().min(10).max(3600).default(300),
    /** The JWT bearer grant (RFC 7523 §2.1): whose assertions are trusted and what their `sub` names. */
    jwt_bearer: jwtBearerSection,
    /** Shortest and longest password accepted, in characters (a password must not be the username or e-mail either). */
    password_min_length: z.number().int().min(1).max(4096).default(8),
    password_max_length: z.number().int().min(1).max(65_536).default(4096),
    /**
     * The line of password checks waiting for argon2id (which runs one core fewer than the
     * machine has at a time): at most this many wait, each at most password_hash_queue_timeout
     * seconds. Beyond either, the attempt is answered 503 with Retry-After (the token endpoint's
     * error is temporarily_unavailable) and is not counted as a failed password.
     */
    password_hash_queue_length: z.number().int().min(1).max(100_000).default(200),
    password_hash_queue_timeout: z.number().int().min(1).max(600).default(10),
    /**
     * Brute-force protection (sign-in form, password grant, client authentication): failures of
     * one login from one address allowed before each further attempt waits 2, 4, 8 … seconds.
     */
    login_throttle_threshold: z.number().int().min(1).max(1000).default(5),
    /** The longest wait, in seconds; failures older than this are forgotten. Never a permanent lock. */
    login_throttle_max_delay: seconds(1).default(900),
    /**
     * Seconds a sign-in waits for its turn while other attempts on the same account or address
     * are being checked; then the answer is 503 temporarily_unavailable with Retry-After, never
     * a refusal of the password. 0: answer 503 at once.
     */
    login_throttle_max_wait: z.number().int().min(0).max(60).default(10),
    /**
     * Addresses (or CIDR ranges) of reverse proxies whose X-Forwarded-For is believed, so the
     * client's real address is what throttling and logs see. Empty: the connection's address.
     */
    trusted_proxies: z.array(z.string().min(1)).default([]),
    /**
     * Seconds between the clean-ups `serve` runs by itself (what `gatehouse tokens clean` does);
     * 0 turns them off (then schedule `tokens clean` yourself).
     */
    cleanup_interval: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 3600)
      .default(3600),
    /** Self-service sign-up at /register (FOSUserBundle's registration). */
    registration: z
      .object({
        /** Show /register. Off by default: most teams create accounts themselves (`gatehouse user create`). */
        enabled: z.boolean().default(false),
        /** New accounts stay inactive until the e-mailed link is followed. */
        confirmation: z.boolean().default(true),
        /** Seconds a confirmation link works (FOSUserBundle's never expired). */
        token_ttl: seconds(60).default(86_400),
      })
      .strict()
      .default({ enabled: false, confirmation: true, token_ttl: 86_400 }),
    /** Client self-registration (RFC 7591, 7592) at /oauth/register: config/client-registration.ts. */
    client_registration: clientRegistrationSection,
    /** "Forgot your password?" at /reset (FOSUserBundle's resetting). */
    resetting: z
      .object({
        /** Seconds a reset link works. */
        token_ttl: seconds(60).default(86_400),
        /** At most one e-mail per account per this many seconds; a request in between sends nothing. */
        retry_ttl: seconds(0).default(7_200),
      })
      .strict()
      .default({ token_ttl: 86_400, retry_ttl: 7_200 }),
    /** Outgoing e-mail (confirmation and reset links, notices). */
    mail: z
      .object({
        /** smtp://user:pass@host:587 or smtps://…:465. Unset: messages are written to `outbox` as .eml files. */
        url: z
          .string()
          .refine(
            (value) => /^smtps?:\/\/[^/?#\s]+/.test(value),
            'must be an smtp:// or smtps:// URL, e.g. smtp://user:password@mail.example.com:587',
          )
          .optional(),
        /** The From address. Defaults to Gatehouse <no-reply@ISSUER HOST>. */
        from: z.string().min(3).max(320).optional(),
        /** Where messages go when no `url` is set. */
        outbox: z.string().min(1).default('./data/outbox'),
        /** A folder whose files replace the built-in templates (see README). */
        templates: z.string().min(1).optional(),
        /** Messages held in memory on their way to the mail server; more are dropped (logged, counted). */
        queue_limit: z.number().int().min(1).max(1_000_000).default(1000),
      })
      .strict()
      .default({ outbox: './data/outbox', queue_limit: 1000 }),
    /** The device authorization grant (RFC 8628): POST /oauth/device_authorization and the /device page. */
    device_flow: z
      .object({
        /** Seconds a device code and its user code work (expires_in). */
        expires_in: z.number().int().min(60).max(86_400).default(600),
        /** Seconds a device waits between polls of the token endpoint (interval); slow_down adds 5. */
        interval: z.number().int().min(1).max(600).default(5),
        /** Pending (unanswered, unexpired) device codes one client may have; more requests get 429 slow_down. */
        max_pending_per_client: z.number().int().min(1).max(1_000_000).default(1000),
        /**
         * Device authorization requests one address (an IPv6 /64) may make before it waits (429
         * slow_down with Retry-After); the count is forgotten after login_throttle_max_delay seconds.
         */
        requests_per_address: z.number().int().min(1).max(1_000_000).default(100),
        /**
         * Wrong user codes typed on /device per minute (this node, every address) that log a warning.
         * Only an alert, never a block: a global block would let anyone stop the device flow for everyone.
         */
        user_code_failure_alert: z.number().int().min(1).max(1_000_000).default(100),
      })
      .strict()
      .default({
        expires_in: 600,
        interval: 5,
        max_pending_per_client: 1000,
        requests_per_address: 100,
        user_code_failure_alert: 100,
      }),
    /** OpenID Connect: ID tokens, sessions shared by every client, logout. */
    oidc: z
      .object({
        /** Seconds an ID token (and a signed userinfo response) lives. */
        id_token_lifetime: z.number().int().min(60).max(86_400).default(3600),
        /**
         * The `acr` claim of ID tokens (OIDC Core §2): the authentication context class sign-in with
         * a password meets, as your relying parties know it. Unset: no acr claim.
         */
        acr: z.string().min(1).max(255).optional(),
        /** Back-Channel Logout 1.0: attempts per logout token before it is given up (logged), with backoff. */
        backchannel_logout_attempts: z.number().int().min(1).max(20).default(6),
        /** Seconds one back-channel logout POST may take. */
        backchannel_logout_timeout: z.number().int().min(1).max(30).default(5),
      })
      .strict()
      .default({ id_token_lifetime: 3600, backchannel_logout_attempts: 6, backchannel_logout_timeout: 5 }),
    /** Where brute-force counters live. */
    rate_limit: z
      .object({
        /** redis://… : keep the counters in Redis instead of the database (shared by every node either way). */
        redis_url: z
          .string()
          .refine((value) => /^rediss?:\/\/\S+$/.test(value), 'must be a redis:// or rediss:// URL')
          .optional(),
      })
      .strict()
      .default({}),
    /** Browser apps (CORS): the introspection endpoint and the preflight lifetime (origins are per client). */
    cors: corsSection,
    /** The audit log of security events (`gatehouse audit list`). */
    audit: z
      .object({
        /** Seconds events are kept; the scheduled clean-up (and `tokens clean`) deletes older ones. 0 keeps them forever. */
        retention: z
          .number()
          .int()
          .min(0)
          .default(90 * 86_400),
        /**
         * Seconds of a failure window: the failed sign-ins and client authentications of one
         * source (event, address or IPv6 /64, account or client) in one window are one row with a count.
         */
        failure_window: z.number().int().min(1).max(86_400).default(300),
        /**
         * Counted failure rows a node starts per window, at most; failures from further sources
         * in that window are dropped and counted in gatehouse_audit_events_dropped_total.
         */
        failure_rows: z.number().int().min(1).max(1_000_000).default(500),
      })
      .strict()
      .default({ retention: 90 * 86_400, failure_window: 300, failure_rows: 500 }),
    /** GET /metrics in the Prometheus text format. */
    metrics: z
      .object({
        enabled: z.boolean().default(true),
        /** Addresses or CIDR ranges allowed to read /metrics (after trusted_proxies); others get 404. */
        allow: z
          .array(
            z
              .string()
              .refine(
                (value) => addressRangeProblem(value) === null,
                'must be an IP address or a CIDR range such as 10.0.0.0/8',
              ),
          )
          .default(['127.0.0.1', '::1']),
      })
      .strict()
      .default({ enabled: true, allow: ['127.0.0.1', '::1'] }),
    /**
     * Fetches of URLs that clients and issuers name (a client's jwks_uri, a trusted issuer's key
     * set): https only, public addresses only, no redirects, these limits.
     */
    outbound_fetch: z
      .object({
        /** Seconds a whole fetch (DNS, connect, answer, body) may take. */
        timeout: z.number().int().min(1).max(60).default(5),
        /** Bytes a fetched document may have at most. */
        max_bytes: z
          .number()
          .int()
          .min(1024)
          .max(16 * 1024 * 1024)
          .default(512 * 1024),
        /**
         * Development: plain http URLs and loopback addresses (127.0.0.0/8, ::1) may be fetched.
         * Unset: true when the issuer is an http:// URL on a loopback host, false otherwise.
         */
        allow_loopback: z.boolean().optional(),
      })
      .strict()
      .default({ timeout: 5, max_bytes: 512 * 1024 }),
    /** pino level: fatal, error, warn, info, debug, trace or silent. */
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict()
  .superRefine((config, ctx) => {
    // openid, profile and email are supported whatever supported_scopes says (core/oidc/claims.ts).
    const supported = new Set(withOidcScopes(config.supported_scopes));
    for (const scope of config.default_scope.split(' ').filter(Boolean)) {
      if (!supported.has(scope)) {
        ctx.addIssue({ code: 'custom', path: ['default_scope'], message: `"${scope}" is not in supported_scopes` });
      }
    }
    if (config.password_min_length > config.password_max_length) {
      ctx.addIssue({ code: 'custom', path: ['password_min_length'], message: 'must not exceed password_max_length' });
    }
    // On a SQLite file the key is generated beside the database when unset (config/key-file.ts).
    if (config.access_token_format === 'jwt' && config.key_encryption_key === undefined && !isSqlite(config.database)) {
      ctx.addIssue({
        code: 'custom',
        path: ['key_encryption_key'],
        message:
          'is required when access_token_format is jwt (e.g. GATEHOUSE_KEY_ENCRYPTION_KEY=$(openssl rand -base64 32))',
      });
    }
    for (const scope of config.client_registration.allowed_scopes ?? []) {
      if (!supported.has(scope))
        ctx.addIssue({
          code: 'custom',
          path: ['client_registration', 'allowed_scopes'],
          message: `"${scope}" is not in supported_scopes`,
        });
    }
    for (const scope of Object.keys(config.scope_descriptions)) {
      if (!supported.has(scope)) {
        ctx.addIssue({ code: 'custom', path: ['scope_descriptions', scope], message: 'is not in supported_scopes' });
      }
    }
  });

export type ConfigInput = z.input<typeof configSchema>;
type ParsedConfig = z.output<typeof configSchema>;
export type GatehouseConfig = ParsedConfig & {
  issuer: string;
  access_token_audience: string;
  mail: ParsedConfig['mail'] & { from: string };
  outbound_fetch: ParsedConfig['outbound_fetch'] & { allow_loopback: boolean };
};

/** Null when `value` is an IP address or a CIDR range (10.0.0.0/8, fd00::/8). */
export function addressRangeProblem(value: string): string | null {
  const [address = '', prefix, ...rest] = value.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return 'not an IP address';
  if (prefix === undefined) return null;
  const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : -1;
  return bits >= 0 && bits <= (family === 4 ? 32 : 128) ? null : 'not a prefix length';
}

function issuerProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https (or, for development, http) URL';
  if (url.search || url.hash || value.includes('?') || value.includes('#'))
    return 'must not have a query or fragment (RFC 8414 §2)';
  return null;
}

/** `sqlite:` URLs: their key_encryption_key can be generated in `<database>.kek` when none is set. */
function isSqlite(database: string): boolean {
  return database.startsWith('sqlite:');
}
