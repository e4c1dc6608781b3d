import { hashSecret } from '../core/secrets.js';
import type { UserRecord } from '../storage/store.js';
import { signIn } from './authenticate.js';
import type { DeviceProof } from './devices.js';
import { canonicalize } from './canonical.js';
import { durationInWords } from './mail/templates.js';
import { announce, type SelfServiceContext } from './self-service.js';

export interface EmailChangeSettings {
  /** Seconds the link sent to the new address works. */
  tokenTtl: number;
}

/** A usable e-mail change link: the account and the address it would get. */
export interface PendingEmailChange {
  user: UserRecord;
  newEmail: string;
}

export type EmailChangeResult =
  | { kind: 'changed'; user: UserRecord }
  /** Unknown, used, expired or replaced link, or the account was disabled since. */
  | { kind: 'link-not-usable' }
  /** Another account took the address after the link was sent: nothing changed. */
  | { kind: 'address-taken' }
  /** The page is shown again (the link still works). */
  | { kind: 'wrong-password'; pending: PendingEmailChange }
  | { kind: 'throttled'; retryAfter: number; pending: PendingEmailChange };

/**
 * A new e-mail address takes effect only once its owner follows the link sent there, with the
 * account's password: the address is proven to be reachable, and whoever holds a borrowed
 * session (even knowing the password) gives the real owner time to act on the notice sent to
 * the old address: changing the password makes the link useless to anyone who does not know
 * the new one.
 */
export class EmailChange {
  constructor(
    private readonly context: SelfServiceContext,
    private readonly settings: EmailChangeSettings,
  ) {}

  /**
   * Asked for on the account page, the password already proven. Whatever the address, the old
   * one is told and the answer is the same: a link goes to a free address; the owner of an
   * address that already has an account gets a notice instead (rate-limited like the sign-up
   * notice), so the form does not tell who has an account.
   */
  async request(user: UserRecord, newEmail: string, address: string): Promise<void> {
    const { store, clock, ids, throttle, mail } = this.context;
    const holder = await store.findUserByLogin(canonicalize(newEmail));
    if (holder && holder.id !== user.id) {
      if ((await throttle.attempt(throttle.forNoticesTo(holder.id))) === 0) mail.send('email_in_use', holder);
    } else {
      const token = ids.secret();
      const now = clock.now();
      // Replaces any earlier link of the user: only the newest request can be confirmed.
      await store.issueAccountToken(
        {
          tokenHash: hashSecret(token),
          userId: user.id,
          purpose: 'change_email',
          createdAt: now,
          expiresAt: now + this.settings.tokenTtl,
          newEmail,
        },
        0,
      );
      mail.send(
        'email_change',
        user,
        {
          link: this.context.url(`/account/email/confirm?token=${token}`),
          expires_in: durationInWords(this.settings.tokenTtl),
          new_email: newEmail,
        },
        newEmail,
      );
    }
    mail.send('email_change_requested', user, { new_email: newEmail });
    announce(this.context, 'user.email_change_requested', user, address);
  }

  /** The account and new address a link is for, while the link works and the account is enabled. */
  async pending(token: string): Promise<PendingEmailChange | null> {
    const { store, clock } = this.context;
    const record =
      token.length <= 100 ? await store.findAccountToken(hashSecret(token), 'change_email', clock.now()) : null;
    if (!record?.newEmail) return null;
    const user = await store.findUserById(record.userId);
    return user?.enabled ? { user, newEmail: record.newEmail } : null;
  }

  /**
   * Follows the link: with the account's password (checked like a sign-in, under its
   * throttle), the e-mail address becomes the new one; the link works once. Who is signed in
   * in this browser plays no part: the link and the password name and prove the account.
   */
  async confirm(token: string, password: string, address: string, device?: DeviceProof): Promise<EmailChangeResult> {
    const { store, clock, mail } = this.context;
    const pending = await this.pending(token);
    if (!pending) return { kind: 'link-not-usable' };
    const checked = await signIn(this.context, pending.user.username, password, address, {
      via: 'current_password',
      ...(device ? { device } : {}),
    });
    if (checked.kind === 'throttled') return { ...checked, pending };
    if (checked.kind !== 'signed-in' || checked.user.id !== pending.user.id) return { kind: 'wrong-password', pending };
    const outcome = await store.changeEmail(
      hashSecret(token),
      {
        newEmail: pending.newEmail,
        emailCanonical: canonicalize(pending.newEmail),
        passwordHash: checked.user.passwordHash,
      },
      clock.now(),
    );
    if (outcome.kind === 'not-usable') return { kind: 'link-not-usable' };
    if (outcome.kind === 'address-taken') return outcome;
    const user = { ...checked.user, email: pending.newEmail, emailCanonical: canonicalize(pending.newEmail) };
    // The old address hears that it is done, as it heard that it was asked for.
    mail.send('email_changed', user, { new_email: user.email }, outcome.oldEmail);
    announce(this.context, 'user.profile_updated', user, address, { changed: 'email' });
    return { kind: 'changed', user };
  }
}
