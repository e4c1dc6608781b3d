import { hashSecret } from '../core/secrets.js';
import { DuplicateUserError, type UserRecord } from '../storage/store.js';
import { signIn } from './authenticate.js';
import { canonicalize, normalizeUsername } from './canonical.js';
import { durationInWords } from './mail/templates.js';
import { announce, type SelfServiceContext } from './self-service.js';
import { BackgroundTasks } from './background.js';
import { isReservation, reservationAddress } from './sign-up-reservation.js';
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
  /** Signed up and usable at once (registration.confirmation off). */
  | { kind: 'registered'; user: UserRecord }
  /**
   * registration.confirmation on: the form is good and its username free. Answered the same
   * whether or not the e-mail address has an account; the account (or the reservation, or the
   * takeover of a pending sign-up) is stored, and the e-mail sent, after the answer.
   */
  | { kind: 'sent' }
  | { kind: 'invalid'; problem: FieldProblem }
  | { kind: 'throttled'; retryAfter: number };

/** Self-service sign-up (FOSUserBundle's registration and confirmation, with links that expire). */
export class Registration {
  constructor(
    private readonly context: SelfServiceContext,
    private readonly settings: RegistrationSettings,
    /** Where a sign-up is stored and its e-mail sent, after the answer (confirmation on). */
    readonly tasks: BackgroundTasks = new BackgroundTasks({
      concurrency: 2,
      maxQueued: 1000,
      onError: () => {},
      onDropped: () => {},
    }),
  ) {}

  /**
   * With confirmation on, the answer says nothing about the e-mail address: a taken username
   * is refused whatever the address (usernames are not secret), and every other good form is
   * "sent". Before the answer every such form does the same work (the lookups of both names,
   * one password hash); what differs by address (new account, takeover, reservation) happens
   * after it, in `tasks`.
   */
  async register(form: RegistrationForm, address: string): Promise<RegistrationResult> {
    const { store, throttle, policy } = this.context;
    const retryAfter = await throttle.attempt(throttle.forMailRequests(address));
    if (retryAfter > 0) return { kind: 'throttled', retryAfter };

    if (form.password !== form.passwordAgain)
      return { kind: 'invalid', problem: { field: 'password', message: 'the two passwords do not match' } };
    const problem = await newUserProblem(store, form, policy);
    if (!this.settings.confirmation) return this.registerAtOnce(form, problem, address);
    // The username is looked at first: a clash is "taken", whoever has the address.
    if (problem && !(problem.taken && problem.field === 'email')) return { kind: 'invalid', problem };
    const passwordHash = await this.context.passwords.hash(form.password);
    this.tasks.push(() => this.storeSignUp(form, passwordHash, address));
    return { kind: 'sent' };
  }

  /** Resolves when every sign-up answered so far is stored and its e-mail queued (tests, shutdown). */
  idle(): Promise<void> {
    return this.tasks.idle();
  }

  /** With confirmation off there is no e-mail to answer with: a taken address is said too. */
  private async registerAtOnce(
    form: RegistrationForm,
    problem: FieldProblem | null,
    address: string,
  ): Promise<RegistrationResult> {
    if (problem) return { kind: 'invalid', problem };
    const user = this.newAccount(form, await this.context.passwords.hash(form.password), false);
    try {
      await this.context.store.createUser(user);
    } catch (error) {
      // Someone took the name between the check and the insert.
      if (error instanceof DuplicateUserError)
        return { kind: 'invalid', problem: { field: error.field, message: error.message } };
      throw error;
    }
    announce(this.context, 'user.registered', user, address);
    return { kind: 'registered', user };
  }

  private newAccount(form: RegistrationForm, passwordHash: string, awaitingConfirmation: boolean): UserRecord {
    const now = this.context.clock.now();
    return {
      id: this.context.ids.id(),
      username: normalizeUsername(form.username),
      usernameCanonical: canonicalize(form.username),
      email: form.email,
      emailCanonical: canonicalize(form.email),
      passwordHash,
      enabled: !awaitingConfirmation,
      awaitingConfirmation,
      roles: [],
      createdAt: now,
      updatedAt: now,
    };
  }

  /**
   * A sign-up answered "sent", after the answer: a new account awaiting confirmation for a free
   * address, the takeover of a sign-up still awaiting confirmation, or, for a confirmed (or
   * deactivated) account's address, a notice to its owner and a reservation of the username.
   * A name taken in the meantime by a concurrent sign-up leaves everything as it was.
   */
  private async storeSignUp(form: RegistrationForm, passwordHash: string, address: string): Promise<void> {
    const owner = await this.context.store.findUserByLogin(canonicalize(form.email));
    try {
      if (!owner) await this.createPending(form, passwordHash, address);
      else if (owner.awaitingConfirmation) await this.takeOver(owner, form, passwordHash, address);
      else await this.reserve(owner, form, passwordHash, address);
    } catch (error) {
      if (!(error instanceof DuplicateUserError)) throw error;
    }
  }

  private async createPending(form: RegistrationForm, passwordHash: string, address: string): Promise<void> {
    const user = this.newAccount(form, passwordHash, true);
    await this.context.store.createUser(user);
    announce(this.context, 'user.registered', user, address);
    await this.sendConfirmation(user, 0);
  }

  /**
   * A sign-up with an address whose account still awaits confirmation takes it over: its
   * username and password become this form's, and a new link goes to the address. A stranger
   * who signed up first with someone else's address therefore cannot keep it, and since
   * following a link also asks for the password, whoever confirms must know the password of
   * the latest sign-up and read the mailbox.
   */
  private async takeOver(
    owner: UserRecord,
    form: RegistrationForm,
    passwordHash: string,
    address: string,
  ): Promise<void> {
    const { store, clock, throttle } = this.context;
    const patch = {
      username: normalizeUsername(form.username),
      usernameCanonical: canonicalize(form.username),
      email: form.email,
      // Not proven until the new link is followed.
      emailVerified: false,
      passwordHash,
    };
    // Only while it is still unconfirmed: had its owner confirmed it since it was read, this
    // sign-up would otherwise set the username and password of a live account.
    if (
      !(await store.updateUser(owner.id, patch, clock.now(), {
        awaitingConfirmation: true,
        passwordHash: owner.passwordHash,
      }))
    )
      return;
    announce(this.context, 'user.registered', { ...owner, ...patch }, address, {
      took_over: 'an unconfirmed sign-up with this address',
    });
    // A new link, for the new username and password: a couple at once, then at growing
    // intervals, so repeated sign-ups cannot flood the mailbox.
    if ((await throttle.attempt(throttle.forNoticesTo(owner.id))) === 0)
      await this.sendConfirmation({ ...owner, ...patch }, 0);
  }

  /**
   * A sign-up with the address of a confirmed (or deactivated) account: no account changes
   * hands, its owner gets a notice (throttled like the links above), and the username is held
   * by the address's reservation (src/accounts/sign-up-reservation.ts) exactly as a sign-up
   * with a free address would hold it, so a later sign-up cannot tell the two apart.
   */
  private async reserve(
    owner: UserRecord,
    form: RegistrationForm,
    passwordHash: string,
    address: string,
  ): Promise<void> {
    const { store, clock, throttle } = this.context;
    const standIn = reservationAddress(owner.emailCanonical);
    const existing = await store.findUserByLogin(standIn);
    // An administrator turned the reservation into something else: leave it alone.
    if (existing && !existing.awaitingConfirmation) return;
    const reservation: UserRecord = existing
      ? {
          ...existing,
          username: normalizeUsername(form.username),
          usernameCanonical: canonicalize(form.username),
          passwordHash,
        }
      : { ...this.newAccount(form, passwordHash, true), email: standIn, emailCanonical: standIn };
    if (existing)
      await store.updateUser(
        existing.id,
        { username: reservation.username, usernameCanonical: reservation.usernameCanonical, passwordHash },
        clock.now(),
      );
    else await store.createUser(reservation);
    announce(this.context, 'user.registered', reservation, address, {
      reserved: 'the e-mail address has an account: the username is held as by a sign-up',
    });
    const notify = (await throttle.attempt(throttle.forNoticesTo(owner.id))) === 0;
    if (notify) this.context.mail.send('already_registered', owner, { link: this.context.url('/reset') });
    // Its link (never sent) sets how long the username is held, renewed as a takeover's would be.
    if (!existing || notify) await this.sendConfirmation(reservation, 0);
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
      {
        tokenHash: hashSecret(token),
        userId: user.id,
        purpose: 'confirm',
        createdAt: now,
        expiresAt: now + this.settings.tokenTtl,
      },
      notWithin,
    );
    // A reservation has no mailbox: its link only sets how long it lasts.
    if (issued && !isReservation(user)) {
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
