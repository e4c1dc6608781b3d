import { hashSecret } from '../core/secrets.js';
import type { UserRecord } from '../storage/store.js';
import { MAX_LOGIN_LENGTH } from './authenticate.js';
import { canonicalize } from './canonical.js';
import { BackgroundTasks } from './background.js';
import { durationInWords } from './mail/templates.js';
import { passwordProblem } from './passwords.js';
import type { Registration } from './registration.js';
import { announce, type SelfServiceContext } from './self-service.js';

export interface ResettingSettings {
  /** Seconds a reset link works. */
  tokenTtl: number;
  /** At most one e-mail per account per this many seconds. */
  retryTtl: number;
}

export type ResetRequestResult = { kind: 'accepted' } | { kind: 'throttled'; retryAfter: number };

export type ResetResult =
  | { kind: 'reset'; user: UserRecord }
  /** Unknown, used, expired or replaced link, or the account was disabled since. */
  | { kind: 'link-not-usable' }
  /** The new password breaks the policy: the form is shown again for `user`. */
  | { kind: 'invalid'; message: string; user: UserRecord };

/**
 * "Forgot your password?" (FOSUserBundle's resetting), without its flaws: the answer never
 * tells whether an account exists, each request makes a new single-use link that expires, and
 * a reset never re-enables an account an administrator disabled.
 */
export class PasswordResetting {
  constructor(
    private readonly context: SelfServiceContext,
    private readonly settings: ResettingSettings,
    /** For an account still awaiting confirmation, the form re-sends the confirmation link instead. */
    private readonly registration: Registration,
    /** Where the lookup, the link and the e-mail are done, after the answer. */
    readonly tasks: BackgroundTasks = new BackgroundTasks({
      concurrency: 2,
      maxQueued: 1000,
      onError: () => {},
      onDropped: () => {},
    }),
  ) {}

  /**
   * Always "accepted" (unless throttled): whether anything was sent is not the requester's
   * business. A known and an unknown login do the same work before the answer (count the
   * request, queue a task): the lookup, the new link and the e-mail happen after it, so the
   * answer's timing cannot tell whether an account exists.
   */
  async request(login: string, address: string): Promise<ResetRequestResult> {
    const { throttle } = this.context;
    const retryAfter = await throttle.attempt(throttle.forMailRequests(address));
    if (retryAfter > 0) return { kind: 'throttled', retryAfter };
    if (login.length <= MAX_LOGIN_LENGTH) this.tasks.push(() => this.sendLink(login, address));
    return { kind: 'accepted' };
  }

  /** Resolves when every queued request has been handled (its e-mail queued in turn). */
  idle(): Promise<void> {
    return this.tasks.idle();
  }

  /** A request, after its answer: e-mails a link if the login names an account that can use one. */
  private async sendLink(login: string, address: string): Promise<void> {
    const { store, clock, ids } = this.context;
    const user = await store.findUserByLogin(canonicalize(login));
    if (!user) return;
    if (user.awaitingConfirmation) {
      await this.registration.sendConfirmation(user, this.settings.retryTtl);
      return;
    }
    // An administrator disabled the account: a new password would not let anyone in.
    if (!user.enabled) return;

    const token = ids.secret();
    const now = clock.now();
    const issued = await store.issueAccountToken(
      {
        tokenHash: hashSecret(token),
        userId: user.id,
        purpose: 'reset',
        createdAt: now,
        expiresAt: now + this.settings.tokenTtl,
      },
      this.settings.retryTtl,
    );
    if (issued) {
      this.context.mail.send('resetting', user, {
        link: this.context.url(`/reset/password?token=${token}`),
        expires_in: durationInWords(this.settings.tokenTtl),
      });
      announce(this.context, 'user.reset_requested', user, address);
    }
  }

  /** The account a reset link is for, while the link works and the account is enabled. */
  async accountFor(token: string): Promise<UserRecord | null> {
    const { store, clock } = this.context;
    const record = token.length <= 100 ? await store.findAccountToken(hashSecret(token), 'reset', clock.now()) : null;
    if (!record) return null;
    const user = await store.findUserById(record.userId);
    return user?.enabled ? user : null;
  }

  /**
   * Sets the new password, using up the link. Every refresh and access token of the user is
   * revoked and every session ended: whoever knew the old password is out.
   */
  async reset(token: string, password: string, passwordAgain: string, address: string): Promise<ResetResult> {
    const { store, clock, throttle, policy } = this.context;
    const user = await this.accountFor(token);
    if (!user) return { kind: 'link-not-usable' };
    const problem =
      passwordProblem(password, user, policy) ?? (password === passwordAgain ? null : 'the two passwords do not match');
    if (problem) return { kind: 'invalid', message: problem, user };
    const userId = await store.resetPassword(
      hashSecret(token),
      await this.context.passwords.hash(password),
      clock.now(),
    );
    // Used by a concurrent request in the meantime.
    if (userId === null) return { kind: 'link-not-usable' };
    // The owner proved who they are: their failed sign-ins no longer count.
    await throttle.succeeded(throttle.forAccount(user.id, address));
    announce(this.context, 'user.password_reset', user, address);
    // As after a change on /account: if this was not the owner, the owner hears of it.
    this.context.mail.send('password_changed', user);
    return { kind: 'reset', user };
  }
}
