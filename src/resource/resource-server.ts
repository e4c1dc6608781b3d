/**
 * The resource-server side of OAuth 2: decides whether a request to your own API carries a
 * valid access token (RFC 6750) and whether its scopes allow the route. JWT access tokens
 * (RFC 9068) are checked locally against the issuer's keys; opaque ones by introspection
 * (RFC 7662). Nothing here needs a Gatehouse in the same process, or any of its code.
 */
import {
  expressMiddleware,
  fastifyPreHandler,
  nodeHandler,
  type ExpressMiddleware,
  type FastifyPreHandler,
  type NodeAccessHandler,
  type NodeRequestListener,
} from './adapters.js';
import { extractBearerToken, type BearerRequest } from './bearer-token.js';
import { BearerError } from './errors.js';
import { IntrospectionClient } from './introspection.js';
import { JwtVerifier } from './jwt.js';
import type { AccessInfo, ResolvedSettings, ScopeRoleNaming, ScopeRule, TokenFormat } from './types.js';

export type { AccessInfo, ResolvedSettings, ScopeRoleNaming, ScopeRule, TokenFormat } from './types.js';

export interface IntrospectionSettings {
  /** This API's own client id at the authorization server (for Gatehouse: a client created with `--introspect`). */
  clientId: string;
  /** That client's secret, sent with HTTP Basic (RFC 6749 §2.3.1). */
  clientSecret: string;
  /** The RFC 7662 endpoint. Default: `${issuer}/oauth/introspect`. */
  endpoint?: string;
  /**
   * Seconds an "active" answer is reused before asking again; never beyond the token's `exp`.
   * A revoked token keeps working here for at most this long. 0 turns caching off. Default 60.
   */
  cacheMaxAge?: number;
  /** Most answers kept in memory; the least recently used goes first. Default 10000. */
  cacheSize?: number;
}

export interface ResourceServerOptions {
  /**
   * The authorization server's issuer identifier, e.g. `https://auth.example.com`. A JWT's
   * `iss` must equal it exactly; the default JWKS and introspection URLs are built from it.
   */
  issuer: string;
  /** The `aud` a JWT must name (one of them, for a list): this API's identifier. Default: the issuer. */
  audience?: string | string[];
  /** Where the issuer publishes its signing keys. Default: `${issuer}/.well-known/jwks.json`. */
  jwksUri?: string;
  /** Credentials and cache for introspecting opaque tokens. Without it only JWTs are accepted. */
  introspection?: IntrospectionSettings;
  /**
   * How tokens are checked. `'jwt'`: locally, as RFC 9068 JWTs. `'opaque'`: always by
   * introspection (needs `introspection`). `'auto'` (default): a token of three dot-separated
   * base64url parts as a JWT, anything else by introspection — refused as invalid_token when
   * `introspection` is not configured.
   */
  tokenFormat?: TokenFormat;
  /**
   * Accept `access_token` in an application/x-www-form-urlencoded body (RFC 6750 §2.2; never on
   * GET). Default false. The node:http adapter then reads such bodies itself (see `node`).
   */
  allowBodyToken?: boolean;
  /** Accept `access_token` in the query string (RFC 6750 §2.3; it leaks into logs). Default false. */
  allowQueryToken?: boolean;
  /** The realm named in WWW-Authenticate challenges. Default `'api'`. */
  realm?: string;
  /** Seconds of leeway when checking exp and nbf, for clocks slightly apart. Default 5. */
  clockTolerance?: number;
  /** The fetch used for the JWKS and introspection (a proxy, custom TLS, a test double). Default: global fetch. */
  fetch?: typeof fetch;
  /** The current time in seconds since the epoch. For tests; default the system clock. */
  now?: () => number;
  /**
   * How each granted scope is named in `AccessInfo.roles`. Default `{ prefix: 'SCOPE_' }`:
   * `SCOPE_` + the scope as it is (`admin` → `SCOPE_admin`), a namespace apart from the user's
   * roles (`ROLE_*`), so a client granted the scope `admin` never looks like an admin user.
   * `{ prefix: 'ROLE_', upperCase: true }` restores the names of Gatehouse 0.1
   * (FOSOAuthServerBundle's `ROLE_ADMIN`): only where no user role can be confused with a scope.
   */
  scopeRoles?: ScopeRoleNaming;
}

/** `SCOPE_` + the scope as granted. */
export const DEFAULT_SCOPE_ROLES: Readonly<Required<ScopeRoleNaming>> = Object.freeze({
  prefix: 'SCOPE_',
  upperCase: false,
});

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

function scopeRule(mode: ScopeRule['mode'], scopes: string[]): ScopeRule {
  if (scopes.length === 0)
    throw new TypeError(`${mode === 'all' ? 'requireScope' : 'requireAnyScope'}() needs at least one scope`);
  for (const scope of scopes) {
    if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope))
      throw new TypeError(`not a scope token (RFC 6749 §3.3): ${JSON.stringify(scope)}`);
  }
  return Object.freeze({ mode, scopes: Object.freeze([...new Set(scopes)]) });
}

/** The token must carry every one of these scopes. */
export function requireScope(...scopes: string[]): ScopeRule {
  return scopeRule('all', scopes);
}

/** The token must carry at least one of these scopes. */
export function requireAnyScope(...scopes: string[]): ScopeRule {
  return scopeRule('any', scopes);
}

export interface ResourceServer {
  /** Establishes who calls. Throws BearerError (missing, malformed, invalid token; checker unavailable). */
  authenticate(request: BearerRequest): Promise<AccessInfo>;
  /** Throws BearerError insufficient_scope (403) unless the token's scopes satisfy the rule. */
  check(access: AccessInfo, rule: ScopeRule): void;
  /**
   * A Fastify 5 `preHandler`: answers errors itself, else sets `request.gatehouse`. Without a
   * rule it only authenticates. Fastify parses no form bodies by itself: for `allowBodyToken`
   * register @fastify/formbody.
   */
  fastify(rule?: ScopeRule): FastifyPreHandler;
  /**
   * An Express 5 middleware: answers errors itself, else sets `req.gatehouse` and
   * `res.locals.gatehouse`. For `allowBodyToken`, put `express.urlencoded()` before it.
   */
  express(rule?: ScopeRule): ExpressMiddleware;
  /**
   * A `node:http` request listener that calls `handler(req, res, access)` once the request
   * passes. With `allowBodyToken` it reads form bodies (64 KiB at most) and hands them to the
   * handler as `req.body`, a URLSearchParams. A handler that throws gets a 500 answer.
   */
  node(handler: NodeAccessHandler): NodeRequestListener;
  node(rule: ScopeRule | undefined, handler: NodeAccessHandler): NodeRequestListener;
  /** The settings in force, defaults filled in (no secrets). */
  readonly settings: ResolvedSettings;
}

/** Three base64url parts separated by dots (the signature part of an unsigned JWT is empty). */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const BEARER_PREFIX = /^bearer /i;

export function createResourceServer(options: ResourceServerOptions): ResourceServer {
  const settings = resolveSettings(options);
  const now = options.now ?? (() => Date.now() / 1000);
  const jwt =
    settings.tokenFormat === 'opaque'
      ? null
      : new JwtVerifier({
          issuer: settings.issuer,
          audience: settings.audience,
          jwksUri: settings.jwksUri,
          clockTolerance: settings.clockTolerance,
          fetch: options.fetch,
          now,
        });
  const introspection = options.introspection
    ? new IntrospectionClient({
        endpoint: settings.introspectionEndpoint!,
        clientId: options.introspection.clientId,
        clientSecret: options.introspection.clientSecret,
        cacheMaxAge: options.introspection.cacheMaxAge ?? 60,
        cacheSize: options.introspection.cacheSize ?? 10_000,
        issuer: settings.issuer,
        audience: settings.audience,
        clockTolerance: settings.clockTolerance,
        fetch: options.fetch,
        now,
      })
    : null;

  // Per server: two servers with different scopeRoles may see the same verified claims.
  const jwtAccessInfos = new WeakMap<object, AccessInfo>();
  const toAccessInfo = (claims: Record<string, unknown>, tokenFormat: AccessInfo['tokenFormat']) =>
    accessInfo(claims, tokenFormat, settings.scopeRoles);
  /**
   * A verified JWT's payload is the same frozen object on every request that presents the token
   * (JwtVerifier remembers it), so what is derived from it is computed once. Each request gets its
   * own AccessInfo object; the arrays and claims in it are frozen and shared.
   */
  function jwtAccessInfo(claims: Record<string, unknown>): AccessInfo {
    let info = jwtAccessInfos.get(claims);
    if (!info) {
      info = toAccessInfo(claims, 'jwt');
      Object.freeze(info.scopes);
      Object.freeze(info.roles);
      jwtAccessInfos.set(claims, info);
    }
    return { ...info };
  }

  const inRealm = (error: unknown) => (error instanceof BearerError ? error.withRealm(settings.realm) : error);

  async function authenticate(request: BearerRequest): Promise<AccessInfo> {
    try {
      const token = extractBearerToken(request, settings);
      const checkAsJwt = settings.tokenFormat === 'jwt' || (settings.tokenFormat === 'auto' && JWT_SHAPE.test(token));
      if (checkAsJwt) return jwtAccessInfo(await jwt!.verify(token));
      if (!introspection) throw BearerError.invalidToken('this API accepts JWT access tokens only');
      return toAccessInfo(await introspection.introspect(token), 'opaque');
    } catch (error) {
      throw inRealm(error);
    }
  }

  function check(access: AccessInfo, rule: ScopeRule): void {
    const granted = new Set(access.scopes);
    if (rule.mode === 'all') {
      const missing = rule.scopes.filter((scope) => !granted.has(scope));
      if (missing.length > 0)
        throw inRealm(
          BearerError.insufficientScope(`the access token lacks the scope ${missing.join(' ')}`, rule.scopes),
        );
    } else if (!rule.scopes.some((scope) => granted.has(scope))) {
      throw inRealm(
        BearerError.insufficientScope(`the access token needs one of the scopes ${rule.scopes.join(' ')}`, rule.scopes),
      );
    }
  }

  /**
   * The common case answered without a promise: exactly `Authorization: Bearer <token>` in
   * Node's headers, for a JWT verified before (so it passed every check, extraction included).
   * Anything else returns undefined and takes authenticate().
   */
  function rememberedAccess(request: BearerRequest): AccessInfo | undefined {
    if (!jwt || settings.allowBodyToken || settings.allowQueryToken) return undefined;
    const header = (request.headers as Record<string, unknown> | undefined)?.authorization;
    if (typeof header !== 'string' || !BEARER_PREFIX.test(header)) return undefined;
    try {
      const claims = jwt.remembered(header.slice(7));
      return claims && jwtAccessInfo(claims);
    } catch (error) {
      throw inRealm(error);
    }
  }

  const core = { authenticate, rememberedAccess, check, settings };
  function node(
    ruleOrHandler: ScopeRule | NodeAccessHandler | undefined,
    maybeHandler?: NodeAccessHandler,
  ): NodeRequestListener {
    if (typeof ruleOrHandler === 'function') return nodeHandler(core, undefined, ruleOrHandler);
    if (typeof maybeHandler !== 'function') throw new TypeError('node(rule, handler) needs a handler function');
    return nodeHandler(core, ruleOrHandler, maybeHandler);
  }
  return {
    authenticate,
    check,
    fastify: (rule) => fastifyPreHandler(core, rule),
    express: (rule) => expressMiddleware(core, rule),
    node: node as ResourceServer['node'],
    settings,
  };
}

function resolveSettings(options: ResourceServerOptions): ResolvedSettings {
  if (typeof options?.issuer !== 'string' || !URL.canParse(options.issuer))
    throw new TypeError('issuer must be an absolute URL, e.g. "https://auth.example.com"');
  const base = options.issuer.replace(/\/+$/, '');
  const audience =
    options.audience === undefined
      ? [options.issuer]
      : typeof options.audience === 'string'
        ? [options.audience]
        : [...options.audience];
  if (audience.length === 0 || !audience.every((value) => typeof value === 'string' && value !== ''))
    throw new TypeError('audience must be a non-empty string or list of strings');
  const tokenFormat = options.tokenFormat ?? 'auto';
  if (!['jwt', 'opaque', 'auto'].includes(tokenFormat))
    throw new TypeError(`tokenFormat must be 'jwt', 'opaque' or 'auto', not ${JSON.stringify(tokenFormat)}`);
  const jwksUri = options.jwksUri ?? `${base}/.well-known/jwks.json`;
  if (!URL.canParse(jwksUri)) throw new TypeError('jwksUri must be an absolute URL');

  let introspectionEndpoint: string | null = null;
  if (options.introspection) {
    const { clientId, clientSecret, endpoint, cacheMaxAge, cacheSize } = options.introspection;
    if (typeof clientId !== 'string' || clientId === '' || typeof clientSecret !== 'string' || clientSecret === '') {
      throw new TypeError('introspection needs the clientId and clientSecret of this API at the authorization server');
    }
    introspectionEndpoint = endpoint ?? `${base}/oauth/introspect`;
    if (!URL.canParse(introspectionEndpoint)) throw new TypeError('introspection.endpoint must be an absolute URL');
    if (cacheMaxAge !== undefined && !(Number.isFinite(cacheMaxAge) && cacheMaxAge >= 0))
      throw new TypeError('introspection.cacheMaxAge must be a number of seconds ≥ 0');
    if (cacheSize !== undefined && !(Number.isInteger(cacheSize) && cacheSize >= 1))
      throw new TypeError('introspection.cacheSize must be an integer ≥ 1');
  } else if (tokenFormat === 'opaque') {
    throw new TypeError("tokenFormat 'opaque' needs the introspection option");
  }

  const clockTolerance = options.clockTolerance ?? 5;
  if (!(Number.isFinite(clockTolerance) && clockTolerance >= 0))
    throw new TypeError('clockTolerance must be a number of seconds ≥ 0');
  const realm = options.realm ?? 'api';
  if (typeof realm !== 'string') throw new TypeError('realm must be a string');
  return {
    issuer: options.issuer,
    audience,
    jwksUri,
    introspectionEndpoint,
    tokenFormat,
    allowBodyToken: options.allowBodyToken === true,
    allowQueryToken: options.allowQueryToken === true,
    realm,
    clockTolerance,
    scopeRoles: resolveScopeRoles(options.scopeRoles),
  };
}

/** The claims the token checks have vouched for, as the shape an API works with. */
function accessInfo(
  claims: Record<string, unknown>,
  tokenFormat: AccessInfo['tokenFormat'],
  naming: Required<ScopeRoleNaming>,
): AccessInfo {
  const clientId = claims.client_id as string;
  const scopes =
    typeof claims.scope === 'string' ? [...new Set(claims.scope.split(' ').filter((scope) => scope !== ''))] : [];
  const claimedRoles = Array.isArray(claims.roles)
    ? claims.roles.filter((role): role is string => typeof role === 'string')
    : [];
  const info: AccessInfo = {
    // RFC 7662 makes sub optional; a client_credentials token has the client as its subject.
    sub: typeof claims.sub === 'string' ? claims.sub : clientId,
    clientId,
    scopes,
    roles: [...new Set([...scopes.map((scope) => scopeRole(scope, naming)), ...claimedRoles])],
    expiresAt: claims.exp as number,
    tokenFormat,
    claims,
  };
  if (typeof claims.username === 'string') info.username = claims.username;
  return info;
}

/**
 * The role name of a granted scope: by default `SCOPE_` + the scope as it is (`admin` →
 * `SCOPE_admin`). `{ prefix: 'ROLE_', upperCase: true }` gives FOSOAuthServerBundle's (and
 * Gatehouse 0.1's) `notes:read` → `ROLE_NOTES_READ`.
 */
export function scopeRole(scope: string, naming: ScopeRoleNaming = DEFAULT_SCOPE_ROLES): string {
  const { prefix = DEFAULT_SCOPE_ROLES.prefix, upperCase = false } = naming;
  return `${prefix}${upperCase ? scope.toUpperCase().replace(/[^A-Z0-9]/g, '_') : scope}`;
}

function resolveScopeRoles(naming: ScopeRoleNaming | undefined): Readonly<Required<ScopeRoleNaming>> {
  if (naming === undefined) return DEFAULT_SCOPE_ROLES;
  if (typeof naming !== 'object' || naming === null)
    throw new TypeError("scopeRoles must be an object, e.g. { prefix: 'SCOPE_' }");
  const { prefix = DEFAULT_SCOPE_ROLES.prefix, upperCase = false } = naming;
  if (typeof prefix !== 'string') throw new TypeError('scopeRoles.prefix must be a string');
  if (typeof upperCase !== 'boolean') throw new TypeError('scopeRoles.upperCase must be true or false');
  return Object.freeze({ prefix, upperCase });
}
