import { DuplicateUserError, type UserGrantRecord, type UserPatch, type UserRecord } from '../storage/store.js';
import { signIn } from './authenticate.js';
import type { DeviceProof } from './devices.js';
import {
  canonicalize,
  displayNameProblem,
  emailProblem,
  normalizeDisplayName,
  normalizeUsername,
  usernameProblem,
} from './canonical.js';
import { EmailChange, type EmailChangeSettings } from './email-change.js';
import { passwordProblem } from './passwords.js';
import { announce, type SelfServiceContext } from './self-service.js';
import type { FieldProblem } from './users.js';

export type ProfileResult =
  /** Saved. `emailChangeRequested`: a new e-mail address waits for its link to be followed. */
  | { kind: 'updated'; user: UserRecord; emailChangeRequested?: boolean }
  | { kind: 'invalid'; problem: FieldProblem | { field: 'current_password' | 'name'; message: string } }
  /** Too many wrong passwords (`cause` password) or e-mail change requests from the address (`cause` mail). */
  | { kind: 'throttled'; retryAfter: number; cause?: 'password' | 'mail' };

const WRONG_PASSWORD = { field: 'current_password', message: 'the current password is incorrect' } as const;

/**
 * What a signed-in user can do to their own account (FOSUserBundle's profile and
 * change-password): every change asks for the current password, checked under the same
 * brute-force protection as the sign-in form, so a borrowed session cannot take the account over.
 */
export class Profile {
  /** A new e-mail address is confirmed by a link sent to it. */
  readonly emailChange: EmailChange;

  constructor(
    private readonly context: SelfServiceContext,
    emailChange: EmailChangeSettings = { tokenTtl: 86_400 },
  ) {
    this.emailChange = new EmailChange(context, emailChange);
  }

  /** `device`: the browser's device cookie, so a signed-in owner is not held back by an attack on the address. */
  private async checkCurrentPassword(
    user: UserRecord,
    password: string,
    address: string,
    device?: DeviceProof,
  ): Promise<ProfileResult | null> {
    const result = await signIn(this.context, user.username, password, address, {
      via: 'current_password',
      ...(device ? { device } : {}),
    });
    if (result.kind === 'throttled') return { ...result, cause: 'password' };
    if (result.kind !== 'signed-in' || result.user.id !== user.id) return { kind: 'invalid', problem: WRONG_PASSWORD };
    return null;
  }

  /**
   * Saves a new username and asks for a new e-mail address. Only checks of the form itself come
   * before the current password; whether a name or address belongs to someone is looked at only
   * once the password is proven. A taken username is then said (usernames are not secret); a
   * new e-mail address is always answered the same (see EmailChange.request) and changes only
   * when the link sent to it is followed.
   */
  async update(
    user: UserRecord,
    change: { username: string; email: string; currentPassword: string },
    address: string,
    device?: DeviceProof,
  ): Promise<ProfileResult> {
    const { store, clock, throttle } = this.context;
    // A name kept as it is needs no new check (one stored before the script rule stays usable).
    const username = change.username === user.username ? user.username : normalizeUsername(change.username);
    const formProblem = username === user.username ? null : usernameProblem(username);
    if (formProblem) return { kind: 'invalid', problem: { field: 'username', message: formProblem } };
    const badEmail = emailProblem(change.email);
    if (badEmail) return { kind: 'invalid', problem: { field: 'email', message: badEmail } };

    const refused = await this.checkCurrentPassword(user, change.currentPassword, address, device);
    if (refused) return refused;

    const usernameCanonical = canonicalize(username);
    if (usernameCanonical !== user.usernameCanonical) {
      // A username may not be someone else's username or e-mail (logins accept either).
      const clash = await store.findUserByLogin(usernameCanonical);
      if (clash && clash.id !== user.id)
        return {
          kind: 'invalid',
          problem: { field: 'username', message: 'a user with this username already exists', taken: true },
        };
    }
    const newAddress = canonicalize(change.email) !== user.emailCanonical;
    if (newAddress) {
      // Each request e-mails two addresses: counted like the sign-up and reset forms.
      const retryAfter = await throttle.attempt(throttle.forMailRequests(address));
      if (retryAfter > 0) return { kind: 'throttled', retryAfter, cause: 'mail' };
    }

    const patch: UserPatch = {};
    if (username !== user.username) Object.assign(patch, { username, usernameCanonical });
    // The same address written differently (letter case) is not a new address.
    if (!newAddress && change.email !== user.email) patch.email = change.email;
    const changed = [patch.username !== undefined && 'username', patch.email !== undefined && 'email']
      .filter(Boolean)
      .join(',');
    if (changed) {
      try {
        await store.updateUser(user.id, patch, clock.now());
      } catch (error) {
        if (error instanceof DuplicateUserError)
          return { kind: 'invalid', problem: { field: error.field, message: error.message, taken: true } };
        throw error;
      }
    }
    const updated = { ...user, ...patch };
    if (changed) announce(this.context, 'user.profile_updated', updated, address, { changed });
    if (newAddress) await this.emailChange.request(updated, change.email, address);
    return newAddress
      ? { kind: 'updated', user: updated, emailChangeRequested: true }
      : { kind: 'updated', user: updated };
  }

  /**
   * Sets the name apps are told (OIDC `name`); '' removes it. No current password: the name
   * signs nobody in and changes no way into the account, unlike the username, e-mail or password.
   */
  async setDisplayName(user: UserRecord, name: string, address: string): Promise<ProfileResult> {
    const problem = displayNameProblem(name);
    if (problem) return { kind: 'invalid', problem: { field: 'name', message: problem } };
    const displayName = normalizeDisplayName(name);
    if (displayName !== (user.displayName ?? null)) {
      await this.context.store.updateUser(user.id, { displayName }, this.context.clock.now());
      announce(this.context, 'user.profile_updated', user, address, { changed: 'name' });
    }
    return { kind: 'updated', user: { ...user, displayName } };
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
    device?: DeviceProof,
  ): Promise<ProfileResult> {
    const { store, clock, policy } = this.context;
    const problem =
      passwordProblem(change.password, user, policy) ??
      (change.password === change.passwordAgain ? null : 'the two passwords do not match');
    if (problem) return { kind: 'invalid', problem: { field: 'password', message: problem } };
    const refused = await this.checkCurrentPassword(user, change.currentPassword, address, device);
    if (refused) return refused;
    // One step: no reset link (nor any other e-mailed link) sent before still works after it.
    // Only over the password just checked: a reset committed meanwhile is not overwritten.
    const changed = await store.updateUserRevoking(
      user.id,
      { passwordHash: await this.context.passwords.hash(change.password) },
      clock.now(),
      { sessions: true, links: true },
      {
        passwordHash: user.passwordHash,
      },
    );
    if (!changed)
      return {
        kind: 'invalid',
        problem: { field: 'password', message: 'your password was changed meanwhile: sign in again' },
      };
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
