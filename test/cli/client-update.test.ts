/**
 * `gatehouse client update ID`: what it changes, that it holds changes to the rules of
 * `client create` (misuse, exit 2, nothing changed), that it is audited, and that a running
 * server (test/harness, its client cache filled) sees the change on the very next request. Also
 * the warning for a browser-flow client without a redirect URI, at create and at update.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';
import { describeEachEngine } from '../helpers/databases.js';
import { tokenRequest } from '../helpers/server.js';
import {
  databaseUrl,
  describeResult,
  expectMisuse,
  expectSuccess,
  parseJson,
  queryRows,
  runCli,
  type RunOptions,
} from '../helpers/cli.js';

const SCOPES = { GATEHOUSE_SUPPORTED_SCOPES: 'read write admin' };

interface ShownClient extends CreatedClient {
  post_logout_redirect_uris: string[];
  id_token_signed_response_alg: string;
  id_token_claims: boolean;
}

describeEachEngine('gatehouse client update', (factory) => {
  let fx: TestServer;
  let url: string;
  const cli = (args: string[], options: RunOptions = {}) =>
    runCli([...args, '--database', url], { ...options, env: { ...SCOPES, ...options.env } });
  const create = async (...args: string[]) => {
    const result = await cli(['client', 'create', '--name', 'App', ...args, '--json']);
    expect(result.code, describeResult(result)).toBe(0);
    return parseJson<CreatedClient>(result);
  };
  const update = (id: string, ...args: string[]) => cli(['client', 'update', id, ...args, '--json']);
  const show = async (id: string) => parseJson<ShownClient>(await cli(['client', 'show', id, '--json']));
  const row = async (id: string) =>
    (await queryRows(fx.database.location, 'SELECT * FROM clients WHERE id = ?', [id]))[0];

  beforeAll(async () => {
    fx = await startTestServer({ engine: factory.engine, config: { supported_scopes: ['read', 'write', 'admin'] } });
    url = databaseUrl(fx.database.location);
  });

  afterAll(async () => {
    await fx?.close();
  });

  it('changes name, scopes, grant types, trusted and introspect, and prints the client as changed', async () => {
    const client = await create('--grant-type', 'client_credentials', '--scope', 'read');
    const result = await update(
      client.client_id,
      '--name',
      'Renamed',
      '--scope',
      'read write',
      '--grant-type',
      'client_credentials',
      '--grant-type',
      'refresh_token',
      '--trusted',
      '--introspect',
    );
    expectSuccess(result);
    expect(parseJson<ShownClient>(result)).toMatchObject({
      client_id: client.client_id,
      name: 'Renamed',
      scope: 'read write',
      grant_types: ['client_credentials', 'refresh_token'],
      trusted: true,
      introspect: true,
    });
    expect(await show(client.client_id)).toMatchObject({ name: 'Renamed', scope: 'read write', trusted: true });
    // The secret is untouched: the client still authenticates with it.
    const token = await tokenRequest(
      fx.url,
      { grant_type: 'client_credentials', scope: 'write' },
      { basic: [client.client_id, client.client_secret!] },
    );
    expect(token.status, token.text).toBe(200);

    expectSuccess(await update(client.client_id, '--no-trusted', '--no-introspect', '--every-scope'));
    expect(await show(client.client_id)).toMatchObject({ trusted: false, introspect: false, scope: null });
  });

  it('adds, removes and replaces redirect URIs and post-logout redirect URIs', async () => {
    const client = await create('--redirect-uri', 'https://a.example/cb', '--scope', 'openid read');
    expectSuccess(
      await update(
        client.client_id,
        '--add-redirect-uri',
        'https://b.example/cb',
        '--add-redirect-uri',
        'https://a.example/cb',
      ),
    );
    expect((await show(client.client_id)).redirect_uris).toEqual(['https://a.example/cb', 'https://b.example/cb']);
    expectSuccess(await update(client.client_id, '--remove-redirect-uri', 'https://a.example/cb'));
    expect((await show(client.client_id)).redirect_uris).toEqual(['https://b.example/cb']);
    expectSuccess(
      await update(
        client.client_id,
        '--redirect-uri',
        'https://c.example/cb',
        '--redirect-uri',
        'https://d.example/cb',
      ),
    );
    expect((await show(client.client_id)).redirect_uris).toEqual(['https://c.example/cb', 'https://d.example/cb']);

    expectSuccess(await update(client.client_id, '--add-post-logout-redirect-uri', 'https://c.example/bye'));
    expect((await show(client.client_id)).post_logout_redirect_uris).toEqual(['https://c.example/bye']);
    expectSuccess(
      await update(
        client.client_id,
        '--remove-post-logout-redirect-uri',
        'https://c.example/bye',
        '--id-token-alg',
        'ES256',
      ),
    );
    expect(await show(client.client_id)).toMatchObject({
      post_logout_redirect_uris: [],
      id_token_signed_response_alg: 'ES256',
    });
  });

  it('holds a change to the rules of client create: misuse, exit 2, and nothing changed', async () => {
    const client = await create('--redirect-uri', 'https://a.example/cb', '--scope', 'read');
    const pub = await create('--public', '--redirect-uri', 'http://127.0.0.1/cb');
    const before = await row(client.client_id);
    const cases: [string[], RegExp][] = [
      [[client.client_id, '--add-redirect-uri', 'http://evil.example/cb'], /plain http/],
      [[client.client_id, '--add-redirect-uri', 'https://a.example/cb#frag'], /fragment/],
      [[client.client_id, '--grant-type', 'bogus'], /unknown grant type bogus/],
      [[client.client_id, '--scope', 'read nope'], /nope.*supported_scopes/],
      [[client.client_id, '--name', ' '], /name must be/],
      [[client.client_id, '--id-token-alg', 'HS256'], /id-token-alg/],
      // OpenID Connect settings need the openid scope, as at create.
      [[client.client_id, '--add-post-logout-redirect-uri', 'https://a.example/bye'], /openid/],
      [[pub.client_id, '--introspect'], /public client cannot be given --introspect/],
      [[pub.client_id, '--grant-type', 'client_credentials'], /public client cannot use client_credentials/],
      [[client.client_id, '--remove-redirect-uri', 'https://nowhere.example/cb'], /no such URI/],
      [
        [client.client_id, '--redirect-uri', 'https://x.example/cb', '--add-redirect-uri', 'https://y.example/cb'],
        /not both/,
      ],
      [[client.client_id], /nothing to change/],
      [['no-such-client', '--name', 'x'], /no client "no-such-client"/],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(['client', 'update', ...args])));
    results.forEach((result, i) => {
      expectMisuse(result, cases[i]![1]);
      expect(result.stdout).toBe('');
    });
    expect(await row(client.client_id)).toEqual(before);
  });

  it('a plain http redirect URI to a host that is not loopback needs --allow-insecure-http, and stays through later changes', async () => {
    const client = await create('--redirect-uri', 'https://a.example/cb');
    expectSuccess(
      await update(client.client_id, '--add-redirect-uri', 'http://dev.example/cb', '--allow-insecure-http'),
    );
    // Registered once, it is not judged again: a later change of something else goes through.
    expectSuccess(await update(client.client_id, '--name', 'Dev'));
    expect(await show(client.client_id)).toMatchObject({
      name: 'Dev',
      redirect_uris: ['https://a.example/cb', 'http://dev.example/cb'],
    });
  });

  it("keeps a pairwise client's sector: redirect URIs on another host are refused, on its host accepted", async () => {
    const client = await create(
      '--redirect-uri',
      'https://a.example/cb',
      '--scope',
      'openid',
      '--subject-type',
      'pairwise',
    );
    expectMisuse(await update(client.client_id, '--redirect-uri', 'https://b.example/cb'), /sector is a\.example/);
    expectSuccess(await update(client.client_id, '--add-redirect-uri', 'https://a.example/other'));
    expect(await show(client.client_id)).toMatchObject({
      subject_type: 'pairwise',
      pairwise_sector: 'a.example',
      redirect_uris: ['https://a.example/cb', 'https://a.example/other'],
    });
  });

  it("a public client's redirect URI origins (CORS) follow its redirect URIs; the server sees the new one at once", async () => {
    const client = await create('--public', '--redirect-uri', 'https://a.example/cb');
    expect(await fx.store.originRegistered('https://a.example')).toBe(true);
    expectSuccess(await update(client.client_id, '--redirect-uri', 'https://b.example/cb'));
    const rows = await queryRows<{ origin: string }>(
      fx.database.location,
      'SELECT origin FROM client_origins WHERE client_id = ?',
      [client.client_id],
    );
    expect(rows.map((row) => row.origin)).toEqual(['https://b.example']);
    expect(await fx.store.originRegistered('https://b.example')).toBe(true);
    expect(await fx.store.originRegistered('https://a.example')).toBe(false);
  });

  it('adds, removes and replaces allowed origins (CORS) by the rules of client create; the server sees them at once', async () => {
    const client = await create('--grant-type', 'client_credentials', '--allowed-origin', 'https://one.example');
    const added = await update(client.client_id, '--add-allowed-origin', 'HTTPS://Two.Example:443');
    expectSuccess(added);
    expect(parseJson<{ allowed_origins: string[] }>(added).allowed_origins).toEqual([
      'https://one.example',
      'https://two.example',
    ]);
    expect(await fx.store.originRegistered('https://two.example')).toBe(true);
    expectSuccess(await update(client.client_id, '--remove-allowed-origin', 'https://one.example'));
    expect(await fx.store.originRegistered('https://one.example')).toBe(false);
    expect((await show(client.client_id)) as unknown).toMatchObject({ allowed_origins: ['https://two.example'] });

    // Misuse changes nothing: a path, plain http to another host, a removal of an origin it does not have.
    for (const args of [
      ['--allowed-origin', 'https://three.example/app'],
      ['--add-allowed-origin', 'http://three.example'],
      ['--remove-allowed-origin', 'https://never.example'],
      ['--allowed-origin', 'https://x.example', '--add-allowed-origin', 'https://y.example'],
    ]) {
      expectMisuse(await update(client.client_id, ...args));
    }
    expect((await show(client.client_id)) as unknown).toMatchObject({ allowed_origins: ['https://two.example'] });
    expectSuccess(
      await update(client.client_id, '--add-allowed-origin', 'http://dev.example:3000', '--allow-insecure-http'),
    );
    // Replacing the list with nothing but what it had keeps the insecure one without the flag again.
    expectSuccess(await update(client.client_id, '--allowed-origin', 'http://dev.example:3000'));
    expect(await fx.store.originRegistered('https://two.example')).toBe(false);
    expect(await fx.store.originRegistered('http://dev.example:3000')).toBe(true);
  });

  it('a change of type (--public, --confidential) is misuse that says why, and changes nothing', async () => {
    const client = await create('--grant-type', 'client_credentials');
    for (const flag of ['--public', '--confidential'])
      expectMisuse(await update(client.client_id, flag), /type \(public or confidential\) cannot change: delete it/);
    expect((await show(client.client_id)) as unknown).toMatchObject({ public: false });
  });

  it('records client.updated in the audit log, naming what changed', async () => {
    const client = await create('--grant-type', 'client_credentials');
    expectSuccess(await update(client.client_id, '--name', 'Audited', '--scope', 'read'));
    const events = await queryRows<{ type: string; actor: string; client_id: string; details: string }>(
      fx.database.location,
      'SELECT type, actor, client_id, details FROM audit_events WHERE client_id = ? ORDER BY id',
      [client.client_id],
    );
    expect(events.map((event) => event.type)).toEqual(['client.created', 'client.updated']);
    expect(events[1]).toMatchObject({ actor: 'admin', client_id: client.client_id });
    expect(JSON.parse(events[1]!.details)).toEqual({ changed: 'name scope' });
  });

  it('the running server sees the change on the very next request', async () => {
    const client = await create('--grant-type', 'client_credentials', '--scope', 'read write');
    const basic: [string, string] = [client.client_id, client.client_secret!];
    const ask = (scope: string) => tokenRequest(fx.url, { grant_type: 'client_credentials', scope }, { basic });
    // Requests until the server answers this client from its cache (on PostgreSQL, once its listener is up).
    const hitsBefore = fx.store.clientCacheHits;
    for (let round = 0; round < 500 && fx.store.clientCacheHits - hitsBefore < 3; round++)
      expect((await ask('write')).status).toBe(200);
    expect(fx.store.clientCacheHits - hitsBefore).toBeGreaterThanOrEqual(3);
    expectSuccess(await update(client.client_id, '--scope', 'read'));
    const refused = await ask('write');
    expect({ status: refused.status, error: refused.json?.error }, refused.text).toEqual({
      status: 400,
      error: 'invalid_scope',
    });
    expect((await ask('read')).status).toBe(200);

    expectSuccess(await update(client.client_id, '--grant-type', 'refresh_token'));
    const unauthorized = await ask('read');
    expect({ status: unauthorized.status, error: unauthorized.json?.error }).toEqual({
      status: 400,
      error: 'unauthorized_client',
    });
  });

  describe('a browser-flow client without a redirect URI', () => {
    const warning =
      /^warning: authorization_code needs a redirect URI, and this client has none: .*--add-redirect-uri URI\)\n$/;

    it('is warned about on stderr at create (the client is still created) and at update', async () => {
      const created = await cli(['client', 'create', '--name', 'No Redirect', '--json']);
      expect(created.code, describeResult(created)).toBe(0);
      expect(created.stderr).toMatch(warning);
      const { client_id: id } = parseJson<CreatedClient>(created);
      expect(created.stderr).toContain(`gatehouse client update ${id}`);

      const added = await update(id, '--add-redirect-uri', 'https://app.example/cb');
      expectSuccess(added);
      const removed = await update(id, '--remove-redirect-uri', 'https://app.example/cb');
      expect(removed.code, describeResult(removed)).toBe(0);
      expect(removed.stderr).toMatch(warning);
    });

    it('a client without a browser flow is not warned about', async () => {
      expectSuccess(await cli(['client', 'create', '--name', 'Machine', '--grant-type', 'client_credentials']));
    });
  });
});
