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
import { DeviceVerification } from './accounts/device-verification.js';
import { Sessions } from './accounts/sessions.js';
import { announcingSessionEnds, SessionLogout } from './accounts/logout.js';
import { BackChannelLogout } from './accounts/logout-deliveries.js';
import { LogoutRequests } from './accounts/logout-requests.js';
import { Throttle } from './accounts/throttle.js';
import { canonicalize } from './accounts/canonical.js';
import { TrustedDevices } from './accounts/devices.js';
import { ResourceOwnerSignIn, signIn } from './accounts/authenticate.js';
import { AuthorizationEndpoint } from './core/authorize.js';
import { cryptoIds, systemClock, type Clock, type IdSource } from './core/clock.js';
import { DeviceAuthorizationEndpoint } from './core/device-authorization.js';
import { IntrospectionEndpoint } from './core/introspection.js';
import { ClientAuthenticator } from './core/client-auth.js';
import { KeyEncryption } from './core/key-encryption.js';
import { KeyRing } from './core/keys.js';
import { withOidcScopes } from './core/oidc/claims.js';
import { IdTokenSigner } from './core/oidc/id-tokens.js';
import { GrantIdTokens } from './core/oidc/grant-id-tokens.js';
import { UserinfoEndpoint } from './core/oidc/userinfo.js';
import { Subjects } from './core/oidc/subjects.js';
import { RevocationEndpoint } from './core/revocation.js';
import type { ExtensionGrant } from './core/grants/extension.js';
import { createGrantRegistry } from './core/grants/registry.js';
import type { RemoteKeySets } from './core/ports.js';
import { serverMetadata } from './core/metadata.js';
import { TokenEndpoint } from './core/token-endpoint.js';
import { TokenMinter } from './core/tokens.js';
import type { GatehouseConfig } from './config/schema.js';
import { assertionSettings } from './config/assertions.js';
import { keyRingSettings } from './config/signing.js';
import type { Store, ThrottleStore } from './storage/store.js';
import type { HttpServices } from './http/services.js';
import { remoteJwksCache } from './outbound/remote-jwks.js';
import { GuardedFetcher } from './outbound/guarded-fetch.js';
import { composeClientRegistration } from './compose-client-registration.js';

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
  /** Key sets at the URLs clients and trusted issuers name (outbound_fetch). */
  readonly remoteKeySets: RemoteKeySets;
  /** Back-Channel Logout: the worker sending queued logout tokens; null without signing keys. */
  readonly logoutDeliveries: BackChannelLogout | null;
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
  /** Fetches the key sets at clients' and trusted issuers' jwks_uri: the guarded fetcher unless given. */
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
    ? new KeyRing(store, clock, new KeyEncryption(config.key_encryption_key), keyRingSettings(config))
    : null;
  // OpenID Connect: the sub each client sees (ID tokens, userinfo, JWT access tokens, introspection).
  const subjects = Subjects.keyedWith(config.key_encryption_key);
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
          subjects,
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
  // openid, profile and email are always supported (OpenID Connect); offline_access only when listed.
  const supportedScopes = withOidcScopes(config.supported_scopes);
  const scopes = { supported: supportedScopes, defaults: config.default_scope.split(' ').filter(Boolean) };
  // OpenID Connect: the ID tokens (and signed userinfo, logout tokens).
  const idTokens = keys
    ? new IdTokenSigner(keys, clock, { issuer: config.issuer, lifetime: config.oidc.id_token_lifetime })
    : null;
  // RFC 8707: a token whose request names no resource is for this audience, and any client may name it.
  const resources = { defaultAudience: config.access_token_audience };
  // Client assertions (private_key_jwt, client_secret_jwt) and the JWT bearer grant's issuers: keys
  // inline or fetched through the guarded fetcher (outbound_fetch).
  const remoteKeySets = options.remoteKeySets ?? remoteJwksCache(config.outbound_fetch, clock, logger);
  const { clientAssertions, jwtBearer } = assertionSettings(config, { clock, usedIds: store, remoteKeySets });
  // One client authentication for every endpoint that authenticates clients: throttled, audited.
  const clients = new ClientAuthenticator({ clients: store, clock, throttle, events, assertions: clientAssertions });
  const grants = createGrantRegistry(
    {
      store,
      minter,
      clock,
      scopes,
      resources,
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
      deviceCodes: store.deviceCodes,
      jwtBearer,
      ...(idTokens ? { idTokens: new GrantIdTokens(store.oidcGrants, subjects, idTokens) } : {}),
    },
    options.grants,
  );
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
      resources,
      ...(config.oidc.acr ? { acr: config.oidc.acr } : {}),
      // OpenID Connect: an id_token_hint is checked against the published keys.
      ...(keys ? { publishedKeys: () => keys.publishedKeys() } : {}),
    },
    events,
  );
  const { device_flow: deviceFlow } = config;
  const deviceAuthorizationEndpoint = new DeviceAuthorizationEndpoint(
    clients,
    store.deviceCodes,
    clock,
    ids,
    {
      verificationUri: url('/device'),
      expiresIn: deviceFlow.expires_in,
      interval: deviceFlow.interval,
      maxPendingPerClient: deviceFlow.max_pending_per_client,
      scopes,
    },
    {
      deviceAuthorizationRequested: (address) =>
        throttle.attempt(throttle.forDeviceAuthorizations(address, deviceFlow.requests_per_address)),
    },
  );
  const deviceVerification = new DeviceVerification({
    store: store.deviceCodes,
    clients: store,
    throttle,
    clock,
    alertPerMinute: deviceFlow.user_code_failure_alert,
    // Only an alert: many wrong codes from everywhere may be someone guessing, spread over addresses.
    onAlert: (failures) =>
      logger.warn({ failures_this_minute: failures }, 'many wrong device user codes: possible brute force'),
  });
  const revocationEndpoint = new RevocationEndpoint(store, clients, clock, events);
  const introspectionEndpoint = new IntrospectionEndpoint(
    store,
    clients,
    clock,
    { issuer: config.issuer, audience: config.access_token_audience },
    subjects,
  );
  // OpenID Connect logout: a session's end revokes its grants (but offline ones) and queues a
  // logout token for each client with a backchannel_logout_uri; the worker sends them, through
  // the guarded fetcher, never holding up the browser.
  const backchannelFetcher = new GuardedFetcher({
    timeoutMs: config.oidc.backchannel_logout_timeout * 1000,
    maxBytes: config.outbound_fetch.max_bytes,
    allowLoopback: config.outbound_fetch.allow_loopback,
  });
  const logoutDeliveries = idTokens
    ? new BackChannelLogout({
        store: store.logoutDeliveries,
        clients: store,
        signer: idTokens,
        post: (uri, fields) => backchannelFetcher.postForm(uri, fields),
        clock,
        logger,
        attempts: config.oidc.backchannel_logout_attempts,
        timeout: config.oidc.backchannel_logout_timeout,
      })
    : null;
  const sessionLogout = new SessionLogout({
    store,
    clock,
    ids,
    subjects,
    logger,
    queued: () => logoutDeliveries?.kick(),
  });
  const sessions = new Sessions(store, clock, ids, config.session_lifetime, sessionLogout.ended);
  const logoutRequests = new LogoutRequests(store.pendingLogouts, clock, ids);
  const pendingAuthorizations = new PendingAuthorizations(store, clock, ids);
  // RFC 7591/7592: clients registered by ClientRegistry, as `gatehouse client create` registers them.
  const clientRegistration = composeClientRegistration({ config, store, clock, ids, events, throttle, url });

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
    // A password reset or change ends every session of the user at once: their OpenID grants too.
    store: announcingSessionEnds(store, sessionLogout, clock),
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
    subjects,
    idTokens,
    events,
    auditLog,
    mail,
    remoteKeySets,
    metadata: serverMetadata({
      issuer: config.issuer,
      tokenGrantTypes: tokenEndpoint.grantTypes,
      scopes: supportedScopes,
      publishesKeys: keys !== null,
      registration: clientRegistration !== null,
      ...(config.oidc.acr ? { acr: config.oidc.acr } : {}),
    }),
    tokenEndpoint,
    authorizationEndpoint,
    revocationEndpoint,
    introspectionEndpoint,
    userinfo: new UserinfoEndpoint(store, subjects, idTokens, clock),
    deviceAuthorizationEndpoint,
    deviceVerification,
    sessions,
    logoutRequests,
    logoutDeliveries,
    pendingAuthorizations,
    clientRegistration,
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
      await Promise.all([mail.close(), auditLog?.close(), logoutDeliveries?.stop()]);
    },
  };
}
