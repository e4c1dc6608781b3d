/**
 * A pairwise client's sector_identifier_uri read through the guarded fetcher (guardedDocuments), as
 * `client create` does: served from loopback in development; in production a URL that is, or
 * resolves to, a loopback, private or link-local address is refused before any connection.
 */
import type { LookupAddress } from 'node:dns';
import { afterEach, describe, expect, it } from 'vitest';
import { json, type LocalServer, localServer } from '../../test/harness/local-servers.js';
import { ClientRegistrationError, ClientRegistry } from '../core/clients.js';
import type { ClientStore } from '../core/ports.js';
import { guardedDocuments } from './documents.js';
import type { Resolver } from './guarded-fetch.js';

const development = { timeout: 5, max_bytes: 64 * 1024, allow_loopback: true };
const production = { ...development, allow_loopback: false };

const servers: LocalServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});
async function serve(...args: Parameters<typeof localServer>): Promise<LocalServer> {
  const server = await localServer(...args);
  servers.push(server);
  return server;
}

const store = { createClient: async () => {} } as unknown as ClientStore;

function register(settings: typeof development, sectorIdentifierUri: string, resolve?: Resolver) {
  const registry = new ClientRegistry(store, undefined, undefined, null, guardedDocuments(settings, resolve));
  return registry.create({
    name: 'Pairwise',
    redirectUris: ['https://a.example/cb', 'https://b.example/cb'],
    oidc: { subjectType: 'pairwise', sectorIdentifierUri },
  });
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ClientRegistrationError);
  return (error as Error).message;
}

/** DNS answers from a table, no real lookups. */
const resolving =
  (answers: Record<string, string>): Resolver =>
  async (hostname) => {
    const address = answers[hostname];
    if (!address) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
    return [{ address, family: address.includes(':') ? 6 : 4 } satisfies LookupAddress];
  };

describe('sector_identifier_uri through the guarded fetcher', () => {
  it('development: fetched from loopback with GET; the sector is its host', async () => {
    const server = await serve(json(['https://a.example/cb', 'https://b.example/cb']));
    const { client } = await register(development, server.url('/sector.json?v=1'));
    expect(client.oidc).toMatchObject({ subjectType: 'pairwise', sector: `127.0.0.1:${server.port}` });
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /sector.json?v=1']);
  });

  it('production: a loopback URL is refused without a connection (http, and https too)', async () => {
    const server = await serve(json(['https://a.example/cb', 'https://b.example/cb']));
    expect(await refusal(register(production, server.url('/sector.json')))).toMatch(/could not be fetched/);
    expect(await refusal(register(production, `https://127.0.0.1:${server.port}/sector.json`))).toMatch(/not fetched/);
    expect(server.connections).toBe(0);
  });

  it('attacker: a name resolving to a private or link-local address is refused, in production and in development', async () => {
    const dns = resolving({ 'sector.attacker.example': '10.0.0.7', 'metadata.attacker.example': '169.254.169.254' });
    for (const settings of [production, development]) {
      for (const host of ['sector.attacker.example', 'metadata.attacker.example']) {
        const message = await refusal(register(settings, `https://${host}/sector.json`, dns));
        expect(message).toMatch(
          new RegExp(`could not be fetched: ${host}: resolves to an address that is not fetched`),
        );
      }
      expect(await refusal(register(settings, 'https://192.168.1.1/sector.json'))).toMatch(/not fetched/);
    }
  });

  it('not JSON, or a redirect (not followed), is refused', async () => {
    const html = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<p>["https://a.example/cb"]</p>');
    });
    expect(await refusal(register(development, html.url('/sector')))).toMatch(/not JSON/);
    const target = await serve(json(['https://a.example/cb', 'https://b.example/cb']));
    const moved = await serve((_request, response) => {
      response.writeHead(302, { location: target.url('/sector.json') });
      response.end();
    });
    expect(await refusal(register(development, moved.url('/sector')))).toMatch(/302: not followed/);
    expect(target.requests).toHaveLength(0);
  });
});
