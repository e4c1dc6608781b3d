import { type Command, Option } from 'commander';
import { CLIENT_GRANT_TYPES } from '../../core/grants/registry.js';
import type { ClientChanges } from '../../core/clients.js';
import type { ClientRecord } from '../../storage/store.js';
import { UsageError } from '../errors.js';
import { cliIo } from '../io.js';
import { printJson } from '../output.js';
import { withStoreOptions, type StoreOptions } from '../store-options.js';

const collect = (value: string, previous: string[]) => [...previous, value];

/** The grant types a browser is redirected back for (RFC 6749 §3.1.2): without a redirect URI they cannot work. */
const REDIRECTING_GRANT_TYPES = ['authorization_code', 'implicit'];

/** Said at create and update: the client is stored, but no authorization request of its can succeed yet. */
export function warnAboutMissingRedirectUri(client: ClientRecord): void {
  const redirecting = client.grantTypes.filter((grantType) => REDIRECTING_GRANT_TYPES.includes(grantType));
  if (redirecting.length === 0 || client.redirectUris.length > 0) return;
  cliIo().stderr.write(
    `warning: ${redirecting.join(' and ')} needs a redirect URI, and this client has none: every authorization ` +
      `request will be refused until one is added (gatehouse client update ${client.id} --add-redirect-uri URI)\n`,
  );
}

interface UpdateOptions extends StoreOptions {
  name?: string;
  redirectUri: string[];
  addRedirectUri: string[];
  removeRedirectUri: string[];
  postLogoutRedirectUri: string[];
  addPostLogoutRedirectUri: string[];
  removePostLogoutRedirectUri: string[];
  allowedOrigin: string[];
  addAllowedOrigin: string[];
  removeAllowedOrigin: string[];
  grantType: string[];
  scope?: string;
  everyScope?: boolean;
  trusted?: boolean;
  introspect?: boolean;
  idTokenAlg?: string;
  userinfoAlg?: string;
  idTokenClaims?: boolean;
  allowInsecureHttp?: boolean;
  json?: boolean;
  /** Taken only to say why not: a client's type is fixed (its secret, its rules). */
  public?: boolean;
}

/**
 * A list changed by the flags: replaced whole by --X, or with --add-X and --remove-X (a URI
 * removed must be there: a typo must not pass for a removal).
 */
function changedList(
  flag: string,
  current: readonly string[],
  replace: string[],
  add: string[],
  remove: string[],
): string[] | undefined {
  if (replace.length > 0 && add.length + remove.length > 0)
    throw new UsageError(`give --${flag} (the whole list) or --add-${flag}/--remove-${flag}, not both`);
  if (replace.length > 0) return replace;
  if (add.length + remove.length === 0) return undefined;
  const missing = remove.find((uri) => !current.includes(uri));
  if (missing !== undefined)
    throw new UsageError(
      `--remove-${flag} ${missing}: the client has no such ${flag.endsWith('origin') ? 'origin' : 'URI'}`,
    );
  return [...current.filter((uri) => !remove.includes(uri)), ...add.filter((uri) => !current.includes(uri))];
}

/** The changes the flags ask for, against the registered client. */
function changesOf(options: UpdateOptions, client: ClientRecord): ClientChanges {
  if (options.scope !== undefined && options.everyScope)
    throw new UsageError('give --scope or --every-scope, not both');
  const redirectUris = changedList(
    'redirect-uri',
    client.redirectUris,
    options.redirectUri,
    options.addRedirectUri,
    options.removeRedirectUri,
  );
  const postLogoutRedirectUris = changedList(
    'post-logout-redirect-uri',
    client.oidc?.postLogoutRedirectUris ?? [],
    options.postLogoutRedirectUri,
    options.addPostLogoutRedirectUri,
    options.removePostLogoutRedirectUri,
  );
  const allowedOrigins = changedList(
    'allowed-origin',
    client.allowedOrigins ?? [],
    options.allowedOrigin,
    options.addAllowedOrigin,
    options.removeAllowedOrigin,
  );
  const oidc = {
    ...(postLogoutRedirectUris === undefined ? {} : { postLogoutRedirectUris }),
    ...(options.idTokenAlg === undefined ? {} : { idTokenSignedResponseAlg: options.idTokenAlg }),
    ...(options.userinfoAlg === undefined ? {} : { userinfoSignedResponseAlg: options.userinfoAlg }),
    ...(options.idTokenClaims === undefined ? {} : { idTokenClaims: options.idTokenClaims }),
  };
  return {
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(redirectUris === undefined ? {} : { redirectUris }),
    ...(options.grantType.length ? { grantTypes: options.grantType } : {}),
    ...(options.scope === undefined ? {} : { scopes: options.scope.split(/\s+/).filter(Boolean) }),
    ...(options.everyScope ? { scopes: null } : {}),
    ...(options.trusted === undefined ? {} : { trusted: options.trusted }),
    ...(options.introspect === undefined ? {} : { canIntrospect: options.introspect }),
    ...(allowedOrigins === undefined ? {} : { allowedOrigins }),
    ...(Object.keys(oidc).length ? { oidc } : {}),
    allowInsecureHttp: options.allowInsecureHttp ?? false,
  };
}

/** The settings a change touched, by their names in `client show --json`, for the audit log. */
function changedFields(before: ClientRecord, after: ClientRecord): string[] {
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  return [
    ['name', before.name, after.name],
    ['redirect_uris', before.redirectUris, after.redirectUris],
    ['grant_types', before.grantTypes, after.grantTypes],
    ['scope', before.scopes, after.scopes],
    ['trusted', before.trusted, after.trusted],
    ['introspect', before.canIntrospect, after.canIntrospect],
    ['allowed_origins', before.allowedOrigins, after.allowedOrigins],
    ['post_logout_redirect_uris', before.oidc?.postLogoutRedirectUris, after.oidc?.postLogoutRedirectUris],
    ['id_token_signed_response_alg', before.oidc?.idTokenSignedResponseAlg, after.oidc?.idTokenSignedResponseAlg],
    ['userinfo_signed_response_alg', before.oidc?.userinfoSignedResponseAlg, after.oidc?.userinfoSignedResponseAlg],
    ['id_token_claims', before.oidc?.idTokenClaims, after.oidc?.idTokenClaims],
  ]
    .filter(([, a, b]) => !same(a, b))
    .map(([name]) => name as string);
}

/** `client update ID`: the client's printers are client.ts's (passed in, so neither file imports the other). */
export function addClientUpdateCommand(
  client: Command,
  show: { describe: (client: ClientRecord) => object; print: (client: ClientRecord) => void },
): void {
  withStoreOptions(
    client
      .command('update')
      .description('change a client (the rules of client create apply); prints it as changed')
      .argument('<id>')
      .option('--name <name>', 'display name')
      .option('--redirect-uri <uri>', 'the redirect URIs, replacing them all (repeatable)', collect, [])
      .option('--add-redirect-uri <uri>', 'add a redirect URI (repeatable)', collect, [])
      .option('--remove-redirect-uri <uri>', 'remove a redirect URI (repeatable)', collect, [])
      .option(
        '--grant-type <type>',
        `the grant types, replacing them all (repeatable): ${CLIENT_GRANT_TYPES.join(', ')}, or an absolute URI`,
        collect,
        [],
      )
      .option('--scope <scopes>', 'the space-separated scopes it may ask for, replacing them')
      .option('--every-scope', 'it may ask for every supported scope')
      .option('--trusted', 'a first-party client: users are never shown the consent page for it')
      .option('--no-trusted', 'users are asked for consent')
      .option('--introspect', 'a resource server: may introspect tokens issued to any client')
      .option('--no-introspect', 'may not introspect')
      .option(
        '--post-logout-redirect-uri <uri>',
        'OpenID Connect: the post-logout redirect URIs, replacing them all (repeatable)',
        collect,
        [],
      )
      .option('--add-post-logout-redirect-uri <uri>', 'add a post-logout redirect URI (repeatable)', collect, [])
      .option('--remove-post-logout-redirect-uri <uri>', 'remove a post-logout redirect URI (repeatable)', collect, [])
      .option(
        '--allowed-origin <origin>',
        'CORS: the origins its pages call from, replacing them all (repeatable)',
        collect,
        [],
      )
      .option('--add-allowed-origin <origin>', 'add an allowed origin (repeatable)', collect, [])
      .option('--remove-allowed-origin <origin>', 'remove an allowed origin (repeatable)', collect, [])
      .option('--id-token-alg <alg>', 'OpenID Connect: ID token signature, RS256, ES256 or EdDSA')
      .option('--userinfo-alg <alg>', 'OpenID Connect: answer userinfo as a JWT signed with RS256, ES256 or EdDSA')
      .option('--id-token-claims', "OpenID Connect: put the granted scopes' claims in the ID token too")
      .option('--no-id-token-claims', "OpenID Connect: the scopes' claims only at userinfo")
      .option(
        '--allow-insecure-http',
        'development only: accept the plain http redirect URIs and origins this change adds',
      )
      .option('--json', 'print JSON')
      .addOption(new Option('--public').hideHelp())
      .addOption(new Option('--confidential').hideHelp().implies({ public: false })),
  ).action(async (id: string, options: UpdateOptions) => {
    if (options.public !== undefined)
      throw new UsageError(
        "a client's type (public or confidential) cannot change: delete it and create it again (client delete, client create)",
      );
    const { resolveConfig, withStore } = await import('../context.js');
    const { ClientRegistry } = await import('../../core/clients.js');
    const { withOidcScopes } = await import('../../core/oidc/claims.js');
    const { guardedDocuments } = await import('../../outbound/documents.js');
    const config = resolveConfig(options);
    await withStore(config, async (store, audit) => {
      const current = await store.findClient(id);
      if (!current) throw new UsageError(`no client "${id}"`);
      const changes = changesOf(options, current);
      const { allowInsecureHttp: _, ...asked } = changes;
      if (Object.keys(asked).length === 0)
        throw new UsageError(
          'nothing to change: give --name, --add-redirect-uri, --scope, … (see client update --help)',
        );
      const supportedScopes = withOidcScopes(config.supported_scopes);
      const unsupported = changes.scopes?.filter((s) => !supportedScopes.includes(s)) ?? [];
      if (unsupported.length)
        throw new UsageError(
          `scope ${unsupported.join(' ')} is not in supported_scopes (${supportedScopes.join(' ')}): set supported_scopes for the server and this command alike`,
        );
      const registry = new ClientRegistry(store, undefined, undefined, null, guardedDocuments(config.outbound_fetch));
      const { before, client: updated } = await registry.update(id, changes);
      const changed = changedFields(before, updated);
      if (changed.length) audit.record('client.updated', { clientId: id, details: { changed: changed.join(' ') } });
      warnAboutMissingRedirectUri(updated);
      if (options.json) printJson(show.describe(updated));
      else show.print(updated);
    });
  });
}
