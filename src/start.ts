/**
 * The composition root: the one place that opens the storage, wires accounts, audit, keys and
 * grants together and puts the HTTP server in front of them. `gatehouse serve` is this plus signals
 * and a banner; the test harness is this plus a cheap password hasher and a manual clock.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { MailQueue, OutboxMailer, SmtpMailer, type Mailer } from './accounts/mail/mailer.js';
import { MailTemplates } from './accounts/mail/templates.js';
import {
  argon2Passwords,
  asPasswordHasher,
  limitPasswordQueue,
  type PasswordHasher,
  type PasswordVerifier,
} from './accounts/passwords.js';
import { BackgroundTasks } from './accounts/background.js';
import { AuditLog } from './audit/audit-log.js';
import { SecurityEvents } from './audit/events.js';
import { Profile } from './accounts/profile.js';
import { Registration } from './accounts/registration.js';
import { PasswordResetting } from './accounts/resetting.js';
import { AccountMail, type SelfServiceContext } from './accounts/self-service.js';
import { PendingAuthorizations } from './accounts/pending-authorizations.js';
import { Sessions } from './accounts/sessions.js';
import { Throttle } from './accounts/throttle.js';
import { canonicalize } from './accounts/canonical.js';
import { TrustedDevices } from './accounts/devices.js';
import { ResourceOwnerSignIn, signIn } from './accounts/authenticate.js';
import { AuthorizationEndpoint } from './core/authorize.js';
import { cryptoIds, systemClock, type Clock, type IdSource } from './core/clock.js';
import { IntrospectionEndpoint } from './core/introspection.js';
import { ClientAuthenticator } from './core/client-auth.js';
import { KeyEncryption } from './core/key-encryption.js';
import { KeyRing } from './core/keys.js';
import { RevocationEndpoint } from './core/revocation.js';
import type { ExtensionGrant } from './core/grants/extension.js';
import type { RemoteKeySets } from './core/ports/remote-keys.js';
import { createGrantRegistry } from './core/grants/registry.js';
import { serverMetadata } from './core/metadata.js';
import { TokenEndpoint } from './core/token-endpoint.js';
import { TokenMinter } from './core/tokens.js';
import type { GatehouseConfig } from './config/schema.js';
import { assertionSettings, NO_REMOTE_KEY_SETS } from './config/assertions.js';
import type { Store, ThrottleStore } from './storage/store.js';
import { ConfigError, databaseLocation } from './config/load.js';
import { buildHttpServer } from './http/server.js';
import type { HttpServices } from './http/services.js';
import { type CleanupSchedule, type Every, scheduleCleanup } from './storage/cleanup-schedule.js';
import { openStore } from './storage/open.js';
import type { SqlStore } from './storage/sql-store.js';

/** What composeServices takes, but the store: opened from config.database unless given. */
export interface StartOptions extends Omit<ComposeOptions, 'store'> {
  /** An open store (the caller closes it); by default `config.database` is opened here and closed by close(). */
  store?: SqlStore;
  /** Apply pending migrations before serving (default true). */
  migrate?: boolean;
  /** Listen on config.host:config.port (default true); false builds the app for `app.inject` only. */
  listen?: boolean;
  /** Run the periodic clean-up every config.cleanup_interval seconds (default true). */
  scheduleCleanup?: boolean;
  /** What repeats the clean-up: setInterval unless given (a test harness ticks it by hand). */
  every?: Every;
  /**
   * Called once everything is built, just before listening, with the function that closes it all:
   * `gatehouse serve` installs its signal handlers here, so a signal during start-up still ends the
   * process at once while one after the banner finds a server to stop gracefully.
   */
  beforeListen?: (close: () => Promise<void>) => void;
}

export interface RunningGatehouse {
  app: FastifyInstance;
  /** http://host:port the server listens on (the issuer is config.issuer); '' when not listening. */
  url: string;
  /** The wired services (what tests and the CLI reach into). */
  gatehouse: Services;
  /** The periodic clean-up; null when cleanup_interval is 0 or it was not asked for. */
  cleanup: CleanupSchedule | null;
  store: SqlStore;
  /** Stops accepting, lets in-flight requests finish, then releases everything start opened. Idempotent. */
  close(): Promise<void>;
}

export async function startGatehouse(options: StartOptions): Promise<RunningGatehouse> {
  const { config } = options;
  const logger = options.logger ?? pino({ level: 'silent' });
  const ownStore = !options.store;
  const store =
    options.store ??
    openStore(databaseLocation(config), { poolSize: config.database_pool_size, backgroundCheckpoints: true });
  // What this call opened, closed in this order: stop accepting and let in-flight requests finish,
  // stop the schedule, flush mail and audit, then the connections. Each step runs even if one before
  // it failed; the first failure is thrown at the end.
  let app: FastifyInstance | undefined;
  let cleanup: CleanupSchedule | undefined;
  let gatehouse: Services | undefined;
  let redis: { close(): Promise<void> } | undefined;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      const steps = [
        () => app?.close(),
        () => cleanup?.stop(),
        () => gatehouse?.close(),
        () => redis?.close(),
        () => (ownStore ? store.close() : undefined),
      ];
      const failures: unknown[] = [];
      for (const step of steps) {
        try {
          await step();
        } catch (error) {
          failures.push(error);
        }
      }
      if (failures.length > 0) throw failures[0];
    })());
  try {
    if (options.migrate ?? true) await store.migrate();
    let throttleStore = options.throttleStore;
    if (!throttleStore && config.rate_limit.redis_url) {
      const connected = await connectRedis(config.rate_limit.redis_url);
      redis = connected;
      throttleStore = connected;
    }
    gatehouse = composeServices({
      config,
      store,
      logger,
      throttleStore,
      clock: options.clock,
      ids: options.ids,
      passwords: options.passwords,
      mailer: options.mailer,
      auditLog: options.auditLog,
      grants: options.grants,
      remoteKeySets: options.remoteKeySets,
    });
    // Security events go to the audit_events table (composeServices does that) and to the log, but
    // for token.issued and client.authentication_failed: the request's own log line already says it
    // (status 200, or error invalid_client), once per token request.
    gatehouse.events.on((event) => {
      if (event.type !== 'token.issued' && event.type !== 'client.authentication_failed') {
        logger.info({ event }, 'security event');
      }
    });
    // Load (or, on a new database, create) the signing key now: a wrong key_encryption_key
    // stops start-up instead of failing every token request.
    if (config.access_token_format === 'jwt') await gatehouse.keys!.signingKey();
    app = buildHttpServer(gatehouse, logger);
    let url = '';
    if (options.listen ?? true) {
      options.beforeListen?.(close);
      await app.listen({ port: config.port, host: config.host });
      const { port } = app.server.address() as AddressInfo;
      url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    } else {
      await app.ready();
    }
    // Not when a stop began while listening: nothing would end the schedule.
    if (config.cleanup_interval > 0 && (options.scheduleCleanup ?? true) && !closing) {
      const { retention } = config.audit;
      cleanup = scheduleCleanup(store, gatehouse.clock, config.cleanup_interval, logger, retention, options.every);
    }
    return { app, url, gatehouse, cleanup: cleanup ?? null, store, close };
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
}

/** Everything start wires together: what HTTP is handed, plus what only tests and the CLI reach for. */
export interface Services extends HttpServices {
  readonly store: Store;
  readonly clock: Clock;
  readonly passwords: PasswordHasher;
  /** Brute-force protection for the sign-in form, the password grant and client authentication. */
  readonly throttle: Throttle;
  /** Device cookies and confidential clients' known accounts: exempt from the address counters. */
  readonly devices: TrustedDevices;
  readonly keys: KeyRing | null;
  readonly events: SecurityEvents;
  readonly auditLog: AuditLog | null;
  readonly mail: AccountMail;
  /** Key sets at the URLs clients and trusted issuers name. */
  readonly remoteKeySets: RemoteKeySets;
  /** Lets e-mails still on their way go out and writes the queued audit events (the store stays open). */
  close(): Promise<void>;
}

export interface ComposeOptions {
  config: GatehouseConfig;
  store: Store;
  clock?: Clock;
  ids?: IdSource;
  /** argon2id at production cost unless given (test harnesses bring a cheap hasher; nothing in config lowers it). */
  passwords?: PasswordHasher | PasswordVerifier;
  /** Where brute-force counters live: the store unless given (startGatehouse connects rate_limit.redis_url). */
  throttleStore?: ThrottleStore;
  /** Where e-mail goes; by default SMTP at mail.url, or the outbox folder. */
  mailer?: Mailer;
  /** For what happens outside a request (mail written, mail failures, listener errors); silent unless given. */
  logger?: Logger;
  /** Keep security events in the audit_events table (default true). */
  auditLog?: boolean;
  /**
   * The application's own grant types (RFC 6749 §4.5), added to the token endpoint after the
   * built-in ones: see ExtensionGrant in core/grants/extension.ts and the README.
   */
  grants?: readonly ExtensionGrant[];
  /** Fetches the key sets at clients' and trusted issuers' jwks_uri; none given: such keys cannot be had. */
  remoteKeySets?: RemoteKeySets;
}

/**
 * The explicit wiring: each service gets exactly the collaborators it uses. The one place that
 * knows which class implements which port (accounts' sign-in for core's ResourceOwnerAuthenticator,
 * the throttle for its client-authentication port, the event bus for its SecurityEventSink).
 */
export function composeServices(options: ComposeOptions): Services {
  const { config, store } = options;
  const url = (path: string) => `${config.issuer.replace(/\/+$/, '')}${path}`;
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? cryptoIds;
  const logger = options.logger ?? pino({ level: 'silent' });
  const events = new SecurityEvents((error) => logger.error({ err: error }, 'security event listener failed'));
  const auditLog =
    options.auditLog === false
      ? null
      : new AuditLog(store, logger, {
          failureWindow: config.audit.failure_window,
          maxFailureRows: config.audit.failure_rows,
        });
  if (auditLog) events.on(auditLog.record);
  const keys = config.key_encryption_key
    ? new KeyRing(store, clock, new KeyEncryption(config.key_encryption_key), {
        algorithm: config.jwt_signing_algorithm,
        maxTokenLifetime: config.access_token_lifetime,
      })
    : null;
  const minter = new TokenMinter(
    {
      accessTokenLifetime: config.access_token_lifetime,
      refreshTokenLifetime: config.refresh_token_lifetime,
      refreshTokenAbsoluteLifetime: config.refresh_token_absolute_lifetime,
    },
    clock,
    ids,
    config.access_token_format === 'jwt' && keys
      ? {
          kind: 'jwt',
          keys,
          issuer: config.issuer,
          audience: config.access_token_audience,
          userClaims: config.jwt_user_claims,
        }
      : { kind: 'opaque' },
  );
  // The password queue is the process's (argon2id's cores are): its bounds come from the settings.
  limitPasswordQueue({
    maxWaiting: config.password_hash_queue_length,
    maxWaitMs: config.password_hash_queue_timeout * 1000,
  });
  const passwords = asPasswordHasher(options.passwords ?? argon2Passwords);
  const throttle = new Throttle(options.throttleStore ?? store, clock, {
    threshold: config.login_throttle_threshold,
    maxDelay: config.login_throttle_max_delay,
    maxWait: config.login_throttle_max_wait,
  });
  const devices = new TrustedDevices(store, clock, ids);
  const scopes = { supported: config.supported_scopes, defaults: config.default_scope.split(' ').filter(Boolean) };
  const remoteKeySets = options.remoteKeySets ?? NO_REMOTE_KEY_SETS;
  const { clientAssertions, jwtBearer } = assertionSettings(config, { clock, usedIds: store, remoteKeySets });
  const grants = createGrantRegistry(
    {
      store,
      minter,
      clock,
      scopes,
      refreshTokenGracePeriod: config.refresh_token_grace_period,
      resourceOwners: new ResourceOwnerSignIn({
        store,
        passwords,
        throttle,
        devices,
        events,
        clock,
      }),
      events,
      users: {
        findById: (id) => store.findUserById(id),
        findByLogin: (login) => store.findUserByLogin(canonicalize(login)),
      },
      grantThrottle: throttle,
      jwtBearer,
    },
    options.grants,
  );
  const clients = new ClientAuthenticator({ clients: store, clock, throttle, events, assertions: clientAssertions });
  const tokenEndpoint = new TokenEndpoint(clients, grants, clock, events);
  const authorizationEndpoint = new AuthorizationEndpoint(
    store,
    minter,
    clock,
    ids,
    {
      issuer: config.issuer,
      requirePkce: config.require_pkce,
      enforceState: config.enforce_state,
      codeLifetime: config.auth_code_lifetime,
      scopes,
    },
    events,
  );
  const revocationEndpoint = new RevocationEndpoint(store, clients, clock, events);
  const introspectionEndpoint = new IntrospectionEndpoint(store, clients, clock, {
    issuer: config.issuer,
    audience: config.access_token_audience,
  });
  const sessions = new Sessions(store, clock, ids, config.session_lifetime);
  const pendingAuthorizations = new PendingAuthorizations(store, clock, ids);

  const { mail: mailSettings } = config;
  const mailer =
    options.mailer ??
    (mailSettings.url
      ? new SmtpMailer(mailSettings.url, mailSettings.from)
      : new OutboxMailer(mailSettings.outbox, mailSettings.from, logger));
  const mail = new AccountMail(
    new MailQueue(mailer, logger, mailSettings.queue_limit),
    new MailTemplates(mailSettings.templates),
    new URL(config.issuer).host,
  );
  const selfService: SelfServiceContext = {
    store,
    clock,
    ids,
    passwords,
    policy: { minLength: config.password_min_length, maxLength: config.password_max_length },
    events,
    mail,
    throttle,
    devices,
    url,
  };
  const registration = new Registration(
    selfService,
    { confirmation: config.registration.confirmation, tokenTtl: config.registration.token_ttl },
    new BackgroundTasks({
      concurrency: 2,
      maxQueued: 1000,
      onError: (error) => logger.error({ err: error }, 'sign-up could not be stored'),
      onDropped: () => logger.error('sign-up dropped: too many waiting to be stored'),
    }),
  );
  const resetting = new PasswordResetting(
    selfService,
    { tokenTtl: config.resetting.token_ttl, retryTtl: config.resetting.retry_ttl },
    registration,
    new BackgroundTasks({
      concurrency: 2,
      maxQueued: 1000,
      onError: (error) => logger.error({ err: error }, 'password reset request failed'),
      onDropped: () => logger.warn('password reset request dropped: too many waiting'),
    }),
  );
  // The link to a new e-mail address works as long as a sign-up's confirmation link.
  const profile = new Profile(selfService, { tokenTtl: config.registration.token_ttl });
  return {
    config,
    store,
    clock,
    passwords,
    throttle,
    devices,
    keys,
    events,
    auditLog,
    mail,
    remoteKeySets,
    metadata: serverMetadata({
      issuer: config.issuer,
      tokenGrantTypes: tokenEndpoint.grantTypes,
      scopes: config.supported_scopes,
      publishesKeys: config.access_token_format === 'jwt',
    }),
    tokenEndpoint,
    authorizationEndpoint,
    revocationEndpoint,
    introspectionEndpoint,
    sessions,
    pendingAuthorizations,
    registration,
    resetting,
    profile,
    signIn: (login, password, address, context) =>
      signIn({ store, passwords, throttle, devices, events, clock }, login, password, address, context),
    async close() {
      // Reset requests still queued send their e-mails first.
      await resetting.idle();
      // Sign-ups already answered are stored, and their e-mails queued, first.
      await registration.idle();
      await Promise.all([mail.close(), auditLog?.close()]);
    },
  };
}

/** Connects to Redis at start-up, so a wrong rate_limit.redis_url stops the server at once. */
async function connectRedis(url: string) {
  // Loaded only when configured: most deployments never need the Redis client.
  const { RedisThrottleStore } = await import('./storage/redis-throttle-store.js');
  const throttleStore = new RedisThrottleStore(url);
  try {
    await throttleStore.connect();
  } catch (error) {
    await throttleStore.close();
    throw new ConfigError(`rate_limit.redis_url: cannot connect (${(error as Error).message})`);
  }
  return throttleStore;
}
