/**
 * What the OpenID logout tests share: an OpenID client registered through the store with its
 * logout settings, a signed-in browser and its session, and an ID token minted by the server's
 * own signer for the id_token_hint.
 */
import { hashSecret } from '../../src/core/secrets.js';
import type { ClientOidcSettings, ClientRecord, OidcGrantRecord } from '../../src/core/ports.js';
import type { SessionRecord } from '../../src/storage/store.js';
import { HttpBrowser } from '../helpers/browser-http.js';
import { id, makeClient } from '../helpers/storage-contract.js';
import type { TestServer } from './index.js';

export const LOGOUT_PASSWORD = 'correct horse battery staple';

/** A client with the given OpenID logout settings, stored directly (the CLI flags are another helper's). */
export async function createOidcClient(
  fx: TestServer,
  oidc: ClientOidcSettings,
  overrides: Partial<ClientRecord> = {},
): Promise<ClientRecord> {
  const client = makeClient({
    name: 'Acme Notes',
    redirectUris: ['https://notes.example/callback'],
    createdAt: fx.clock.now(),
    oidc,
    ...overrides,
  });
  await fx.store.createClient(client);
  return (await fx.store.findClient(client.id))!;
}

let users = 0;

/** A new user signed in in a new cookie-keeping browser; its session as stored. */
export async function signedInBrowser(
  fx: TestServer,
): Promise<{ browser: HttpBrowser; userId: string; username: string; session: SessionRecord }> {
  const username = `logout${++users}_${id('u').slice(-6)}`;
  await fx.createUser(username, `${username}@example.com`, LOGOUT_PASSWORD);
  const browser = new HttpBrowser(fx.url);
  await browser.signInOrFail(username, LOGOUT_PASSWORD);
  const session = (await sessionOf(fx, browser))!;
  return { browser, userId: session.userId, username, session };
}

/** The session behind the browser's cookie, or null when it has none (or it ended). */
export async function sessionOf(fx: TestServer, browser: HttpBrowser): Promise<SessionRecord | null> {
  const cookie = /(?:^|; )gatehouse_session=([^;]+)/.exec(browser.jar.header() ?? '')?.[1];
  return cookie ? fx.store.findSession(hashSecret(cookie)) : null;
}

/** An ID token of `client` for the user of `session`, signed by the server (the hint an app sends back). */
export function idTokenFor(
  fx: TestServer,
  client: ClientRecord,
  session: Pick<SessionRecord, 'userId' | 'sid' | 'authTime'>,
) {
  return fx.gatehouse.idTokens!.idToken({
    client,
    subject: fx.gatehouse.subjects.of(client, session.userId),
    grant: { authTime: session.authTime, sid: session.sid, amr: ['pwd'], acr: null },
  });
}

/** An OpenID grant of `client` signed in through `session`, with a live access and refresh token. */
export async function grantThrough(
  fx: TestServer,
  client: ClientRecord,
  session: SessionRecord,
  offline = false,
): Promise<{ familyId: string; accessHash: string; refreshHash: string }> {
  const now = fx.clock.now();
  const familyId = id('family');
  const grant: OidcGrantRecord = {
    familyId,
    clientId: client.id,
    userId: session.userId,
    sid: session.sid,
    authTime: session.authTime,
    amr: ['pwd'],
    acr: null,
    nonce: null,
    claims: null,
    offline,
    createdAt: now,
  };
  await fx.store.oidcGrants.saveOidcGrant(grant);
  const owner = { clientId: client.id, userId: session.userId };
  const accessHash = id('at');
  const refreshHash = id('rt');
  await fx.store.issueTokens({
    accessToken: {
      tokenHash: accessHash,
      jti: id('jti'),
      familyId,
      ...owner,
      scope: offline ? 'openid offline_access' : 'openid',
      issuedAt: now,
      expiresAt: now + 3600,
      revokedAt: null,
    },
    refreshToken: {
      tokenHash: refreshHash,
      familyId,
      parentHash: null,
      ...owner,
      scope: offline ? 'openid offline_access' : 'openid',
      issuedAt: now,
      expiresAt: now + 86_400,
      consumedAt: null,
      revokedAt: null,
    },
  });
  return { familyId, accessHash, refreshHash };
}
