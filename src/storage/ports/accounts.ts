/**
 * The storage contract of user accounts: the accounts themselves, the single-use links sent by
 * e-mail (confirmation, reset, e-mail change) and the apps each user has let in.
 */
import type { UserLookup, UserRecord } from '../../core/ports.js';

export type UserPatch = Partial<
  Pick<
    UserRecord,
    | 'username'
    | 'usernameCanonical'
    | 'email'
    | 'emailCanonical'
    | 'passwordHash'
    | 'enabled'
    | 'displayName'
    | 'emailVerified'
    | 'awaitingConfirmation'
    | 'roles'
  >
>;

export class DuplicateUserError extends Error {
  constructor(readonly field: 'username' | 'email') {
    super(`a user with this ${field} already exists`);
  }
}

export interface UserStore extends UserLookup {
  /** Looks up by canonical username or canonical email. */
  findUserByLogin(canonical: string): Promise<UserRecord | null>;
  /** Throws DuplicateUserError when the canonical username or email is taken. */
  createUser(user: UserRecord): Promise<void>;
  /** False when the user is unknown or does not match `expected` (a compare-and-set on the account's state). */
  updateUser(id: string, patch: UserPatch, now: number, expected?: UserExpectation): Promise<boolean>;
  /** Deletes the user with every token, code, sign-in session and consent of theirs. False when unknown. */
  deleteUser(id: string): Promise<boolean>;
  listUsers(): Promise<UserRecord[]>;
  /**
   * Updates the user and, in the same transaction, ends what was issued on the old terms
   * (`revoke`): a password, e-mail or status change that left an old reset link, session or
   * token working would leave whoever held it in. False when the user is unknown.
   */
  updateUserRevoking(
    id: string,
    patch: UserPatch,
    now: number,
    revoke: AccountRevocation,
    expected?: UserExpectation,
  ): Promise<boolean>;
}

/**
 * What the account must still be for an update to apply: read, decide, then write only if
 * nothing changed in between (a confirmation or a reset committing meanwhile on another node).
 */
export interface UserExpectation {
  awaitingConfirmation?: boolean;
  passwordHash?: string;
}

/** What updateUserRevoking ends besides the change itself. Consents are never touched. */
export interface AccountRevocation {
  /** Every e-mailed link of the user (reset, confirmation, any other purpose). */
  links?: boolean;
  /** Every sign-in session of the user. */
  sessions?: boolean;
  /** Every access and refresh token of the user, and their authorization codes not yet exchanged. */
  tokens?: boolean;
}

/**
 * What an e-mailed link proves: the owner of the address wants to confirm it, or to set a new
 * password, or (change_email) the owner of a new address accepts it for the account.
 */
export type AccountTokenPurpose = 'confirm' | 'reset' | 'change_email';

/** A single-use secret sent by e-mail. The link carries the secret; only its hash is stored. */
export interface AccountTokenRecord {
  tokenHash: string;
  userId: string;
  purpose: AccountTokenPurpose;
  createdAt: number;
  expiresAt: number;
  /** change_email only: the address the account's e-mail becomes when the link is followed. */
  newEmail?: string;
}

/** What following an e-mail change link did. */
export type EmailChangeOutcome =
  | { kind: 'changed'; userId: string; oldEmail: string }
  /** Another account has the address now: nothing changed and the link is used up. */
  | { kind: 'address-taken' }
  /** Unknown, used, expired or replaced link, or the password or account changed since it was checked. */
  | { kind: 'not-usable' };

export interface AccountTokenStore {
  /**
   * Issues a token, atomically across nodes: refused (false, nothing stored) when the user was
   * given one for the same purpose less than `notWithin` seconds before `token.createdAt`;
   * otherwise it replaces the user's earlier tokens of that purpose, so only the newest link works.
   */
  issueAccountToken(token: AccountTokenRecord, notWithin: number): Promise<boolean>;
  /** A token that can still be used (not used, not expired), or null. */
  findAccountToken(tokenHash: string, purpose: AccountTokenPurpose, now: number): Promise<AccountTokenRecord | null>;
  /**
   * Uses a confirmation token, in one step: enables its account if the account is still awaiting
   * confirmation and its password hash is still `passwordHash` (the one the caller checked the
   * password against), marks its e-mail address verified, then deletes the user's confirmation links. Returns the user's id, or
   * null (and changes nothing) when the token or account does not qualify.
   */
  confirmAccount(tokenHash: string, now: number, passwordHash: string): Promise<string | null>;
  /**
   * Uses a reset token: in one step, deletes it (and the user's other reset tokens), sets the
   * password hash, revokes every access and refresh token of the user, voids their unused codes,
   * forgets their consents (apps must be allowed again) and ends their sessions. Never changes
   * `enabled`. Returns the user's id, or null when the token was not usable.
   */
  resetPassword(tokenHash: string, passwordHash: string, now: number): Promise<string | null>;
  /**
   * Uses an e-mail change token, in one step: if it is usable, names `newEmail`, and its
   * account is enabled with the password hash still `passwordHash` (the one the caller checked
   * the password against), sets the account's e-mail to `newEmail` (`emailCanonical`), verified,
   * and deletes the user's e-mail change links. When another account has the address (by e-mail or
   * username) the link is deleted and nothing else changes.
   */
  changeEmail(
    tokenHash: string,
    change: { newEmail: string; emailCanonical: string; passwordHash: string },
    now: number,
  ): Promise<EmailChangeOutcome>;
}

/** An app a user has let in: a remembered consent, live tokens, or both. */
export interface UserGrantRecord {
  clientId: string;
  clientName: string;
  /** The scopes allowed: the consent's, or else those of the live tokens. */
  scopes: string[];
  /** When consent was given; null for an app that never asked (trusted client, password grant). */
  consentedAt: number | null;
  /** The most recent token issued to the app for this user; null when none is live. */
  lastIssuedAt: number | null;
  /** Live (unexpired, unrevoked) access and refresh tokens. */
  liveTokens: number;
}

export interface UserGrantStore {
  /** The apps the user has granted access, by name. */
  listUserGrants(userId: string, now: number): Promise<UserGrantRecord[]>;
  /**
   * Takes an app's access away in one step: forgets the consent, revokes every access and
   * refresh token of the user for that client, and voids its unused codes. False when there was nothing.
   */
  revokeUserGrant(userId: string, clientId: string, now: number): Promise<boolean>;
}
