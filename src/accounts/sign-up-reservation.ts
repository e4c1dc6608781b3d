import { createHash } from 'node:crypto';
import type { UserRecord } from '../storage/store.js';

/**
 * A sign-up with an e-mail address that already has a confirmed account must not tell, by any
 * later answer, that the address was taken. A sign-up with a free address holds its username
 * (a pending account) until its confirmation link expires; so a sign-up with a taken address
 * holds its username just the same, in a *reservation*: an account awaiting confirmation, with
 * the sign-up's username and password, whose e-mail address is a stand-in derived from the
 * taken address (one per address, as an address has at most one pending sign-up; a later
 * sign-up with the address moves it to its own username, as it takes over a pending sign-up).
 *
 * A reservation is never usable: it is disabled, its confirmation link is issued but never
 * sent (its secret is thrown away), `gatehouse user activate` refuses it, and
 * `gatehouse tokens clean` deletes it once its link has expired, like any sign-up never
 * confirmed. Each needs a sign-up request (throttled per client address) and there is at most
 * one per existing account, so they are bounded.
 */

/** The stand-in addresses are in RFC 2606's `.invalid`: nothing is ever delivered there. */
export const RESERVATION_DOMAIN = 'reserved.invalid';

export const RESERVATION_NOT_ACTIVATED =
  'this account is a reservation made by a sign-up with an e-mail address that already has an account; it cannot be activated (delete it, or let `gatehouse tokens clean` remove it)';

/** The stand-in address of the reservation for `emailCanonical` (lower case, like every canonical address). */
export function reservationAddress(emailCanonical: string): string {
  return `${createHash('sha256').update(emailCanonical, 'utf8').digest('hex').slice(0, 40)}@${RESERVATION_DOMAIN}`;
}

export function isReservation(user: Pick<UserRecord, 'emailCanonical'>): boolean {
  return user.emailCanonical.endsWith(`@${RESERVATION_DOMAIN}`);
}
