import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cheapPasswords } from '../../../test/harness/passwords.js';
import { createSqliteStore, type TestStore } from '../../../test/helpers/databases.js';
import { UserAccounts } from '../../accounts/users.js';
import { composeServices, type Services } from '../../compose.js';
import { validateConfig } from '../../config/load.js';
import type { Store } from '../../storage/store.js';
import { ClientRegistry } from '../clients.js';
import { ManualClock } from '../clock.js';
import type { ClientRecord } from '../ports.js';

/**
 * The token endpoint's OpenID Connect reads (the sign-in behind a grant, the whole user for the
 * ID token's claims) happen only for a scope with openid: the code and refresh grants of plain
 * OAuth requests read nothing more than before.
 */
describe('OpenID Connect reads at the token endpoint', () => {
  let db: TestStore;
  const clock = new ManualClock(1_800_000_000);
  let gatehouse: Services;
  let client: ClientRecord;
  let secret: string;
  let aliceId: string;
  const reads: string[] = [];

  beforeAll(async () => {
    db = await createSqliteStore();
    const { store } = db;
    // The store as the grants see it, with the two reads counted.
    const counted: Store = Object.create(store);
    Object.assign(counted, {
      oidcGrants: {
        saveOidcGrant: (grant: Parameters<Store['oidcGrants']['saveOidcGrant']>[0]) =>
          store.oidcGrants.saveOidcGrant(grant),
        listOidcGrantsOfSession: (sid: string) => store.oidcGrants.listOidcGrantsOfSession(sid),
        findOidcGrant: (familyId: string) => {
          reads.push('findOidcGrant');
          return store.oidcGrants.findOidcGrant(familyId);
        },
      },
      findUserById: (id: string) => {
        reads.push('findUserById');
        return store.findUserById(id);
      },
    });
    const config = validateConfig({
      issuer: 'https://auth.example',
      supported_scopes: ['read', 'offline_access'],
      default_scope: 'read',
      key_encryption_key: 'unit-test-key-encryption-key-0123456789abcdef',
    });
    gatehouse = composeServices({ passwords: cheapPasswords, config, store: counted, clock });
    const registered = await new ClientRegistry(store, clock).create({
      name: 'web',
      redirectUris: ['https://web.example/cb'],
      grantTypes: ['authorization_code', 'refresh_token'],
    });
    client = registered.client;
    secret = registered.secret!;
    aliceId = (
      await new UserAccounts(store, { clock, passwords: cheapPasswords }).create({
        username: 'alice',
        email: 'alice@example.com',
        password: 'a long passphrase',
      })
    ).id;
  });
  afterAll(() => db.cleanup());

  const params = (values: Record<string, string>) => new Map(Object.entries(values));
  const authorization = () => `Basic ${Buffer.from(`${client.id}:${secret}`).toString('base64')}`;

  async function codeFor(scope: string): Promise<string> {
    const validation = await gatehouse.authorizationEndpoint.validate(
      params({
        response_type: 'code',
        client_id: client.id,
        redirect_uri: 'https://web.example/cb',
        scope,
        state: 'st',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
        nonce: 'n',
      }),
    );
    if (validation.kind !== 'valid') throw new Error(JSON.stringify(validation));
    const user = { id: aliceId, username: 'alice', roles: [] };
    const signIn = { sid: 'session-id-0123456789', authTime: clock.now(), amr: ['pwd'] };
    const location = await gatehouse.authorizationEndpoint.approve(validation.request, user, true, undefined, signIn);
    return new URL(location).searchParams.get('code')!;
  }

  const redeem = (code: string) =>
    gatehouse.tokenEndpoint.handle({
      params: params({
        grant_type: 'authorization_code',
        code,
        redirect_uri: 'https://web.example/cb',
        code_verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
      }),
      authorization: authorization(),
    });
  const refresh = (refreshToken: string) =>
    gatehouse.tokenEndpoint.handle({
      params: params({ grant_type: 'refresh_token', refresh_token: refreshToken }),
      authorization: authorization(),
    });

  it('a plain code and its refresh: no sign-in read, no extra user read', async () => {
    const code = await codeFor('read');
    reads.length = 0;
    const { response } = await redeem(code);
    expect(response.id_token).toBeUndefined();
    expect(reads).toEqual(['findUserById']);
    reads.length = 0;
    const refreshed = await refresh(response.refresh_token!);
    expect(refreshed.response.id_token).toBeUndefined();
    expect(reads).toEqual([]);
  });

  it('an openid code and its refresh read the sign-in (and the user for the claims)', async () => {
    const code = await codeFor('openid offline_access');
    reads.length = 0;
    const { response } = await redeem(code);
    expect(response.id_token).toBeTruthy();
    expect(reads.sort()).toEqual(['findOidcGrant', 'findUserById']);
    reads.length = 0;
    const refreshed = await refresh(response.refresh_token!);
    expect(refreshed.response.id_token).toBeTruthy();
    expect(reads.sort()).toEqual(['findOidcGrant', 'findUserById']);
  });
});
