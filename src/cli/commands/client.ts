import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registeredAuthMethod } from '../../core/client-methods.js';
import { oidcRegistrationMetadata } from '../../core/client-oidc-metadata.js';
import { CLIENT_GRANT_TYPES } from '../../core/grants/registry.js';
import { clientOrigins } from '../../core/origins.js';
import type { ClientOidcSettings } from '../../core/ports.js';
import type { ClientRecord } from '../../storage/store.js';
import { withStoreOptions, type StoreOptions } from '../store-options.js';
import { addClientUpdateCommand, warnAboutMissingRedirectUri } from './client-update.js';
import { UsageError } from '../errors.js';
import { cliIo } from '../io.js';
import { formatTime, printJson, printLines, printShellAssignments, printTable } from '../output.js';
import { registrationTokenCommand } from './registration-tokens.js';

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * Grant types no built-in grant answers (extension grants, RFC 6749 §4.5, by absolute URI): the
 * client is stored, but only a process that registers a handler for them in code answers them,
 * and the CLI never loads that code, so it cannot tell whether one exists.
 */
function warnAboutExtensionGrants(grantTypes: readonly string[]): void {
  for (const grantType of grantTypes.filter((g) => !CLIENT_GRANT_TYPES.includes(g))) {
    cliIo().stderr.write(
      `warning: no built-in grant has the type ${grantType} ` +
        '(a process that runs extensions registers them in code the CLI never loads)\n',
    );
  }
}

function describeClient(client: ClientRecord) {
  return {
    client_id: client.id,
    name: client.name,
    public: client.isPublic,
    grant_types: client.grantTypes,
    redirect_uris: client.redirectUris,
    scope: client.scopes === null ? null : client.scopes.join(' '),
    trusted: client.trusted,
    introspect: client.canIntrospect,
    resources: client.allowedResources ?? [],
    // CORS: those registered, and every origin that counts (a public client's redirect URIs' too).
    allowed_origins: [...(client.allowedOrigins ?? [])],
    cors_origins: clientOrigins(client),
    exchange_audiences: [...(client.exchangeAudiences ?? [])],
    may_impersonate: client.mayImpersonate ?? false,
    token_endpoint_auth_method: registeredAuthMethod(client),
    ...(client.jwksUri ? { jwks_uri: client.jwksUri } : {}),
    ...(client.jwks ? { jwks: client.jwks } : {}),
    ...describeOidc(client.oidc ?? {}),
    created_at: formatTime(client.createdAt),
  };
}

/** OpenID Connect metadata in its Registration names (OIDC Registration §2, the logout specs); optional ones only when set. */
function describeOidc(oidc: ClientOidcSettings) {
  return {
    post_logout_redirect_uris: [...(oidc.postLogoutRedirectUris ?? [])],
    ...oidcRegistrationMetadata(oidc),
    ...(oidc.sector ? { pairwise_sector: oidc.sector } : {}),
    id_token_claims: oidc.idTokenClaims ?? false,
  };
}

/** The OpenID Connect lines, only for what differs from the defaults. */
function oidcLines(oidc: ClientOidcSettings): string[] {
  const sessionRequired = oidc.backchannelLogoutSessionRequired ? ' (sid required)' : '';
  return [
    ...(oidc.postLogoutRedirectUris?.length ? [`after logout:  ${oidc.postLogoutRedirectUris.join(' ')}`] : []),
    ...(oidc.backchannelLogoutUri ? [`back-channel:  ${oidc.backchannelLogoutUri}${sessionRequired}`] : []),
    ...(oidc.idTokenSignedResponseAlg || oidc.idTokenClaims
      ? [
          `ID tokens:     ${oidc.idTokenSignedResponseAlg ?? 'RS256'}${oidc.idTokenClaims ? ", with the granted scopes' claims" : ''}`,
        ]
      : []),
    ...(oidc.userinfoSignedResponseAlg ? [`userinfo:      signed JWT (${oidc.userinfoSignedResponseAlg})`] : []),
    ...(oidc.subjectType === 'pairwise'
      ? [
          `subjects:      pairwise, sector ${oidc.sector}${oidc.sectorIdentifierUri ? ` (${oidc.sectorIdentifierUri})` : ''}`,
        ]
      : []),
  ];
}

/** Said only for the JWT methods: a secret client's line would read like its secret's name. */
function authenticationLine(client: ClientRecord): string[] {
  const method = registeredAuthMethod(client);
  if (method === 'private_key_jwt')
    return [`authenticates: private_key_jwt, keys ${client.jwksUri ? `at ${client.jwksUri}` : 'registered inline'}`];
  if (method === 'client_secret_jwt') return ['authenticates: client_secret_jwt (secret stored encrypted)'];
  return [];
}

function printClient(client: ClientRecord): void {
  printLines([
    `client_id:     ${client.id}`,
    `name:          ${client.name}`,
    `type:          ${client.isPublic ? 'public (no secret)' : 'confidential'}`,
    `grant types:   ${client.grantTypes.join(' ')}`,
    `redirect URIs: ${client.redirectUris.join(' ') || '(none)'}`,
    `scope:         ${client.scopes === null ? '(every supported scope)' : client.scopes.join(' ') || '(none)'}`,
    `consent:       ${client.trusted ? 'never asked (trusted first-party client)' : 'asked once per user and scope set'}`,
    ...(client.canIntrospect ? ["introspect:    any client's tokens (resource server)"] : []),
    `resources:     ${client.allowedResources?.join(' ') || '(only the default audience)'}`,
    `origins:       ${clientOrigins(client).join(' ') || '(none: no browser app may call it)'}`,
    ...(client.exchangeAudiences?.length ? [`exchange for:  ${client.exchangeAudiences.join(' ')}`] : []),
    ...(client.mayImpersonate ? ['impersonate:   may exchange without actor_token (RFC 8693)'] : []),
    ...authenticationLine(client),
    ...oidcLines(client.oidc ?? {}),
    `created:       ${formatTime(client.createdAt)}`,
  ]);
}

async function findOrFail(
  store: { findClient(id: string): Promise<ClientRecord | null> },
  id: string,
): Promise<ClientRecord> {
  const client = await store.findClient(id);
  if (!client) throw new UsageError(`no client "${id}"`);
  return client;
}

/** The JWK Set a --jwks-file holds, or a one-line usage error. */
function readJwksFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `--jwks-file ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : 'cannot be read'}`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UsageError(`--jwks-file ${path}: not valid JSON`);
  }
}

export function clientCommand(): Command {
  const client = new Command('client').description('manage OAuth clients');

  withStoreOptions(
    client
      .command('create')
      .description('register a client; prints its id and secret (the secret is shown once)')
      .requiredOption('--name <name>', 'display name')
      .option('--redirect-uri <uri>', 'allowed redirect URI (repeatable)', collect, [])
      .option(
        '--grant-type <type>',
        `allowed grant type: ${CLIENT_GRANT_TYPES.join(', ')}, or an extension grant's absolute URI ` +
          '(repeatable; default authorization_code and refresh_token)',
        collect,
        [],
      )
      .option('--scope <scopes>', 'space-separated scopes it may ask for (default: every supported scope)')
      .option('--public', 'a public client (no secret: mobile, single-page and CLI apps)')
      .option('--trusted', 'a first-party client: users are never shown the consent page for it')
      .option('--introspect', 'a resource server: may introspect tokens issued to any client')
      .option(
        '--resource <uri>',
        'a resource (absolute URI) it may name in RFC 8707 `resource`, which becomes the token audience ' +
          '(repeatable; default: only the server default audience)',
        collect,
        [],
      )
      .option(
        '--exchange-audience <value>',
        'token exchange (RFC 8693): an audience or resource it may request (repeatable)',
        collect,
        [],
      )
      .option(
        '--allowed-origin <origin>',
        'CORS: a browser origin (https://host[:port]) that may call the token and userinfo endpoints ' +
          "(repeatable; a public client's redirect URI origins count without it)",
        collect,
        [],
      )
      .option('--may-impersonate', 'token exchange: may exchange without actor_token (default: only delegate)')
      .option(
        '--allow-insecure-http',
        'development only: accept plain http redirect URIs and origins to hosts that are not loopback',
      )
      .option('--jwks-file <path>', 'private_key_jwt: a JSON file with its public keys (a JWK Set); no secret')
      .option('--jwks-uri <url>', 'private_key_jwt: the https URL where it publishes its public keys; no secret')
      .option('--secret-jwt', 'client_secret_jwt: its secret is stored encrypted (needs key_encryption_key)')
      .option(
        '--post-logout-redirect-uri <uri>',
        'OpenID Connect: where signing out may send the browser back (repeatable; the redirect URI rules)',
        collect,
        [],
      )
      .option('--backchannel-logout-uri <url>', 'OpenID Connect: where logout tokens are POSTed (https)')
      .option('--backchannel-logout-session-required', 'OpenID Connect: logout tokens must carry sid (they always do)')
      .option('--id-token-alg <alg>', 'OpenID Connect: ID token signature, RS256 (default), ES256 or EdDSA')
      .option('--userinfo-alg <alg>', 'OpenID Connect: answer userinfo as a JWT signed with RS256, ES256 or EdDSA')
      .option('--subject-type <type>', 'OpenID Connect: public (default) or pairwise (a sub of its own per sector)')
      .option(
        '--sector-identifier-uri <url>',
        'pairwise: an https URL answering a JSON array that lists its redirect URIs; its host is the sector',
      )
      .option('--id-token-claims', "OpenID Connect: put the granted scopes' claims in the ID token too")
      .option('--json', 'print JSON')
      .option('--env', "print CLIENT_ID='…' and CLIENT_SECRET='…' (empty for --public) for the shell to eval"),
  ).action(
    async (
      options: StoreOptions & {
        name: string;
        redirectUri: string[];
        grantType: string[];
        scope?: string;
        public?: boolean;
        trusted?: boolean;
        introspect?: boolean;
        resource: string[];
        exchangeAudience: string[];
        allowedOrigin: string[];
        mayImpersonate?: boolean;
        allowInsecureHttp?: boolean;
        jwksFile?: string;
        jwksUri?: string;
        secretJwt?: boolean;
        postLogoutRedirectUri: string[];
        backchannelLogoutUri?: string;
        backchannelLogoutSessionRequired?: boolean;
        idTokenAlg?: string;
        userinfoAlg?: string;
        subjectType?: string;
        sectorIdentifierUri?: string;
        idTokenClaims?: boolean;
        json?: boolean;
        env?: boolean;
      },
    ) => {
      const { resolveConfig, withStore } = await import('../context.js');
      const { ClientRegistry } = await import('../../core/clients.js');
      const config = resolveConfig(options);
      if (options.json && options.env) throw new UsageError('--json and --env both choose the output: give one');
      if (options.secretJwt && !config.key_encryption_key)
        throw new UsageError(
          '--secret-jwt needs key_encryption_key (GATEHOUSE_KEY_ENCRYPTION_KEY): the secret is stored encrypted',
        );
      const jwks = options.jwksFile === undefined ? undefined : readJwksFile(options.jwksFile);
      const { CLIENT_SECRET_ENCRYPTION, KeyEncryption } = await import('../../core/key-encryption.js');
      const secretEncryption = config.key_encryption_key
        ? new KeyEncryption(config.key_encryption_key, CLIENT_SECRET_ENCRYPTION)
        : null;
      const scopes = options.scope === undefined ? null : options.scope.split(/\s+/).filter(Boolean);
      // openid, profile and email are supported whatever supported_scopes says; offline_access only when listed.
      const { withOidcScopes } = await import('../../core/oidc/claims.js');
      const supportedScopes = withOidcScopes(config.supported_scopes);
      const supported = new Set(supportedScopes);
      const unsupported = scopes?.filter((s) => !supported.has(s)) ?? [];
      if (unsupported.length)
        throw new UsageError(
          `scope ${unsupported.join(' ')} is not in supported_scopes (${supportedScopes.join(' ')}): add it to supported_scopes in the gatehouse.yaml the server and this command both read, and restart the server`,
        );
      const { guardedDocuments } = await import('../../outbound/documents.js');
      await withStore(config, async (store, audit) => {
        const documents = guardedDocuments(config.outbound_fetch);
        const registry = new ClientRegistry(store, undefined, undefined, secretEncryption, documents);
        const { client: created, secret } = await registry.create({
          name: options.name,
          redirectUris: options.redirectUri,
          grantTypes: options.grantType,
          scopes,
          isPublic: options.public ?? false,
          trusted: options.trusted ?? false,
          canIntrospect: options.introspect ?? false,
          allowedResources: options.resource,
          exchangeAudiences: options.exchangeAudience,
          allowedOrigins: options.allowedOrigin,
          mayImpersonate: options.mayImpersonate ?? false,
          allowInsecureHttp: options.allowInsecureHttp ?? false,
          ...(jwks === undefined ? {} : { jwks }),
          ...(options.jwksUri === undefined ? {} : { jwksUri: options.jwksUri }),
          secretJwt: options.secretJwt ?? false,
          oidc: {
            postLogoutRedirectUris: options.postLogoutRedirectUri,
            ...(options.backchannelLogoutUri === undefined
              ? {}
              : { backchannelLogoutUri: options.backchannelLogoutUri }),
            backchannelLogoutSessionRequired: options.backchannelLogoutSessionRequired ?? false,
            ...(options.idTokenAlg === undefined ? {} : { idTokenSignedResponseAlg: options.idTokenAlg }),
            ...(options.userinfoAlg === undefined ? {} : { userinfoSignedResponseAlg: options.userinfoAlg }),
            ...(options.subjectType === undefined ? {} : { subjectType: options.subjectType }),
            ...(options.sectorIdentifierUri === undefined ? {} : { sectorIdentifierUri: options.sectorIdentifierUri }),
            idTokenClaims: options.idTokenClaims ?? false,
          },
        });
        audit.record('client.created', {
          clientId: created.id,
          details: {
            name: created.name,
            grant_types: created.grantTypes.join(' '),
            ...(created.allowedOrigins?.length ? { allowed_origins: created.allowedOrigins.join(' ') } : {}),
            // Said for the JWT methods only: the secret methods are what every client had before.
            ...(created.authMethod === 'private_key_jwt' || created.authMethod === 'client_secret_jwt'
              ? { token_endpoint_auth_method: created.authMethod }
              : {}),
          },
        });
        warnAboutExtensionGrants(created.grantTypes);
        warnAboutMissingRedirectUri(created);
        if (options.json) return printJson({ ...describeClient(created), client_secret: secret });
        if (options.env) return printShellAssignments({ CLIENT_ID: created.id, CLIENT_SECRET: secret ?? '' });
        printClient(created);
        if (secret)
          printLines([
            `client_secret: ${secret}`,
            '',
            created.secretEncrypted === undefined
              ? 'Store the secret now: Gatehouse keeps only its hash and cannot show it again.'
              : 'Store the secret now: Gatehouse keeps it encrypted (key_encryption_key) and will not show it again.',
          ]);
      });
    },
  );

  withStoreOptions(client.command('list').description('list clients').option('--json', 'print JSON')).action(
    async (options: StoreOptions & { json?: boolean }) => {
      const { resolveConfig, withStore } = await import('../context.js');
      await withStore(resolveConfig(options), async (store) => {
        const clients = await store.listClients();
        if (options.json) return printJson(clients.map(describeClient));
        printTable(
          ['CLIENT_ID', 'NAME', 'TYPE', 'GRANT TYPES', 'RESOURCES', 'ORIGINS'],
          clients.map((c) => [
            c.id,
            c.name,
            c.isPublic ? 'public' : 'confidential',
            c.grantTypes.join(','),
            c.allowedResources?.join(',') || '-',
            clientOrigins(c).join(',') || '-',
          ]),
        );
      });
    },
  );

  withStoreOptions(
    client.command('show').description('show one client').argument('<id>').option('--json', 'print JSON'),
  ).action(async (id: string, options: StoreOptions & { json?: boolean }) => {
    const { resolveConfig, withStore } = await import('../context.js');
    await withStore(resolveConfig(options), async (store) => {
      const found = await findOrFail(store, id);
      if (options.json) printJson(describeClient(found));
      else printClient(found);
    });
  });

  withStoreOptions(
    client.command('delete').description('delete a client and every token issued to it').argument('<id>'),
  ).action(async (id: string, options: StoreOptions) => {
    const { resolveConfig, withStore } = await import('../context.js');
    await withStore(resolveConfig(options), async (store, audit) => {
      if (!(await store.deleteClient(id))) throw new UsageError(`no client "${id}"`);
      audit.record('client.deleted', { clientId: id });
      printLines([`Deleted client ${id} and its tokens.`]);
    });
  });

  withStoreOptions(
    client
      .command('rotate-secret')
      .description('issue a new secret; the old one stops working at once')
      .argument('<id>')
      .option('--json', 'print JSON'),
  ).action(async (id: string, options: StoreOptions & { json?: boolean }) => {
    const { resolveConfig, withStore } = await import('../context.js');
    const { ClientRegistry } = await import('../../core/clients.js');
    const { CLIENT_SECRET_ENCRYPTION, KeyEncryption } = await import('../../core/key-encryption.js');
    const config = resolveConfig(options);
    const kek = config.key_encryption_key;
    await withStore(config, async (store, audit) => {
      await findOrFail(store, id);
      const encryption = kek ? new KeyEncryption(kek, CLIENT_SECRET_ENCRYPTION) : null;
      const secret = await new ClientRegistry(store, undefined, undefined, encryption).rotateSecret(id);
      audit.record('client.secret_rotated', { clientId: id });
      if (options.json) printJson({ client_id: id, client_secret: secret });
      else printLines([`client_id:     ${id}`, `client_secret: ${secret}`, '', 'The previous secret no longer works.']);
    });
  });

  addClientUpdateCommand(client, { describe: describeClient, print: printClient });
  client.addCommand(registrationTokenCommand());

  return client;
}
