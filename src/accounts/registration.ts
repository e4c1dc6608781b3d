import { hashSecret } from '../core/secrets.js';
import { DuplicateUserError, type UserRecord } from '../storage/store.js';
import { signIn } from './authenticate.js';
import { canonicalize, normalizeUsername } from './canonical.js';
import { durationInWords } from './mail/templates.js';
import { hashPassword } from './passwords.js';
import { announce, type SelfServiceContext } from './self-service.js';
import { newUserProblem, type FieldProblem } from './users.js';

export interface RegistrationSettings {
  /** Accounts wait for the e-mailed link before they can be used. */
  confirmation: boolean;
  /** Seconds a confirmation link works. */
  tokenTtl: number;
}

export interface RegistrationForm {
  username: string;
  email: string;
  password: string;
  passwordAgain: string;
}

export type ConfirmationResult =
  | { kind: 'confirmed'; user: UserRecord }
  /** Unknown, used, expired or replaced link, or the account is no longer awaiting confirmation. */
  | { kind: 'link-not-usable' }
  /** The page is shown again for `user` (whose link still works). */
  | { kind: 'wrong-password'; user: UserRecord }
  | { kind: 'throttled'; retryAfter: number; user: UserRecord };

export type RegistrationResult =
  /** Signed up: usable now, or once the e-mailed link is followed. */
  | { kind: 'registered'; user: UserRecord; awaitingConfirmation: boolean }
  /**
   * The e-mail address already has an account. With confirmation on this is answered exactly
   * like a sign-up (the owner gets a notice instead), so the form does not reveal who has an account.
   */
  | { kind: 'address-taken'; awaitingConfirmation: true }
  | { kind: 'invalid'; problem: FieldProblem }
  | { kind: 'throttled'; retryAfter: number };

/** Self-service sign-up (FOSUserBundle's registration and confirmation, with links that expire). */
export class Registration {
  constructor(
    private readonly context: SelfServiceContext,
    private readonly settings: RegistrationSettings,
  ) {}

  async register(form: RegistrationForm, address: string): Promise<RegistrationResult> {
    const { store, clock, ids, throttle, policy } = this.context;
    const retryAfter = await throttle.attempt(throttle.forMailRequests(address));
    if (retryAfter > 0) return { kind: 'throttled', retryAfter };

    // Every check that does not depend on who has an account comes first, so the answer for a
    // taken e-mail address cannot differ from a new one's by a later check.
    if (form.password !== form.passwordAgain) return { kind: 'invalid', problem: { field: 'password', message: 'the two passwords do not match' } };
    const problem = await newUserProblem(store, form, policy);
    if (problem?.taken && this.settings.confirmation) {
      // The address has an account: answered exactly like a new sign-up; its owner hears by e-mail.
      const owner = await store.findUserByLogin(canonicalize(form.email));
      if (owner && (problem.field === 'email' || owner.usernameCanonical === canonicalize(form.username))) {
        return this.signUpAgain(owner, form, address);
      }
    }
    if (problem) return { kind: 'invalid', problem };

    const now = clock.now();
    const awaitingConfirmation = this.settings.confirmation;
    const user: UserRecord = {
      id: ids.id(),
      username: normalizeUsername(form.username),
      usernameCanonical: canonicalize(form.username),
      email: form.email,
      emailCanonical: canonicalize(form.email),
      passwordHash: await hashPassword(form.password),
      enabled: !awaitingConfirmation,
      awaitingConfirmation,
      roles: [],
      createdAt: now,
      updatedAt: now,
    };
    try {
      await store.createUser(user);
    } catch (error) {
      // Someone took the name between the check and the insert.
      if (error instanceof DuplicateUserError) return { kind: 'invalid', problem: { field: error.field, message: error.message } };
      throw error;
    }
    announce(this.context, 'user.registered', user, address);
    if (awaitingConfirmation) await this.sendConfirmation(user, 0);
    return { kind: 'registered', user, awaitingConfirmation };
  }

  /**
   * A sign-up with an address that already has an account. A confirmed account's owner gets a
   * notice (no account changes hands). An account still awaiting confirmation is taken over by
   * this sign-up: its username and password become this form's, and a new link goes to the
   * address. A stranger who signed up first with someone else's address therefore cannot keep
   * it, and since following a link also asks for the password, whoever confirms must know the
   * password of the latest sign-up and read the mailbox.
   */
  private async signUpAgain(owner: UserRecord, form: RegistrationForm, address: string): Promise<RegistrationResult> {
    const { store, clock, throttle } = this.context;
    // Hashed either way, so the time taken does not tell whether the address was known.
    const passwordHash = await hashPassword(form.password);
    if (owner.awaitingConfirmation) {
      const patch = { username: normalizeUsername(form.username), usernameCanonical: canonicalize(form.username), email: form.email, passwordHash };
      try {
        await store.updateUser(owner.id, patch, clock.now());
      } catch (error) {
        if (error instanceof DuplicateUserError) return { kind: 'invalid', problem: { field: error.field, message: error.message } };
        throw error;
      }
      announce(this.context, 'user.registered', { ...owner, ...patch }, address, { took_over: 'an unconfirmed sign-up with this address' });
      // A new link, for the new username and password: a couple at once, then at growing
      // intervals, so repeated sign-ups cannot flood the mailbox.
      if ((await throttle.attempt(throttle.forNoticesTo(owner.id))) === 0) await this.sendConfirmation({ ...owner, ...patch }, 0);
    } else if ((await throttle.attempt(throttle.forNoticesTo(owner.id))) === 0) {
      this.context.mail.send('already_registered', owner, { link: this.context.url('/reset') });
    }
    return { kind: 'address-taken', awaitingConfirmation: true };
  }

  /**
   * E-mails a new confirmation link (replacing the previous one) unless one was sent less than
   * `notWithin` seconds ago. Also used by the reset form for an account still awaiting confirmation.
   */
  async sendConfirmation(user: UserRecord, notWithin: number): Promise<boolean> {
    const { store, clock, ids } = this.context;
    const token = ids.secret();
    const now = clock.now();
    const issued = await store.issueAccountToken(
      { tokenHash: hashSecret(token), userId: user.id, purpose: 'confirm', createdAt: now, expiresAt: now + this.settings.tokenTtl },
      notWithin,
    );
    if (issued) {
      this.context.mail.send('confirmation', user, {
        link: this.context.url(`/register/confirm?token=${token}`),
        expires_in: durationInWords(this.settings.tokenTtl),
      });
    }
    return issued;
  }

  /** The account a confirmation link is for, while the link works. */
  async pendingConfirmation(token: string): Promise<UserRecord | null> {
    const { store, clock } = this.context;
    const record = token.length <= 100 ? await store.findAccountToken(hashSecret(token), 'confirm', clock.now()) : null;
    if (!record) return null;
    const user = await store.findUserById(record.userId);
    return user?.awaitingConfirmation ? user : null;
  }

  /**
   * Follows a confirmation link: with the account's password, enables the account (the link
   * works once). Asking for the password ties the confirmation to the sign-up it was sent for.
   */
  async confirm(token: string, password: string, address: string): Promise<ConfirmationResult> {
    const { store, clock } = this.context;
    const pending = await this.pendingConfirmation(token);
    if (!pending) return { kind: 'link-not-usable' };
    const checked = await signIn(this.context, pending.username, password, address, { via: 'confirmation' });
    if (checked.kind === 'throttled') return { ...checked, user: pending };
    // signIn says 'unconfirmed' exactly when the password is right for an account awaiting confirmation.
    if (checked.kind !== 'unconfirmed') return { kind: 'wrong-password', user: pending };
    const userId = await store.confirmAccount(hashSecret(token), clock.now(), pending.passwordHash);
    const user = userId === null ? null : await store.findUserById(userId);
    if (!user) return { kind: 'link-not-usable' };
    announce(this.context, 'user.confirmed', user, address);
    return { kind: 'confirmed', user };
  }
}
