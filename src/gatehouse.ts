import pino, { type Logger } from 'pino';
import { MailQueue, OutboxMailer, SmtpMailer, type Mailer } from './accounts/mail/mailer.js';
import { MailTemplates } from './accounts/mail/templates.js';
import { argon2Passwords, asPasswordHasher, limitPasswordQueue, type PasswordHasher, type PasswordVerifier } from './accounts/passwords.js';
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
import { TrustedDevices } from './accounts/devices.js';
import { ResourceOwnerSignIn } from './accounts/authenticate.js';
import { AuthorizationEndpoint } from './core/authorize.js';
import { cryptoIds, systemClock, type Clock, type IdSource } from './core/clock.js';
import { IntrospectionEndpoint } from './core/introspection.js';
import { KeyEncryption } from './core/key-encryption.js';
import { KeyRing } from './core/keys.js';
import { CODE_CHALLENGE_METHODS } from './core/pkce.js';
import { RevocationEndpoint } from './core/revocation.js';
import { AUTHORIZATION_ENDPOINT_GRANT_TYPES, createGrantRegistry } from './core/grants/registry.js';
import { RESPONSE_TYPES } from './core/response-types/index.js';
import { TokenEndpoint } from './core/token-endpoint.js';
import { TokenMinter } from './core/tokens.js';
import type { GatehouseConfig } from './config/schema.js';
import type { Store, ThrottleStore } from './storage/store.js';

export interface GatehouseOptions {
  config: GatehouseConfig;
  store: Store;
  clock?: Clock;
  ids?: IdSource;
  /** argon2id at production cost unless given (test harnesses bring a cheap hasher; nothing in config lowers it). */
  passwords?: PasswordHasher | PasswordVerifier;
  /** Where brute-force counters live; the store (the database) unless given (Redis). */
  throttleStore?: ThrottleStore;
  /** Where e-mail goes; by default SMTP at mail.url, or the outbox folder. */
  mailer?: Mailer;
  /** For what the core reports outside a request (mail written, mail failures, account events). */
  logger?: Logger;
  /** Keep security events in the audit_events table (default true). */
  auditLog?: boolean;
}

/** RFC 8414 authorization server metadata. */
export interface ServerMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  grant_types_supported: string[];
  response_types_supported: string[];
  response_modes_supported: string[];
  scopes_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  code_challenge_methods_supported: string[];
  revocation_endpoint: string;
  revocation_endpoint_auth_methods_supported: string[];
  introspection_endpoint: string;
  introspection_endpoint_auth_methods_supported: string[];
  /** Only when access tokens are JWTs: where resource servers find the verification keys. */
  jwks_uri?: string;
  /** RFC 9207: authorization responses carry `iss`. */
  authorization_response_iss_parameter_supported: boolean;
}

/** The protocol core wired to a store and a configuration: what every edge (HTTP, tests) uses. */
export class Gatehouse {
  readonly config: GatehouseConfig;
  readonly store: Store;
  readonly clock: Clock;
  readonly tokenEndpoint: TokenEndpoint;
  readonly authorizationEndpoint: AuthorizationEndpoint;
  readonly revocationEndpoint: RevocationEndpoint;
  readonly introspectionEndpoint: IntrospectionEndpoint;
  readonly sessions: Sessions;
  /** Authorization requests kept on the server across sign-in and the consent page (forms carry an opaque id). */
  readonly pendingAuthorizations: PendingAuthorizations;
  readonly passwords: PasswordHasher;
  /** Brute-force protection for the sign-in form, the password grant and client authentication. */
  readonly throttle: Throttle;
  /** Device cookies and confidential clients' known accounts: exempt from the address counters. */
  readonly devices: TrustedDevices;
  /** The JWT signing keys; null when no key_encryption_key is configured. */
  readonly keys: KeyRing | null;
  /** Security events as they happen: accounts, sign-ins, tokens, consents (the audit log and the metrics listen here). */
  readonly events: SecurityEvents;
  /** Writes `events` to the audit_events table in batches; null when turned off. */
  readonly auditLog: AuditLog | null;
  readonly mail: AccountMail;
  readonly registration: Registration;
  readonly resetting: PasswordResetting;
  readonly profile: Profile;

  constructor(options: GatehouseOptions) {
    this.config = options.config;
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    const ids = options.ids ?? cryptoIds;
    const logger = options.logger ?? pino({ level: 'silent' });
    this.events = new SecurityEvents((error) => logger.error({ err: error }, 'security event listener failed'));
    this.auditLog =
      options.auditLog === false
        ? null
        : new AuditLog(this.store, logger, { failureWindow: this.config.audit.failure_window, maxFailureRows: this.config.audit.failure_rows });
    if (this.auditLog) this.events.on(this.auditLog.record);
    this.keys = this.config.key_encryption_key
      ? new KeyRing(this.store, this.clock, new KeyEncryption(this.config.key_encryption_key), {
          algorithm: this.config.jwt_signing_algorithm,
          maxTokenLifetime: this.config.access_token_lifetime,
        })
      : null;
    const minter = new TokenMinter(
      {
        accessTokenLifetime: this.config.access_token_lifetime,
        refreshTokenLifetime: this.config.refresh_token_lifetime,
        refreshTokenAbsoluteLifetime: this.config.refresh_token_absolute_lifetime,
      },
      this.clock,
      ids,
      this.config.access_token_format === 'jwt' && this.keys
        ? { kind: 'jwt', keys: this.keys, issuer: this.config.issuer, audience: this.config.access_token_audience, userClaims: this.config.jwt_user_claims }
        : { kind: 'opaque' },
    );
    // The password queue is the process's (argon2id's cores are): its bounds come from the settings.
    limitPasswordQueue({ maxWaiting: this.config.password_hash_queue_length, maxWaitMs: this.config.password_hash_queue_timeout * 1000 });
    this.passwords = asPasswordHasher(options.passwords ?? argon2Passwords);
    this.throttle = new Throttle(options.throttleStore ?? this.store, this.clock, {
      threshold: this.config.login_throttle_threshold,
      maxDelay: this.config.login_throttle_max_delay,
      maxWait: this.config.login_throttle_max_wait,
    });
    this.devices = new TrustedDevices(this.store, this.clock, ids);
    const scopes = { supported: this.config.supported_scopes, defaults: this.config.default_scope.split(' ').filter(Boolean) };
    const grants = createGrantRegistry({
      store: this.store,
      minter,
      clock: this.clock,
      scopes,
      refreshTokenGracePeriod: this.config.refresh_token_grace_period,
      resourceOwners: new ResourceOwnerSignIn({
        store: this.store,
        passwords: this.passwords,
        throttle: this.throttle,
        devices: this.devices,
        events: this.events,
        clock: this.clock,
      }),
      events: this.events,
    });
    this.tokenEndpoint = new TokenEndpoint(this.store, grants, this.clock, this.throttle, this.events);
    this.authorizationEndpoint = new AuthorizationEndpoint(this.store, minter, this.clock, ids, {
      issuer: this.config.issuer,
      requirePkce: this.config.require_pkce,
      enforceState: this.config.enforce_state,
      codeLifetime: this.config.auth_code_lifetime,
      scopes,
    }, this.events);
    this.revocationEndpoint = new RevocationEndpoint(this.store, this.clock, this.events);
    this.introspectionEndpoint = new IntrospectionEndpoint(this.store, this.clock, {
      issuer: this.config.issuer,
      audience: this.config.access_token_audience,
    });
    this.sessions = new Sessions(this.store, this.clock, ids, this.config.session_lifetime);
    this.pendingAuthorizations = new PendingAuthorizations(this.store, this.clock, ids);

    const { mail } = this.config;
    const mailer = options.mailer ?? (mail.url ? new SmtpMailer(mail.url, mail.from) : new OutboxMailer(mail.outbox, mail.from, logger));
    this.mail = new AccountMail(new MailQueue(mailer, logger, mail.queue_limit), new MailTemplates(mail.templates), new URL(this.config.issuer).host);
    const selfService: SelfServiceContext = {
      store: this.store,
      clock: this.clock,
      ids,
      passwords: this.passwords,
      policy: { minLength: this.config.password_min_length, maxLength: this.config.password_max_length },
      events: this.events,
      mail: this.mail,
      throttle: this.throttle,
      devices: this.devices,
      url: (path) => this.url(path),
    };
    this.registration = new Registration(
      selfService,
      { confirmation: this.config.registration.confirmation, tokenTtl: this.config.registration.token_ttl },
      new BackgroundTasks({
        concurrency: 2,
        maxQueued: 1000,
        onError: (error) => logger.error({ err: error }, 'sign-up could not be stored'),
        onDropped: () => logger.error('sign-up dropped: too many waiting to be stored'),
      }),
    );
    this.resetting = new PasswordResetting(
      selfService,
      { tokenTtl: this.config.resetting.token_ttl, retryTtl: this.config.resetting.retry_ttl },
      this.registration,
      new BackgroundTasks({
        concurrency: 2,
        maxQueued: 1000,
        onError: (error) => logger.error({ err: error }, 'password reset request failed'),
        onDropped: () => logger.warn('password reset request dropped: too many waiting'),
      }),
    );
    // The link to a new e-mail address works as long as a sign-up's confirmation link.
    this.profile = new Profile(selfService, { tokenTtl: this.config.registration.token_ttl });
  }

  /** Lets e-mails still on their way go out and writes the queued audit events. The store is closed by whoever opened it. */
  async close(): Promise<void> {
    // Reset requests still queued send their e-mails first.
    await this.resetting.idle();
    // Sign-ups already answered are stored, and their e-mails queued, first.
    await this.registration.idle();
    await Promise.all([this.mail.close(), this.auditLog?.close()]);
  }

  /** An absolute URL on this server for a path such as /oauth/token. */
  url(path: string): string {
    return `${this.config.issuer.replace(/\/+$/, '')}${path}`;
  }

  metadata(): ServerMetadata {
    return {
      issuer: this.config.issuer,
      authorization_endpoint: this.url('/oauth/authorize'),
      token_endpoint: this.url('/oauth/token'),
      // The token endpoint's grants, then those used only through a response type: implicit
      // (response_type=token) exists only for clients registered for it (RFC 9700 §2.1.2).
      grant_types_supported: [...this.tokenEndpoint.grantTypes, ...AUTHORIZATION_ENDPOINT_GRANT_TYPES],
      response_types_supported: [...RESPONSE_TYPES.keys()],
      response_modes_supported: ['query', 'fragment'],
      scopes_supported: [...this.config.supported_scopes],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      code_challenge_methods_supported: [...CODE_CHALLENGE_METHODS],
      authorization_response_iss_parameter_supported: true,
      revocation_endpoint: this.url('/oauth/revoke'),
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      introspection_endpoint: this.url('/oauth/introspect'),
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      ...(this.config.access_token_format === 'jwt' ? { jwks_uri: this.url('/.well-known/jwks.json') } : {}),
    };
  }
}
