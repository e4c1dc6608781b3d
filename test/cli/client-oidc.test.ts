/**
 * `gatehouse client create` for OpenID Connect clients, as `gatehouse` runs it (on SQLite: the
 * storage of `oidc` is the clients contract's, on both engines; here the CLI's flags and output): the
 * flags stored and printed under their Registration names by `show` and `list --json`, one misuse,
 * and a pairwise client's sector_identifier_uri fetched from a local server (loopback allowed, as
 * on a development machine). Each rule's good and bad values: src/core/client-oidc.test.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, type LocalServer, localServer } from '../harness/local-servers.js';
import { engines, type TestDatabase } from '../helpers/databases.js';
import { databaseUrl, expectMisuse, expectSuccess, parseJson, runCli, type RunOptions } from '../helpers/cli.js';

interface Described {
  client_id: string;
  scope: string | null;
  post_logout_redirect_uris: string[];
  backchannel_logout_uri?: string;
  backchannel_logout_session_required?: boolean;
  id_token_signed_response_alg: string;
  userinfo_signed_response_alg?: string;
  subject_type: string;
  sector_identifier_uri?: string;
  pairwise_sector?: string;
  id_token_claims: boolean;
}

describe('gatehouse client create for OpenID Connect clients [sqlite]', () => {
  const factory = engines.sqlite;
  let db: TestDatabase;
  let dir: string;
  let url: string;
  let sectorServer: LocalServer;

  const cli = (args: string[], options: RunOptions = {}) => runCli([...args, '--database', url], options);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-cli-oidc-'));
    db = await factory.createDatabase();
    url = databaseUrl(db.location);
    expectSuccess(await cli(['migrate']));
    sectorServer = await localServer(json(['https://a.example/cb', 'https://b.example/cb']));
  });

  afterAll(async () => {
    await sectorServer?.close();
    await db?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('a web app with sign-out: every flag stored, printed by show and list --json in Registration names', async () => {
    const created = await cli(
      [
        'client',
        'create',
        '--name',
        'Web app',
        '--redirect-uri',
        'https://app.example/callback',
        '--scope',
        'openid profile email read',
        '--post-logout-redirect-uri',
        'https://app.example/signed-out',
        '--backchannel-logout-uri',
        'https://app.example/backchannel-logout',
        '--backchannel-logout-session-required',
        '--id-token-alg',
        'ES256',
        '--userinfo-alg',
        'EdDSA',
        '--subject-type',
        'pairwise',
        '--id-token-claims',
        '--json',
      ],
      // supported_scopes lists only read: openid, profile and email are supported anyway.
      { env: { GATEHOUSE_SUPPORTED_SCOPES: 'read' } },
    );
    expectSuccess(created);
    const expected = {
      scope: 'openid profile email read',
      post_logout_redirect_uris: ['https://app.example/signed-out'],
      backchannel_logout_uri: 'https://app.example/backchannel-logout',
      backchannel_logout_session_required: true,
      id_token_signed_response_alg: 'ES256',
      userinfo_signed_response_alg: 'EdDSA',
      subject_type: 'pairwise',
      pairwise_sector: 'app.example',
      id_token_claims: true,
    };
    const { client_id } = parseJson<Described>(created);
    expect(parseJson(created)).toMatchObject(expected);

    const shown = await cli(['client', 'show', client_id, '--json']);
    expectSuccess(shown);
    expect(parseJson(shown)).toMatchObject(expected);
    const listed = await cli(['client', 'list', '--json']);
    expect(parseJson<Described[]>(listed).find((c) => c.client_id === client_id)).toMatchObject(expected);

    const text = await cli(['client', 'show', client_id]);
    expectSuccess(text);
    expect(text.stdout).toContain('after logout:  https://app.example/signed-out');
    expect(text.stdout).toContain('back-channel:  https://app.example/backchannel-logout (sid required)');
    expect(text.stdout).toContain("ID tokens:     ES256, with the granted scopes' claims");
    expect(text.stdout).toContain('subjects:      pairwise, sector app.example');
  });

  it('misuse is one line and exit 2, and nothing is stored: offline_access not in supported_scopes, a bad algorithm', async () => {
    expectMisuse(
      await cli(['client', 'create', '--name', 'Offline', '--scope', 'openid offline_access'], {
        env: { GATEHOUSE_SUPPORTED_SCOPES: 'read' },
      }),
      /offline_access is not in supported_scopes/,
    );
    expectMisuse(
      await cli([
        'client',
        'create',
        '--name',
        'Bad alg',
        '--redirect-uri',
        'https://a.example/cb',
        '--id-token-alg',
        'none',
      ]),
      /--id-token-alg must be one of RS256, ES256, EdDSA/,
    );
    const listed = parseJson<{ name: string }[]>(await cli(['client', 'list', '--json']));
    expect(listed.map((c) => c.name)).not.toContain('Bad alg');
  });

  it('--sector-identifier-uri is fetched (GET) and must list every redirect URI; the sector is its host', async () => {
    const sectorUri = sectorServer.url('/sector.json');
    const env = { GATEHOUSE_OUTBOUND_FETCH_ALLOW_LOOPBACK: 'true' };
    const pairwise = (...redirectUris: string[]) =>
      cli(
        [
          'client',
          'create',
          '--name',
          'Pairwise',
          ...redirectUris.flatMap((uri) => ['--redirect-uri', uri]),
          '--subject-type',
          'pairwise',
          '--sector-identifier-uri',
          sectorUri,
          '--json',
        ],
        { env },
      );
    const created = await pairwise('https://a.example/cb', 'https://b.example/cb');
    expectSuccess(created);
    expect(parseJson(created)).toMatchObject({
      subject_type: 'pairwise',
      sector_identifier_uri: sectorUri,
      pairwise_sector: `127.0.0.1:${sectorServer.port}`,
    });
    expect(sectorServer.requests.at(-1)?.method).toBe('GET');

    expectMisuse(
      await pairwise('https://a.example/cb', 'https://c.example/cb'),
      /does not list the redirect URI "https:\/\/c.example\/cb"/,
    );
    // Without allow_loopback the local server is not fetched at all.
    const asked = sectorServer.connections;
    expectMisuse(
      await cli(
        [
          'client',
          'create',
          '--name',
          'P',
          '--redirect-uri',
          'https://a.example/cb',
          '--subject-type',
          'pairwise',
        ].concat(['--sector-identifier-uri', sectorUri]),
        { env: { GATEHOUSE_OUTBOUND_FETCH_ALLOW_LOOPBACK: 'false' } },
      ),
      /sector_identifier_uri could not be fetched/,
    );
    expect(sectorServer.connections).toBe(asked);
  });
});
