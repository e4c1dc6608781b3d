import { DuplicateUserError, type UserGrantRecord, type UserRecord } from '../storage/store.js';
import { signIn } from './authenticate.js';
import { canonicalize } from './canonical.js';
import { hashPassword, passwordProblem } from './passwords.js';
import { announce, type SelfServiceContext } from './self-service.js';
import { newUserProblem, type FieldProblem } from './users.js';

export type ProfileResult =
  | { kind: 'updated'; user: UserRecord }
  | { kind: 'invalid'; problem: FieldProblem | { field: 'current_password'; message: string } }
  | { kind: 'throttled'; retryAfter: number };

const WRONG_PASSWORD = { field: 'current_password', message: 'the current password is incorrect' } as const;

/**
 * What a signed-in user can do to their own account (FOSUserBundle's profile and
 * change-password): every change asks for the current password, checked under the same
 * brute-force protection as the sign-in form, so a borrowed session cannot take the account over.
 */
export class Profile {
  constructor(private readonly context: SelfServiceContext) {}

  private async checkCurrentPassword(user: UserRecord, password: string, address: string): Promise<ProfileResult | null> {
    const result = await signIn(this.context, user.username, password, address, { via: 'current_password' });
    if (result.kind === 'throttled') return result;
    if (result.kind !== 'signed-in' || result.user.id !== user.id) return { kind: 'invalid', problem: WRONG_PASSWORD };
    return null;
  }

  async update(user: UserRecord, change: { username: string; email: string; currentPassword: string }, address: string): Promise<ProfileResult> {
    const { store, clock, policy } = this.context;
    const problem = await newUserProblem(store, change, policy, user);
    if (problem) return { kind: 'invalid', problem };
    const refused = await this.checkCurrentPassword(user, change.currentPassword, address);
    if (refused) return refused;
    const patch = {
      username: change.username,
      usernameCanonical: canonicalize(change.username),
      email: change.email,
      emailCanonical: canonicalize(change.email),
    };
    try {
      // A new address voids the links sent to the old one: a reset link must not outlive it.
      await store.updateUserRevoking(user.id, patch, clock.now(), { links: user.emailCanonical !== patch.emailCanonical });
    } catch (error) {
      if (error instanceof DuplicateUserError) return { kind: 'invalid', problem: { field: error.field, message: error.message } };
      throw error;
    }
    const updated = { ...user, ...patch };
    const changed = [user.username !== updated.username && 'username', user.email !== updated.email && 'email'].filter(Boolean).join(',');
    // The old address hears of it: if the account was taken over, its owner learns at once.
    if (user.emailCanonical !== updated.emailCanonical) this.context.mail.send('email_changed', updated, { new_email: updated.email }, user.email);
    if (changed) announce(this.context, 'user.profile_updated', updated, address, { changed });
    return { kind: 'updated', user: updated };
  }

  /**
   * Changes the password and ends every session of the user (the caller signs this browser in
   * again) and every reset or confirmation link sent before. Apps keep their tokens; the account
   * page can disconnect them one by one.
   */
  async changePassword(
    user: UserRecord,
    change: { currentPassword: string; password: string; passwordAgain: string },
    address: string,
  ): Promise<ProfileResult> {
    const { store, clock, policy } = this.context;
    const problem = passwordProblem(change.password, user, policy) ?? (change.password === change.passwordAgain ? null : 'the two passwords do not match');
    if (problem) return { kind: 'invalid', problem: { field: 'password', message: problem } };
    const refused = await this.checkCurrentPassword(user, change.currentPassword, address);
    if (refused) return refused;
    // One step: no reset link (nor any other e-mailed link) sent before still works after it.
    await store.updateUserRevoking(user.id, { passwordHash: await hashPassword(change.password) }, clock.now(), { sessions: true, links: true });
    this.context.mail.send('password_changed', user);
    announce(this.context, 'user.password_changed', user, address);
    return { kind: 'updated', user };
  }

  /** The apps the user has let in. */
  grants(user: UserRecord): Promise<UserGrantRecord[]> {
    return this.context.store.listUserGrants(user.id, this.context.clock.now());
  }

  /** Disconnects an app: its tokens stop working and it must ask for consent again. */
  async revokeGrant(user: UserRecord, clientId: string, address: string): Promise<boolean> {
    const revoked = await this.context.store.revokeUserGrant(user.id, clientId, this.context.clock.now());
    if (revoked) announce(this.context, 'user.grant_revoked', user, address, { client_id: clientId });
    return revoked;
  }
}
