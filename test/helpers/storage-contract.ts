/**
 * What the storage contract suites (src/storage/sql/*.contract.test.ts) share: record makers with
 * valid defaults, readers of the stored rows, and the database each suite opens per engine.
 *
 * Not a test file by itself, and kept under test/ so the build never ships it.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { migrations } from '../../src/storage/migrations/index.js';
import type { SqlStore } from '../../src/storage/sql-store.js';
import type {
  AccessTokenRecord,
  AccountTokenPurpose,
  AccountTokenRecord,
  AuthorizationCodeRecord,
  BlockRule,
  ClientRecord,
  RedemptionOutcome,
  RefreshTokenRecord,
  RotationOutcome,
  SessionRecord,
  SigningKeyRecord,
  UserRecord,
} from '../../src/storage/store.js';
import type { EngineFactory, TestDatabase } from './databases.js';

/** A fixed "now" (whole seconds). */
export const T = 1_800_000_000;
/** Beyond 2^32: BIGINT columns must come back as this exact JS number. */
export const FAR_FUTURE = 5_000_000_000;
export const ALL_VERSIONS = migrations.map((migration) => migration.version);

export const id = (prefix: string) => `${prefix}-${randomUUID()}`;

export function makeClient(overrides: Partial<ClientRecord> = {}): ClientRecord {
  return {
    id: id('client'),
    name: 'Test client',
    secretHash: 'a'.repeat(64),
    isPublic: false,
    redirectUris: ['https://app.example/callback', 'https://app.example/other'],
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'profile'],
    trusted: false,
    canIntrospect: false,
    allowedResources: null,
    createdAt: T,
    authMethod: overrides.isPublic ? 'none' : 'client_secret_basic',
    ...overrides,
  };
}

export function makeUser(overrides: Partial<UserRecord> = {}): UserRecord {
  const suffix = randomUUID().slice(0, 8);
  return {
    id: id('user'),
    username: `Alice_${suffix}`,
    usernameCanonical: `alice_${suffix}`,
    email: `Alice.${suffix}@Example.com`,
    emailCanonical: `alice.${suffix}@example.com`,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g',
    awaitingConfirmation: false,
    enabled: true,
    roles: ['admin', 'auditor'],
    createdAt: T,
    updatedAt: T,
    displayName: null,
    emailVerified: false,
    ...overrides,
  };
}

export interface Owner {
  clientId: string;
  userId: string | null;
}

export function makeAccessToken(
  owner: Owner,
  familyId: string,
  overrides: Partial<AccessTokenRecord> = {},
): AccessTokenRecord {
  return {
    tokenHash: id('at'),
    jti: id('jti'),
    familyId,
    clientId: owner.clientId,
    userId: owner.userId,
    scope: 'openid profile',
    issuedAt: T,
    expiresAt: T + 3600,
    revokedAt: null,
    ...overrides,
  };
}

export function makeRefreshToken(
  owner: Owner,
  familyId: string,
  overrides: Partial<RefreshTokenRecord> = {},
): RefreshTokenRecord {
  return {
    tokenHash: id('rt'),
    familyId,
    parentHash: null,
    clientId: owner.clientId,
    userId: owner.userId,
    scope: 'openid profile',
    issuedAt: T,
    familyStartedAt: T,
    expiresAt: T + 86_400,
    consumedAt: null,
    revokedAt: null,
    ...overrides,
  };
}

export interface Pair {
  accessToken: AccessTokenRecord;
  refreshToken: RefreshTokenRecord;
}

/** The pair a rotation of `parent` at `issuedAt` would store. */
export function nextPair(owner: Owner, familyId: string, parent: string | null, issuedAt: number): Pair {
  return {
    accessToken: makeAccessToken(owner, familyId, { issuedAt, expiresAt: issuedAt + 3600 }),
    refreshToken: makeRefreshToken(owner, familyId, { parentHash: parent, issuedAt, expiresAt: issuedAt + 86_400 }),
  };
}

export function makeCode(
  owner: { clientId: string; userId: string },
  overrides: Partial<AuthorizationCodeRecord> = {},
): AuthorizationCodeRecord {
  return {
    codeHash: id('code'),
    familyId: id('family'),
    clientId: owner.clientId,
    userId: owner.userId,
    redirectUri: 'https://app.example/callback',
    redirectUriGiven: true,
    scope: 'openid',
    codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    codeChallengeMethod: 'S256',
    issuedAt: T,
    expiresAt: T + 60,
    consumedAt: null,
    ...overrides,
  };
}

/** Every row of a family as stored, straight from the tables (so no stray row escapes the checks). */
export async function familyRows(store: SqlStore, familyId: string) {
  const access = await store.driver.all<{ token_hash: string; revoked_at: number | string | null }>(
    'SELECT token_hash, revoked_at FROM access_tokens WHERE family_id = ? ORDER BY token_hash',
    [familyId],
  );
  const refresh = await store.driver.all<{
    token_hash: string;
    consumed_at: number | string | null;
    revoked_at: number | string | null;
  }>('SELECT token_hash, consumed_at, revoked_at FROM refresh_tokens WHERE family_id = ? ORDER BY token_hash', [
    familyId,
  ]);
  return {
    access,
    refresh,
    liveAccess: access.filter((row) => row.revoked_at === null).map((row) => row.token_hash),
    liveRefresh: refresh
      .filter((row) => row.revoked_at === null && row.consumed_at === null)
      .map((row) => row.token_hash),
  };
}

export async function countRows(
  store: SqlStore,
  table:
    | 'access_tokens'
    | 'refresh_tokens'
    | 'authorization_codes'
    | 'sessions'
    | 'consents'
    | 'signing_keys'
    | 'throttles'
    | 'account_tokens'
    | 'users',
  where = '1 = 1',
  params: unknown[] = [],
) {
  const row = await store.driver.get<{ n: number | string }>(
    `SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`,
    params,
  );
  return Number(row?.n);
}

/** A signing key as the key ring would store it (the key material is opaque to the store). */
export function makeSigningKey(overrides: Partial<SigningKeyRecord> = {}): SigningKeyRecord {
  const kid = overrides.kid ?? id('kid');
  return {
    kid,
    algorithm: 'EdDSA',
    publicJwk: JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: randomUUID(), kid, alg: 'EdDSA', use: 'sig' }),
    privateKeyEncrypted: `v1.${randomUUID()}.${randomUUID()}.${randomUUID()}`,
    createdAt: T,
    retiredAt: null,
    publishUntil: null,
    ...overrides,
  };
}

/** A confirmation or reset link as the account flows would issue it (only the hash is stored). */
export function makeAccountToken(
  userId: string,
  purpose: AccountTokenPurpose,
  overrides: Partial<AccountTokenRecord> = {},
): AccountTokenRecord {
  return { tokenHash: id(`link-${purpose}`), userId, purpose, createdAt: T, expiresAt: T + 86_400, ...overrides };
}

export function makeSession(userId: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    idHash: id('session'),
    userId,
    createdAt: T,
    expiresAt: T + 28_800,
    sid: id('sid'),
    authTime: T,
    ...overrides,
  };
}

export function tally(outcomes: Array<RotationOutcome | RedemptionOutcome>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) counts[outcome.kind] = (counts[outcome.kind] ?? 0) + 1;
  return counts;
}

/** Never blocks in these tests: the count is all that changes. */
export const NEVER: BlockRule = { threshold: 1000, maxDelay: 900 };

/** The stored row of a throttle key, numbers as numbers; null when there is none. */
export async function throttleRow(db: SqlStore, key: string) {
  const row = await db.driver.get<{
    failures: number | string;
    last_failure_at: number | string;
    blocked_until: number | string;
  }>('SELECT failures, last_failure_at, blocked_until FROM throttles WHERE throttle_key = ?', [key]);
  return row
    ? {
        failures: Number(row.failures),
        lastFailureAt: Number(row.last_failure_at),
        blockedUntil: Number(row.blocked_until),
      }
    : null;
}

/** The database a contract suite runs on, with a client and a user most of its tests use. */
export interface ContractStores {
  database: TestDatabase;
  /** The main store instance, migrated. */
  store: SqlStore;
  /** A second instance on the same database: its own connection (SQLite) or pool (PostgreSQL). */
  other: SqlStore;
  owner: { clientId: string; userId: string };
}

/** A fresh database for one suite (beforeAll); the suite's afterAll cleans it up. */
export async function openContractStores(factory: EngineFactory): Promise<ContractStores> {
  const database = await factory.createDatabase();
  const store = database.open();
  expect(await store.migrate()).toEqual(ALL_VERSIONS);
  const other = database.open();
  const client = makeClient();
  const user = makeUser();
  await store.createClient(client);
  await store.createUser(user);
  return { database, store, other, owner: { clientId: client.id, userId: user.id } };
}

/** A family with its first pair issued. */
export async function issueFamilyIn(
  store: SqlStore,
  owner: Owner,
  issuedAt = T,
): Promise<{ familyId: string; first: Pair }> {
  const familyId = id('family');
  const first = nextPair(owner, familyId, null, issuedAt);
  await store.issueTokens(first);
  return { familyId, first };
}

/** A user of their own (created in the suite's database) with the given fields. */
export async function createUserIn(store: SqlStore, overrides: Partial<UserRecord> = {}): Promise<UserRecord> {
  const user = makeUser(overrides);
  await store.createUser(user);
  return user;
}
