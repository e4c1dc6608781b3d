/**
 * ClientRegistry's OpenID Connect settings (core/client-oidc.ts): each flag's good and bad values,
 * the pairwise sector rules and the sector_identifier_uri document, with an in-memory store and a
 * document source that records what was fetched. The guarded fetcher itself: src/outbound/documents.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ClientRegistrationError, ClientRegistry, type NewClient } from './clients.js';
import type { NewClientOidc } from './client-oidc.js';
import type { ClientRecord, ClientStore, RemoteDocuments } from './ports.js';

function setUp(documents: Record<string, unknown> | null = {}) {
  const saved: ClientRecord[] = [];
  const fetched: string[] = [];
  const store = { createClient: async (client: ClientRecord) => void saved.push(client) } as unknown as ClientStore;
  const source: RemoteDocuments | null =
    documents === null
      ? null
      : {
          fetchJson: async (uri) => {
            fetched.push(uri);
            if (!(uri in documents)) throw new Error(`${new URL(uri).host}: answered 404`);
            return documents[uri];
          },
        };
  const registry = new ClientRegistry(store, undefined, undefined, null, source);
  const create = (oidc: NewClientOidc, client: Partial<NewClient> = {}) =>
    registry.create({ name: 'App', redirectUris: ['https://app.example/cb'], ...client, oidc });
  return { create, saved, fetched };
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ClientRegistrationError);
  return (error as Error).message;
}

describe('ClientRegistry: OpenID Connect settings', () => {
  it('a client without them stores no oidc; the defaults given explicitly store nothing either', async () => {
    const { create, saved } = setUp();
    expect((await create({})).client).not.toHaveProperty('oidc');
    expect((await create({ idTokenSignedResponseAlg: 'RS256', subjectType: 'public' })).client).not.toHaveProperty(
      'oidc',
    );
    expect(saved).toHaveLength(2);
  });

  it('stores every setting it is given, in the record the store receives', async () => {
    const { create, saved } = setUp();
    const { client } = await create({
      postLogoutRedirectUris: ['https://app.example/bye', 'https://app.example/bye', 'http://127.0.0.1/out'],
      backchannelLogoutUri: 'https://app.example/backchannel?tenant=7',
      backchannelLogoutSessionRequired: true,
      idTokenSignedResponseAlg: 'ES256',
      userinfoSignedResponseAlg: 'RS256',
      idTokenClaims: true,
    });
    expect(client.oidc).toStrictEqual({
      idTokenSignedResponseAlg: 'ES256',
      userinfoSignedResponseAlg: 'RS256',
      postLogoutRedirectUris: ['https://app.example/bye', 'http://127.0.0.1/out'],
      backchannelLogoutUri: 'https://app.example/backchannel?tenant=7',
      backchannelLogoutSessionRequired: true,
      idTokenClaims: true,
    });
    expect(saved[0]!.oidc).toStrictEqual(client.oidc);
  });

  it('post-logout redirect URIs follow the redirect URI rules (RFC 8252 private-use schemes, loopback http)', async () => {
    const { create } = setUp();
    const ok = await create({ postLogoutRedirectUris: ['com.example.app:/signed-out', 'http://[::1]/bye'] });
    expect(ok.client.oidc?.postLogoutRedirectUris).toEqual(['com.example.app:/signed-out', 'http://[::1]/bye']);
    for (const [uri, why] of [
      ['https://app.example/bye#top', /fragment/],
      ['http://app.example/bye', /plain http/],
      ['/bye', /absolute/],
      ['javascript:alert(1)', /scheme javascript/],
      ['https://app.example/a b', /space/],
      ['https://user@app.example/bye', /user name/],
    ] as const) {
      expect(await refusal(create({ postLogoutRedirectUris: [uri] }))).toMatch(why);
      expect(await refusal(create({ postLogoutRedirectUris: [uri] }))).toMatch(/^post-logout redirect URI/);
    }
    // --allow-insecure-http stretches to them as to redirect URIs.
    const insecure = await create({ postLogoutRedirectUris: ['http://app.test/bye'] }, { allowInsecureHttp: true });
    expect(insecure.client.oidc?.postLogoutRedirectUris).toEqual(['http://app.test/bye']);
  });

  it('backchannel_logout_uri: https with a query; http only to loopback and only for a confidential client', async () => {
    const { create } = setUp();
    expect((await create({ backchannelLogoutUri: 'http://127.0.0.1:4000/logout' })).client.oidc).toEqual({
      backchannelLogoutUri: 'http://127.0.0.1:4000/logout',
    });
    const publicHttps = await create({ backchannelLogoutUri: 'https://spa.example/bcl' }, { isPublic: true });
    expect(publicHttps.client.oidc?.backchannelLogoutUri).toBe('https://spa.example/bcl');
    for (const [uri, why] of [
      ['http://app.example/logout', /must use https/],
      ['https://app.example/logout#x', /fragment/],
      ['app.example/logout', /absolute https/],
      ['com.example.app:/logout', /absolute https/],
      ['https://u:p@app.example/logout', /user name or password/],
      [`https://app.example/${'a'.repeat(2000)}`, /longer than 2000/],
      ['https://app.example/\nlogout', /control/],
    ] as const)
      expect(await refusal(create({ backchannelLogoutUri: uri }))).toMatch(why);
    expect(await refusal(create({ backchannelLogoutUri: 'http://127.0.0.1/logout' }, { isPublic: true }))).toMatch(
      /public client.*confidential/,
    );
    expect(await refusal(create({ backchannelLogoutSessionRequired: true }))).toMatch(/needs --backchannel-logout-uri/);
  });

  it('signing algorithms: RS256, ES256 or EdDSA; RS256 for ID tokens is the default and not stored', async () => {
    const { create } = setUp();
    expect((await create({ idTokenSignedResponseAlg: 'EdDSA' })).client.oidc).toEqual({
      idTokenSignedResponseAlg: 'EdDSA',
    });
    expect((await create({ userinfoSignedResponseAlg: 'EdDSA' })).client.oidc).toEqual({
      userinfoSignedResponseAlg: 'EdDSA',
    });
    for (const bad of ['none', 'HS256', 'rs256', 'PS256', ''])
      expect(await refusal(create({ idTokenSignedResponseAlg: bad }))).toMatch(/--id-token-alg must be one of/);
    expect(await refusal(create({ userinfoSignedResponseAlg: 'none' }))).toMatch(/--userinfo-alg must be one of/);
  });

  it('OpenID settings on a client whose scope lacks openid are refused (they would never apply)', async () => {
    const { create } = setUp();
    expect(await refusal(create({ idTokenClaims: true }, { scopes: ['read'] }))).toMatch(/need the openid scope/);
    expect(await refusal(create({ subjectType: 'pairwise' }, { scopes: ['read'] }))).toMatch(/openid/);
    expect((await create({ idTokenClaims: true }, { scopes: ['openid', 'email'] })).client.oidc).toEqual({
      idTokenClaims: true,
    });
  });

  it('pairwise without sector_identifier_uri: the sector is the one host of the redirect URIs', async () => {
    const { create, fetched } = setUp();
    const { client } = await create(
      { subjectType: 'pairwise' },
      { redirectUris: ['https://app.example/cb', 'https://app.example/other?x=1'] },
    );
    expect(client.oidc).toEqual({ subjectType: 'pairwise', sector: 'app.example' });
    expect(
      await refusal(
        create({ subjectType: 'pairwise' }, { redirectUris: ['https://app.example/cb', 'https://evil.example/cb'] }),
      ),
    ).toMatch(/several hosts \(app.example, evil.example\) needs --sector-identifier-uri/);
    expect(await refusal(create({ subjectType: 'pairwise' }, { redirectUris: [] }))).toMatch(/sector-identifier-uri/);
    // Attacker: two unrelated native apps on the loopback host would share a sector, hence a sub.
    for (const loopback of ['http://127.0.0.1/cb', 'http://localhost:8123/cb', 'http://[::1]/cb'])
      expect(await refusal(create({ subjectType: 'pairwise' }, { redirectUris: [loopback] }))).toMatch(
        /loopback host .* needs --sector-identifier-uri/,
      );
    // A private-use scheme names no host: two apps would otherwise share the sector ''.
    expect(await refusal(create({ subjectType: 'pairwise' }, { redirectUris: ['com.example.app:/cb'] }))).toMatch(
      /sector-identifier-uri/,
    );
    expect(await refusal(create({ subjectType: 'anonymous' }))).toMatch(/public or pairwise/);
    expect(fetched).toEqual([]);
  });

  it('sector_identifier_uri: fetched; every redirect URI must be listed; the sector is its host', async () => {
    const sectorUri = 'https://sector.example/ids.json';
    const { create, fetched } = setUp({
      [sectorUri]: ['https://a.example/cb', 'https://b.example/cb', 'https://c.example/cb'],
      'https://sector.example/object.json': { redirect_uris: ['https://a.example/cb'] },
      'https://sector.example/numbers.json': [1, 2],
      'https://sector.example/huge.json': Array.from({ length: 1001 }, (_, i) => `https://a.example/${i}`),
    });
    const redirectUris = ['https://a.example/cb', 'https://b.example/cb'];
    const { client } = await create({ subjectType: 'pairwise', sectorIdentifierUri: sectorUri }, { redirectUris });
    expect(client.oidc).toEqual({ subjectType: 'pairwise', sectorIdentifierUri: sectorUri, sector: 'sector.example' });
    expect(fetched).toEqual([sectorUri]);

    const pairwise = (uri: string, uris = redirectUris) =>
      refusal(create({ subjectType: 'pairwise', sectorIdentifierUri: uri }, { redirectUris: uris }));
    expect(await pairwise(sectorUri, [...redirectUris, 'https://d.example/cb'])).toMatch(
      /does not list the redirect URI "https:\/\/d.example\/cb"/,
    );
    expect(await pairwise('https://sector.example/object.json')).toMatch(/JSON array/);
    expect(await pairwise('https://sector.example/numbers.json')).toMatch(/JSON array/);
    expect(await pairwise('https://sector.example/huge.json')).toMatch(/more than 1000/);
    expect(await pairwise('https://sector.example/missing.json')).toMatch(
      /could not be fetched: sector.example: answered 404/,
    );
    // Refused before any fetch: not https, a fragment, without pairwise.
    const before = fetched.length;
    expect(await pairwise('http://sector.example/ids.json')).toMatch(/must use https/);
    expect(await pairwise('https://sector.example/ids.json#x')).toMatch(/fragment/);
    expect(await refusal(create({ sectorIdentifierUri: sectorUri }))).toMatch(/add --subject-type pairwise/);
    expect(
      await refusal(create({ subjectType: 'pairwise', sectorIdentifierUri: sectorUri, idTokenSignedResponseAlg: 'x' })),
    ).toMatch(/--id-token-alg/);
    expect(fetched).toHaveLength(before);
  });

  it('a registry without a document source refuses a sector_identifier_uri instead of skipping the check', async () => {
    const { create } = setUp(null);
    expect(
      await refusal(create({ subjectType: 'pairwise', sectorIdentifierUri: 'https://sector.example/ids.json' })),
    ).toMatch(/cannot be fetched here/);
  });
});
