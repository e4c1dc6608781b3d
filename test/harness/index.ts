/**
 * The in-process test server: the real app (startGatehouse, the same composition root `gatehouse
 * serve` uses) on a real database, in the test's own process, with a manual clock and a cheap
 * password hasher.
 *
 *   const fx = await startTestServer({ engine: 'postgres', env: { GATEHOUSE_SUPPORTED_SCOPES: 'read' } });
 *   const client = await fx.createClient(['--grant-type', 'client_credentials']);
 *   await tokenRequest(fx.url, { grant_type: 'client_credentials' }, { basic: [client.client_id, client.client_secret!] });
 *   fx.clock.advance(3600);
 *   await fx.close();
 *
 * Every server started here is closed when its test file ends as well, whatever the test did.
 * Only tests of the process itself (CLI exit codes, signals, kill -9, several nodes) spawn
 * `gatehouse serve` (test/helpers/server.ts).
 */
import type { ExtensionGrant } from '../../src/core/grants/extension.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { atFileEnd } from '../helpers/file-end.js';
import type { Mailer } from '../../src/accounts/mail/mailer.js';
import type { PasswordHasher, PasswordVerifier } from '../../src/accounts/passwords.js';
import { UserAccounts, type NewUser } from '../../src/accounts/users.js';
import { loadConfig } from '../../src/config/load.js';
import type { ConfigInput, GatehouseConfig } from '../../src/config/schema.js';
import { registeredAuthMethod } from '../../src/core/client-methods.js';
import { ClientRegistry } from '../../src/core/clients.js';
import { withOidcScopes } from '../../src/core/oidc/claims.js';
import { guardedDocuments } from '../../src/outbound/documents.js';
import { CLIENT_SECRET_ENCRYPTION, KeyEncryption } from '../../src/core/key-encryption.js';
import type { RemoteKeySets } from '../../src/core/ports/remote-keys.js';
import { ManualClock, type Clock } from '../../src/core/clock.js';
import type { Services } from '../../src/compose.js';
import { createLogger } from '../../src/logging.js';
import { startGatehouse } from '../../src/start.js';
import type { SqlStore } from '../../src/storage/sql-store.js';
import type { ClientRecord, ThrottleStore } from '../../src/storage/store.js';
import {
  createMigratedPostgresDatabase,
  createMigratedSqliteDatabase,
  type Engine,
  type TestDatabase,
} from '../helpers/databases.js';
import { freePort } from '../helpers/server.js';
import { cheapPasswords } from './passwords.js';

export { cheapPasswords } from './passwords.js';

export interface TestServerOptions {
  /** Default sqlite (a real file in a temporary folder). */
  engine?: Engine;
  /** Share one database between servers (several nodes); its owner cleans it up. Overrides `engine`. */
  database?: TestDatabase;
  /** Settings as a config file would hold them (flags win over env, as in the CLI). */
  config?: Partial<ConfigInput>;
  /** GATEHOUSE_* variables, exactly as a spawned `gatehouse serve` would read them. */
  env?: Record<string, string>;
  /** A manual clock starting now unless given; advance it instead of sleeping. */
  clock?: Clock;
  /** The cheap argon2id unless given (pass argon2Passwords to pay production cost). */
  passwords?: PasswordHasher | PasswordVerifier;
  mailer?: Mailer;
  throttleStore?: ThrottleStore;
  /** Listen on 127.0.0.1 (default true); false builds the app for `app.inject` only. */
  listen?: boolean;
  /** Security events to audit_events (default true, as in production). */
  auditLog?: boolean;
  /** Called with each log line as it is written (logs() has them all too). */
  onLog?: (line: string) => void;
  /** The application's extension grants (startGatehouse's `grants`). */
  grants?: readonly ExtensionGrant[];
  /** Serves the key sets at jwks_uri URLs (e.g. from memory); by default none can be fetched. */
  remoteKeySets?: RemoteKeySets;
}

export interface CreatedClient {
  client_id: string;
  client_secret: string | null;
  name: string;
  public: boolean;
  grant_types: string[];
  redirect_uris: string[];
  scope: string | null;
  trusted: boolean;
  introspect: boolean;
  resources: string[];
  /** RFC 8693: the audiences it may request in a token exchange (--exchange-audience). */
  exchange_audiences: string[];
  /** RFC 8693: it may exchange without actor_token (--may-impersonate). */
  may_impersonate: boolean;
  token_endpoint_auth_method: string;
  created_at: string;
}

export interface TestServer {
  /** http://127.0.0.1:PORT, no trailing slash ('' with listen: false). */
  url: string;
  port: number;
  app: FastifyInstance;
  gatehouse: Services;
  store: SqlStore;
  config: GatehouseConfig;
  /** The manual clock when none was given (the common case). */
  clock: ManualClock;
  database: TestDatabase;
  /** A temporary folder for this server (the mail outbox is `${dir}/outbox` unless configured). */
  dir: string;
  /** Every log line so far (JSON lines, as `gatehouse serve` writes them). */
  logs(): string;
  /** `gatehouse client create --json …flags`, in-process: the same registry and audit event. */
  createClient(flags?: string[]): Promise<CreatedClient>;
  /** `gatehouse user create USERNAME EMAIL …flags` (--role R, --inactive), in-process. */
  createUser(username: string, email: string, password: string, flags?: string[]): Promise<void>;
  /** An administrator's UserAccounts on this server's store, clock, events and hasher. */
  accounts(): UserAccounts;
  /** Every how many milliseconds the scheduled clean-up was set to run (none: cleanup_interval 0). */
  cleanupEvery: number[];
  /** One tick of the scheduled clean-up (it never runs on its own here), awaited to its end. */
  runScheduledCleanup(): Promise<void>;
  /** One tick of the back-channel logout worker (it never runs on a timer here), awaited to its end. */
  tickLogoutDeliveries(): Promise<void>;
  /** Closes the app, then the database (unless it was given). Idempotent. */
  close(): Promise<void>;
}

const open = new Set<TestServer>();

/**
 * Waits until every server started here has nothing left in flight: queued sign-ups and reset
 * requests handled, their e-mails handed to the mail server. What a test awaits instead of a pause.
 */
export async function settleAllServers(): Promise<void> {
  for (const server of open) {
    await server.gatehouse.resetting.idle();
    await server.gatehouse.registration.idle();
    await server.gatehouse.mail.idle();
  }
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      // Another process may have taken the "free" port in between: try another.
      if (attempt < 3 && (error as NodeJS.ErrnoException).code === 'EADDRINUSE') continue;
      throw error;
    }
  }
}

/** The key_encryption_key of test servers that configure none (a test value, never a real key). */
export const HARNESS_KEY_ENCRYPTION_KEY = 'harness-key-encryption-key-0123456789abcdef';

async function startOnce(options: TestServerOptions): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-harness-'));
  const ownDatabase = !options.database;
  const database =
    options.database ??
    // A copy of the run's migrated template: startGatehouse's migrate() then has nothing to apply.
    ((options.engine ?? 'sqlite') === 'postgres'
      ? await createMigratedPostgresDatabase()
      : await createMigratedSqliteDatabase());
  const releaseFiles = async () => {
    if (ownDatabase) await database.cleanup();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const listen = options.listen ?? true;
    const port = listen ? (options.config?.port ?? (await freePort())) : 8080;
    const config = loadConfig({
      env: { GATEHOUSE_MAIL_OUTBOX: join(dir, 'outbox'), GATEHOUSE_LOG_LEVEL: 'info', ...options.env },
      flags: {
        // ID tokens are signed with keys stored encrypted: every test server has a key_encryption_key
        // (PostgreSQL refuses to start without one), unless the test brings its own.
        ...(options.env?.GATEHOUSE_KEY_ENCRYPTION_KEY === undefined
          ? { key_encryption_key: HARNESS_KEY_ENCRYPTION_KEY }
          : {}),
        ...options.config,
        database: database.location.engine === 'sqlite' ? `sqlite:${database.location.path}` : database.location.url,
        host: options.config?.host ?? '127.0.0.1',
        port,
      },
    });
    let output = '';
    const logger = createLogger(config.log_level, {
      write(line: string) {
        output += line;
        options.onLog?.(line);
      },
    });
    const clock = options.clock ?? new ManualClock();
    const store = database.open({ poolSize: config.database_pool_size });
    // The clean-up schedule is ticked by hand (runScheduledCleanup), never by the wall clock.
    const ticks = new Set<() => void>();
    const cleanupEvery: number[] = [];
    const every = (ms: number, tick: () => void) => {
      cleanupEvery.push(ms);
      ticks.add(tick);
      return () => void ticks.delete(tick);
    };
    const logoutTicks = new Set<() => void>();
    const running = await startGatehouse({
      logoutDeliveryEvery: (_ms, tick) => {
        logoutTicks.add(tick);
        return () => void logoutTicks.delete(tick);
      },
      config,
      store,
      logger,
      clock,
      listen,
      every,
      passwords: options.passwords ?? cheapPasswords,
      mailer: options.mailer,
      throttleStore: options.throttleStore,
      auditLog: options.auditLog,
      grants: options.grants,
      remoteKeySets: options.remoteKeySets,
    });
    const { gatehouse } = running;
    const accounts = () =>
      new UserAccounts(store, {
        clock: gatehouse.clock,
        passwords: gatehouse.passwords,
        events: gatehouse.events,
        passwordPolicy: { minLength: config.password_min_length, maxLength: config.password_max_length },
      });
    let closing: Promise<void> | undefined;
    const server: TestServer = {
      url: running.url,
      port: listen ? port : 0,
      app: running.app,
      gatehouse,
      store,
      config,
      clock: clock as ManualClock,
      database,
      dir,
      logs: () => output,
      createClient: (flags = []) => createClientFromFlags(server, flags),
      async createUser(username, email, password, flags = []) {
        await accounts().create({ username, email, password, ...userFlags(flags) });
      },
      accounts,
      cleanupEvery,
      async runScheduledCleanup() {
        for (const tick of ticks) tick();
        await running.cleanup?.idle();
      },
      async tickLogoutDeliveries() {
        for (const tick of logoutTicks) tick();
        await gatehouse.logoutDeliveries?.idle();
      },
      close() {
        closing ??= (async () => {
          open.delete(server);
          forget();
          try {
            await running.close();
          } finally {
            await releaseFiles();
          }
        })();
        return closing;
      },
    };
    open.add(server);
    const forget = atFileEnd(() => server.close());
    return server;
  } catch (error) {
    await releaseFiles().catch(() => {});
    throw error;
  }
}

/** The flags `gatehouse client create` takes, parsed the way the CLI does. */
async function createClientFromFlags(server: TestServer, flags: string[]): Promise<CreatedClient> {
  const values = new Map<string, string[]>();
  const switches = new Set<string>();
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i]!;
    if (
      [
        '--public',
        '--trusted',
        '--introspect',
        '--may-impersonate',
        '--allow-insecure-http',
        '--json',
        '--secret-jwt',
        '--backchannel-logout-session-required',
        '--id-token-claims',
      ].includes(flag)
    ) {
      switches.add(flag);
    } else if (
      [
        '--name',
        '--redirect-uri',
        '--grant-type',
        '--scope',
        '--resource',
        '--exchange-audience',
        '--allowed-origin',
        '--jwks',
        '--jwks-uri',
        '--post-logout-redirect-uri',
        '--backchannel-logout-uri',
        '--id-token-alg',
        '--userinfo-alg',
        '--subject-type',
        '--sector-identifier-uri',
      ].includes(flag) &&
      i + 1 < flags.length
    ) {
      values.set(flag, [...(values.get(flag) ?? []), flags[++i]!]);
    } else {
      throw new Error(`createClient: unknown flag ${flag}`);
    }
  }
  const scope = values.get('--scope')?.at(-1);
  const scopes = scope === undefined ? null : scope.split(/\s+/).filter(Boolean);
  // As the CLI: openid, profile and email are supported whatever supported_scopes says.
  const supported = withOidcScopes(server.config.supported_scopes);
  const unsupported = scopes?.filter((s) => !supported.includes(s)) ?? [];
  if (unsupported.length) throw new Error(`createClient: scope ${unsupported.join(' ')} is not in supported_scopes`);
  const kek = server.config.key_encryption_key;
  const encryption = kek ? new KeyEncryption(kek, CLIENT_SECRET_ENCRYPTION) : null;
  const documents = guardedDocuments(server.config.outbound_fetch);
  const registry = new ClientRegistry(server.store, server.gatehouse.clock, undefined, encryption, documents);
  const jwks = values.get('--jwks')?.at(-1);
  const last = (flag: string) => values.get(flag)?.at(-1);
  const optional = <K extends string>(key: K, flag: string) =>
    (last(flag) === undefined ? {} : { [key]: last(flag) }) as Partial<Record<K, string>>;
  const jwksUri = values.get('--jwks-uri')?.at(-1);
  const { client, secret } = await registry.create({
    name: values.get('--name')?.at(-1) ?? 'e2e-client',
    redirectUris: values.get('--redirect-uri') ?? [],
    grantTypes: values.get('--grant-type') ?? [],
    scopes,
    isPublic: switches.has('--public'),
    trusted: switches.has('--trusted'),
    canIntrospect: switches.has('--introspect'),
    allowedResources: values.get('--resource') ?? [],
    exchangeAudiences: values.get('--exchange-audience') ?? [],
    allowedOrigins: values.get('--allowed-origin') ?? [],
    mayImpersonate: switches.has('--may-impersonate'),
    allowInsecureHttp: switches.has('--allow-insecure-http'),
    // --jwks takes the JSON itself (the CLI's --jwks-file reads it from a file).
    ...(jwks === undefined ? {} : { jwks: JSON.parse(jwks) as unknown }),
    ...(jwksUri === undefined ? {} : { jwksUri }),
    secretJwt: switches.has('--secret-jwt'),
    oidc: {
      postLogoutRedirectUris: values.get('--post-logout-redirect-uri') ?? [],
      ...optional('backchannelLogoutUri', '--backchannel-logout-uri'),
      backchannelLogoutSessionRequired: switches.has('--backchannel-logout-session-required'),
      ...optional('idTokenSignedResponseAlg', '--id-token-alg'),
      ...optional('userinfoSignedResponseAlg', '--userinfo-alg'),
      ...optional('subjectType', '--subject-type'),
      ...optional('sectorIdentifierUri', '--sector-identifier-uri'),
      idTokenClaims: switches.has('--id-token-claims'),
    },
  });
  server.gatehouse.events.emit({
    type: 'client.created',
    at: server.gatehouse.clock.now(),
    actor: 'admin',
    clientId: client.id,
    details: { name: client.name, grant_types: client.grantTypes.join(' ') },
  });
  return describeClient(client, secret);
}

function describeClient(client: ClientRecord, secret: string | null): CreatedClient {
  return {
    client_id: client.id,
    client_secret: secret,
    name: client.name,
    public: client.isPublic,
    grant_types: client.grantTypes,
    redirect_uris: client.redirectUris,
    scope: client.scopes === null ? null : client.scopes.join(' '),
    trusted: client.trusted,
    introspect: client.canIntrospect,
    resources: client.allowedResources ?? [],
    exchange_audiences: [...(client.exchangeAudiences ?? [])],
    may_impersonate: client.mayImpersonate ?? false,
    token_endpoint_auth_method: registeredAuthMethod(client),
    created_at: new Date(client.createdAt * 1000).toISOString().replace('.000Z', 'Z'),
  };
}

function userFlags(flags: string[]): Pick<NewUser, 'roles' | 'enabled' | 'displayName' | 'emailVerified'> {
  const roles: string[] = [];
  let enabled = true;
  let emailVerified = false;
  let displayName: string | undefined;
  for (let i = 0; i < flags.length; i++) {
    if (flags[i] === '--role' && i + 1 < flags.length) roles.push(flags[++i]!);
    else if (flags[i] === '--inactive') enabled = false;
    else if (flags[i] === '--name' && i + 1 < flags.length) displayName = flags[++i]!;
    else if (flags[i] === '--email-verified') emailVerified = true;
    else throw new Error(`createUser: unknown flag ${flags[i]}`);
  }
  return { roles, enabled, emailVerified, ...(displayName === undefined ? {} : { displayName }) };
}
