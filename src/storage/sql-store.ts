import type { SqlDriver } from './driver.js';
import { SqlAccountTokens } from './sql/account-tokens.js';
import { SqlClientRegistrations } from './sql/client-registrations.js';
import { SqlClients } from './sql/clients.js';
import { SqlCodes } from './sql/codes.js';
import { SqlConsents } from './sql/consents.js';
import { SqlDeviceCodes } from './sql/device-codes.js';
import { SqlOidcGrants } from './sql/oidc-grants.js';
import { SqlLogoutDeliveries } from './sql/logout-deliveries.js';
import { SqlPendingLogouts } from './sql/pending-logouts.js';
import { SqlKeys } from './sql/keys.js';
import { SqlMaintenance } from './sql/maintenance.js';
import * as pendingAuthorizations from './sql/pending-authorizations.js';
import { SqlSessions } from './sql/sessions.js';
import { SqlTokens } from './sql/tokens.js';
import { SqlUserGrants } from './sql/user-grants.js';
import { SqlUsers } from './sql/users.js';
import { SqlSecurityRecords } from './sql-security-records.js';
import type {
  AccessTokenRecord,
  AccountRevocation,
  AccountTokenPurpose,
  AccountTokenRecord,
  AuthorizationCodeRecord,
  CleanupCounts,
  ClientRecord,
  ConsentRecord,
  EmailChangeOutcome,
  IssuedTokens,
  PendingAuthorizationLimits,
  PendingAuthorizationRecord,
  RedemptionOutcome,
  RefreshTokenRecord,
  RefreshTokenWithUser,
  RotationOutcome,
  RotationRequest,
  NewSession,
  SessionRecord,
  SigningKeyRecord,
  Store,
  UserExpectation,
  UserGrantRecord,
  UserPatch,
  UserRecord,
} from './store.js';

/**
 * The whole storage contract, written once in SQL both engines understand: a facade over one
 * module per concern (src/storage/sql/), each working on the same driver. Each method hands its
 * call to the concern's module unchanged; the transactions and statements live there.
 */
export class SqlStore extends SqlSecurityRecords implements Store {
  private readonly clients: SqlClients;
  private readonly users: SqlUsers;
  private readonly accountTokens: SqlAccountTokens;
  private readonly userGrants: SqlUserGrants;
  private readonly tokens: SqlTokens;
  private readonly codes: SqlCodes;
  private readonly sessions: SqlSessions;
  private readonly consents: SqlConsents;
  private readonly keys: SqlKeys;
  private readonly maintenance: SqlMaintenance;
  /** Device authorizations (RFC 8628), their own part of the store: sql/device-codes.ts. */
  readonly deviceCodes: SqlDeviceCodes;
  /** The sign-ins behind OpenID Connect grants: sql/oidc-grants.ts. */
  readonly oidcGrants: SqlOidcGrants;
  /** End-session requests awaiting the confirmation page: sql/pending-logouts.ts. */
  readonly pendingLogouts: SqlPendingLogouts;
  /** The back-channel logout queue: sql/logout-deliveries.ts. */
  readonly logoutDeliveries: SqlLogoutDeliveries;
  /** Self-registered clients and initial access tokens (RFC 7591/7592): sql/client-registrations.ts. */
  readonly clientRegistrations: SqlClientRegistrations;

  /** `clientCache` (default on): keep client records in memory, see ClientCache. */
  constructor(
    private readonly db: SqlDriver,
    options: { clientCache?: boolean } = {},
  ) {
    super(db);
    this.clients = new SqlClients(db, options);
    this.users = new SqlUsers(db);
    this.accountTokens = new SqlAccountTokens(db);
    this.userGrants = new SqlUserGrants(db);
    this.tokens = new SqlTokens(db);
    this.codes = new SqlCodes(db);
    this.sessions = new SqlSessions(db);
    this.consents = new SqlConsents(db);
    this.keys = new SqlKeys(db);
    this.maintenance = new SqlMaintenance(db, this.clients);
    this.deviceCodes = new SqlDeviceCodes(db);
    this.oidcGrants = new SqlOidcGrants(db);
    this.pendingLogouts = new SqlPendingLogouts(db);
    this.logoutDeliveries = new SqlLogoutDeliveries(db);
    this.clientRegistrations = new SqlClientRegistrations(db, this.clients);
  }

  /** Client lookups answered from memory so far (0 without a client cache). */
  get clientCacheHits(): number {
    return this.clients.cacheHits;
  }

  get engine(): 'sqlite' | 'postgres' {
    return this.db.dialect;
  }

  /** The driver underneath, for engine-specific operations (tests, integrity checks). */
  get driver(): SqlDriver {
    return this.db;
  }

  // --- migrations, health and clean-up (sql/maintenance.ts) ----------------------

  migrate(): Promise<number[]> {
    return this.maintenance.migrate();
  }

  ping(): Promise<void> {
    return this.maintenance.ping();
  }

  async close(): Promise<void> {
    await this.clients.close();
    await this.db.close();
  }

  deleteExpired(now: number, batchSize?: number): Promise<CleanupCounts> {
    return this.maintenance.deleteExpired(now, batchSize);
  }

  // --- clients (sql/clients.ts) ----------------------------------------------------

  findClient(id: string): Promise<ClientRecord | null> {
    return this.clients.findClient(id);
  }

  createClient(client: ClientRecord): Promise<void> {
    return this.clients.createClient(client);
  }

  originRegistered(origin: string): Promise<boolean> {
    return this.clients.originRegistered(origin);
  }

  listClients(): Promise<ClientRecord[]> {
    return this.clients.listClients();
  }

  deleteClient(id: string): Promise<boolean> {
    return this.clients.deleteClient(id);
  }

  updateClientSecret(id: string, secretHash: string, secretEncrypted?: string): Promise<boolean> {
    return this.clients.updateClientSecret(id, secretHash, secretEncrypted);
  }

  updateClient(client: ClientRecord): Promise<boolean> {
    return this.clients.updateClient(client);
  }

  // --- users (sql/users.ts) --------------------------------------------------------

  findUserById(id: string): Promise<UserRecord | null> {
    return this.users.findUserById(id);
  }

  findUserByLogin(canonical: string): Promise<UserRecord | null> {
    return this.users.findUserByLogin(canonical);
  }

  createUser(user: UserRecord): Promise<void> {
    return this.users.createUser(user);
  }

  updateUser(id: string, patch: UserPatch, now: number, expected?: UserExpectation): Promise<boolean> {
    return this.users.updateUser(id, patch, now, expected);
  }

  deleteUser(id: string): Promise<boolean> {
    return this.users.deleteUser(id);
  }

  listUsers(): Promise<UserRecord[]> {
    return this.users.listUsers();
  }

  updateUserRevoking(
    id: string,
    patch: UserPatch,
    now: number,
    revoke: AccountRevocation,
    expected?: UserExpectation,
  ): Promise<boolean> {
    return this.users.updateUserRevoking(id, patch, now, revoke, expected);
  }

  // --- confirmation, reset and e-mail change links (sql/account-tokens.ts) ----------

  issueAccountToken(token: AccountTokenRecord, notWithin: number): Promise<boolean> {
    return this.accountTokens.issueAccountToken(token, notWithin);
  }

  findAccountToken(tokenHash: string, purpose: AccountTokenPurpose, now: number): Promise<AccountTokenRecord | null> {
    return this.accountTokens.findAccountToken(tokenHash, purpose, now);
  }

  confirmAccount(tokenHash: string, now: number, passwordHash: string): Promise<string | null> {
    return this.accountTokens.confirmAccount(tokenHash, now, passwordHash);
  }

  resetPassword(tokenHash: string, passwordHash: string, now: number): Promise<string | null> {
    return this.accountTokens.resetPassword(tokenHash, passwordHash, now);
  }

  changeEmail(
    tokenHash: string,
    change: { newEmail: string; emailCanonical: string; passwordHash: string },
    now: number,
  ): Promise<EmailChangeOutcome> {
    return this.accountTokens.changeEmail(tokenHash, change, now);
  }

  // --- the apps a user has let in (sql/user-grants.ts) -----------------------------

  listUserGrants(userId: string, now: number): Promise<UserGrantRecord[]> {
    return this.userGrants.listUserGrants(userId, now);
  }

  revokeUserGrant(userId: string, clientId: string, now: number): Promise<boolean> {
    return this.userGrants.revokeUserGrant(userId, clientId, now);
  }

  // --- tokens (sql/tokens.ts) ------------------------------------------------------

  issueTokens(tokens: IssuedTokens): Promise<void> {
    return this.tokens.issueTokens(tokens);
  }

  revokeAccessToken(tokenHash: string, now: number): Promise<boolean> {
    return this.tokens.revokeAccessToken(tokenHash, now);
  }

  findAccessToken(tokenHash: string): Promise<AccessTokenRecord | null> {
    return this.tokens.findAccessToken(tokenHash);
  }

  findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | null> {
    return this.tokens.findRefreshToken(tokenHash);
  }

  findRefreshTokenWithUser(tokenHash: string): Promise<RefreshTokenWithUser | null> {
    return this.tokens.findRefreshTokenWithUser(tokenHash);
  }

  rotateRefreshToken(request: RotationRequest): Promise<RotationOutcome> {
    return this.tokens.rotateRefreshToken(request);
  }

  refuseForeignRefreshToken(
    tokenHash: string,
    now: number,
  ): Promise<Extract<RotationOutcome, { kind: 'reuse-detected' | 'invalid' }>> {
    return this.tokens.refuseForeignRefreshToken(tokenHash, now);
  }

  revokeFamily(familyId: string, now: number): Promise<number> {
    return this.tokens.revokeFamily(familyId, now);
  }

  // --- authorization codes (sql/codes.ts) ------------------------------------------

  saveAuthorizationCode(code: AuthorizationCodeRecord): Promise<void> {
    return this.codes.saveAuthorizationCode(code);
  }

  findAuthorizationCode(codeHash: string): Promise<AuthorizationCodeRecord | null> {
    return this.codes.findAuthorizationCode(codeHash);
  }

  redeemAuthorizationCode(codeHash: string, now: number, tokens: IssuedTokens): Promise<RedemptionOutcome> {
    return this.codes.redeemAuthorizationCode(codeHash, now, tokens);
  }

  // --- sessions (sql/sessions.ts) and consents (sql/consents.ts) -------------------

  createSession(session: NewSession): Promise<void> {
    return this.sessions.createSession(session);
  }

  findSessionsBySid(sid: string): Promise<SessionRecord[]> {
    return this.sessions.findSessionsBySid(sid);
  }

  findSession(idHash: string): Promise<SessionRecord | null> {
    return this.sessions.findSession(idHash);
  }

  deleteSession(idHash: string): Promise<boolean> {
    return this.sessions.deleteSession(idHash);
  }

  deleteUserSessions(userId: string): Promise<number> {
    return this.sessions.deleteUserSessions(userId);
  }

  findConsent(userId: string, clientId: string): Promise<ConsentRecord | null> {
    return this.consents.findConsent(userId, clientId);
  }

  saveConsent(consent: ConsentRecord): Promise<void> {
    return this.consents.saveConsent(consent);
  }

  // --- pending authorization requests (sql/pending-authorizations.ts) --------------

  // These take the driver first: bound here, one line each.
  readonly savePendingAuthorization = (record: PendingAuthorizationRecord, limits: PendingAuthorizationLimits) =>
    pendingAuthorizations.savePendingAuthorization(this.db, record, limits);
  readonly findPendingSignIn = (idHash: string, csrfHash: string, now: number) =>
    pendingAuthorizations.findPendingSignIn(this.db, idHash, csrfHash, now);
  readonly takePendingSignIn = (idHash: string, csrfHash: string, now: number) =>
    pendingAuthorizations.takePendingSignIn(this.db, idHash, csrfHash, now);
  readonly deletePendingSignIns = (csrfHash: string, clientId: string) =>
    pendingAuthorizations.deletePendingSignIns(this.db, csrfHash, clientId);
  readonly takePendingAuthorization = (idHash: string, sessionHash: string, csrfHash: string, now: number) =>
    pendingAuthorizations.takePendingAuthorization(this.db, idHash, sessionHash, csrfHash, now);

  // --- signing keys (sql/keys.ts) --------------------------------------------------

  listSigningKeys(): Promise<SigningKeyRecord[]> {
    return this.keys.listSigningKeys();
  }

  addSigningKey(key: SigningKeyRecord, retired: { retireAt: number; publishUntil: number }): Promise<void> {
    return this.keys.addSigningKey(key, retired);
  }

  addFirstSigningKey(key: SigningKeyRecord): Promise<boolean> {
    return this.keys.addFirstSigningKey(key);
  }
}
