import type { SecurityEvents } from '../audit/events.js';
import { systemClock, type Clock } from '../core/clock.js';
import type {
  ResourceOwnerAuthentication,
  ResourceOwnerAuthenticator,
  ResourceOwnerCredentials,
} from '../core/ports.js';
import type { UserRecord, UserStore } from '../storage/store.js';
import { canonicalize } from './canonical.js';
import type { DeviceProof, TrustedDevices } from './devices.js';
import type { PasswordVerifier } from './passwords.js';
import type { Throttle, ThrottledAttempt } from './throttle.js';

/** Longer than any username (64) or e-mail address (254): not worth a database lookup. */
export const MAX_LOGIN_LENGTH = 320;

export type SignInResult =
  | {
      kind: 'signed-in';
      user: UserRecord;
      /** A new device cookie for the browser to keep (the sign-in form sets it); absent when it has a valid one. */
      deviceCookie?: string;
    }
  /**
   * Wrong password, unknown login or deactivated account: one answer for all three (FOS let
   * deactivated users in).
   */
  | { kind: 'refused' }
  /**
   * The right password for a self-registered account whose e-mail address is not confirmed
   * yet. Only the password's owner learns this, so it can be said plainly.
   */
  | { kind: 'unconfirmed' }
  /** Too many recent failures: nothing was checked. */
  | { kind: 'throttled'; retryAfter: number };
/* Too many attempts in flight for longer than the throttle's maxWait is not a result: signIn throws
   the throttle's overloaded() error (503 temporarily_unavailable with Retry-After). */

export interface SignInDependencies {
  store: Pick<UserStore, 'findUserByLogin'>;
  passwords: PasswordVerifier;
  throttle?: Throttle;
  /** Device cookies and known accounts; without it every attempt counts against the address. */
  devices?: TrustedDevices;
  /** Where login.succeeded / login.failed are announced (the audit log, the metrics). */
  events?: SecurityEvents;
  clock?: Clock;
}

/** Where a password was typed, for the audit log. */
export interface SignInContext {
  via: 'sign_in_form' | 'password_grant' | 'confirmation' | 'current_password';
  /** The client of a password grant. */
  clientId?: string;
  /**
   * What vouches for the caller besides its address: the browser's device cookie (sign-in form),
   * or the confidential client that authenticated (password grant). When it is valid for the
   * account signed in to, the attempt counts against its own small budget, not the address's
   * and the account's; a right password then also remembers it (see SignInResult.deviceCookie).
   */
  device?: DeviceProof;
}

/**
 * The one sign-in rule, for the sign-in form, the password grant and every form that asks for a
 * password. The login is resolved to its account first, and the attempt counted under that
 * account (a login naming no account under a hashed bucket). A blocked attempt is refused before
 * the password is checked: it costs no argon2 work, learns nothing and writes nothing. Attempts
 * in flight hold a reservation (see Throttle.begin), so a right password is never refused
 * because of other attempts running at the same time; when they keep it waiting too long this
 * throws the throttle's overloaded() error (503), never a "wrong password".
 */
export async function signIn(
  deps: SignInDependencies,
  login: string,
  password: string,
  address: string,
  context: SignInContext = { via: 'sign_in_form' },
): Promise<SignInResult> {
  // The attempted login itself is never recorded: people type their password into it by mistake.
  const announce = (type: 'login.succeeded' | 'login.failed', user: UserRecord | null, reason?: string) =>
    deps.events?.emit({
      type,
      at: (deps.clock ?? systemClock).now(),
      actor: 'user',
      ...(user ? { userId: user.id, username: user.username } : {}),
      ...(context.clientId ? { clientId: context.clientId } : {}),
      address,
      details: { via: context.via, ...(reason ? { reason } : {}) },
    });
  const user = login.length <= MAX_LOGIN_LENGTH ? await deps.store.findUserByLogin(canonicalize(login)) : null;
  const device = deps.devices ? await deps.devices.find(context.device, user?.id ?? null) : null;

  let attempt: ThrottledAttempt | null = null;
  if (deps.throttle) {
    const { throttle } = deps;
    // A trusted device counts against its own budget only; once spent, it is blocked like any
    // counter (falling back to the address's would give a stolen cookie a second budget).
    const turn = await throttle.begin(
      device ? throttle.forDevice(device.idHash) : throttle.forLogin(user, login, address),
    );
    if (turn.kind === 'blocked') {
      announce('login.failed', null, 'throttled');
      return { kind: 'throttled', retryAfter: turn.retryAfter };
    }
    attempt = turn.attempt;
  }

  let valid: boolean;
  try {
    // Always verified, against a decoy for unknown users, so the time taken reveals nothing.
    valid = (await deps.passwords.verify(user?.passwordHash ?? null, password)) && user !== null;
  } catch (error) {
    // Not a failure of the password (e.g. the hashing queue is full): released uncounted.
    attempt?.abandon();
    throw error;
  }
  if (!valid || !user) {
    await attempt?.failed();
    announce('login.failed', user, user ? 'wrong_password' : 'unknown_login');
    return { kind: 'refused' };
  }
  // A deactivated account's right password is refused (and counted) like a wrong one.
  if (!user.enabled && !user.awaitingConfirmation) {
    await attempt?.failed();
    announce('login.failed', user, 'deactivated');
    return { kind: 'refused' };
  }
  // The right password is not a guess, whatever the account's state.
  await attempt?.succeeded();
  if (!user.enabled) {
    // For the confirmation form this is the expected answer: user.confirmed follows.
    if (context.via !== 'confirmation') announce('login.failed', user, 'unconfirmed');
    return { kind: 'unconfirmed' };
  }
  // Re-proving the password on the account pages vouches for a cookie the browser has already;
  // only a sign-in hands out a new one (the account pages would not deliver it).
  const deviceCookie =
    context.via === 'current_password' ? undefined : await deps.devices?.remember(context.device, user.id, device);
  announce('login.succeeded', user);
  return { kind: 'signed-in', user, ...(deviceCookie ? { deviceCookie } : {}) };
}

/**
 * The password grant's resource owners (core's ResourceOwnerAuthenticator port): the one sign-in
 * rule above, announced as via password_grant. A confidential client that authenticated vouches
 * for the accounts it signed in to before (its known accounts count against their own budget).
 */
export class ResourceOwnerSignIn implements ResourceOwnerAuthenticator {
  constructor(private readonly deps: SignInDependencies) {}

  authenticate({ login, password, address, client }: ResourceOwnerCredentials): Promise<ResourceOwnerAuthentication> {
    const device = client.isPublic ? {} : { device: { kind: 'client', clientId: client.id } as const };
    return signIn(this.deps, login, password, address, { via: 'password_grant', clientId: client.id, ...device });
  }
}
