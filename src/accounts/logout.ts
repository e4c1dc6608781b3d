import type { Logger } from 'pino';
import type { Clock, IdSource } from '../core/clock.js';
import { cryptoIds } from '../core/clock.js';
import { Subjects } from '../core/oidc/subjects.js';
import type { ClientRecord, LogoutQueueLimits, Store } from '../storage/store.js';
import type { SessionEndListener } from './sessions.js';

/** Back-Channel Logout 1.0 §2.4: the event a logout token carries. */
const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/**
 * The queue's bounds: a client whose endpoint is down for hours collects at most this many, and
 * all clients together at most LOGOUT_QUEUE.total. Beyond, a new delivery is not queued (logged):
 * the session has ended at Gatehouse all the same, and its non-offline tokens are revoked.
 */
export const LOGOUT_QUEUE: LogoutQueueLimits = { perClient: 10_000, total: 100_000 };

export interface SessionLogoutDeps {
  store: Pick<Store, 'findClient' | 'oidcGrants' | 'logoutDeliveries'>;
  clock: Clock;
  ids: IdSource;
  subjects: Pick<Subjects, 'of' | 'sidOf'>;
  logger: Pick<Logger, 'warn' | 'error'>;
  /** Told once deliveries were queued: the worker starts on them without waiting for its next tick. */
  queued: () => void;
  limits?: LogoutQueueLimits;
}

/**
 * What ending a browser session means for OpenID Connect: the grants signed in through it end
 * (their tokens revoked), but for those granted offline_access (OIDC Core §11: they outlive the
 * session); and every client with a backchannel_logout_uri is owed one logout token for it.
 * Only queued here: the browser's sign-out never waits for a client.
 */
export class SessionLogout {
  constructor(private readonly deps: SessionLogoutDeps) {}

  /** The SessionEndListener of Sessions: the session has ended whatever happens here. */
  readonly ended: SessionEndListener = (session) => this.sessionEnded(session.sid, session.userId);

  /** The session `sid` of `userId` has ended: its grants end too. A failure is logged, never thrown. */
  async sessionEnded(sid: string, userId: string): Promise<void> {
    try {
      await this.endGrants(sid, userId);
    } catch (error) {
      this.deps.logger.error({ err: error, sid }, 'ending the OpenID grants of a session failed');
    }
  }

  /** Ends the grants of the session `sid` of `userId` and queues a logout token for each client told of it. */
  async endGrants(sid: string, userId: string): Promise<void> {
    const { store, clock } = this.deps;
    const now = clock.now();
    const grants = (await store.oidcGrants.listOidcGrantsOfSession(sid)).filter((grant) => grant.userId === userId);
    for (const grant of grants) {
      if (!grant.offline) await store.oidcGrants.endOidcGrant(grant.familyId, now);
    }
    // One logout token per client and session, however many grants it had through it (offline ones too).
    let queued = false;
    for (const clientId of new Set(grants.map((grant) => grant.clientId))) {
      const client = await store.findClient(clientId);
      const uri = client?.oidc?.backchannelLogoutUri;
      if (client && uri) queued = (await this.enqueue(client, uri, sid, userId, now)) || queued;
    }
    if (queued) this.deps.queued();
  }

  private async enqueue(client: ClientRecord, uri: string, sid: string, userId: string, now: number): Promise<boolean> {
    const { ids, subjects, store } = this.deps;
    const jti = ids.id();
    const accepted = await store.logoutDeliveries.enqueueLogoutDelivery(
      {
        id: jti,
        clientId: client.id,
        uri,
        // Back-Channel Logout §2.4: sub and sid, a jti, the event, and never a nonce. iat is set at signing.
        claims: {
          sub: subjects.of(client, userId),
          sid: subjects.sidOf(client, sid),
          jti,
          iat: now,
          events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
        },
        nextAttemptAt: now,
        createdAt: now,
      },
      this.deps.limits ?? LOGOUT_QUEUE,
    );
    if (!accepted)
      this.deps.logger.warn({ client_id: client.id }, 'back-channel logout queue full: this logout token is not sent');
    return accepted;
  }
}

type SignOutEverywhere = Pick<
  Store,
  'updateUserRevoking' | 'resetPassword' | 'findAccountToken' | 'deleteUser' | 'logoutDeliveries'
>;

/**
 * `store`, but a password reset, a password change, an administrator's switch or a deletion that
 * ends all of a user's sessions at once (they delete the rows directly, not through Sessions.end) ends the
 * OpenID grants of those sessions and tells their clients too (SessionLogout.endGrants).
 */
export function announcingSessionEnds<S extends SignOutEverywhere>(store: S, logout: SessionLogout, clock: Clock): S {
  const endAll = async (userId: string, sids: readonly string[]) => {
    for (const sid of sids) await logout.sessionEnded(sid, userId);
  };
  const updateUserRevoking: SignOutEverywhere['updateUserRevoking'] = async (id, patch, now, revoke, expected) => {
    const sids = revoke.sessions ? await store.logoutDeliveries.liveSessionSids(id, now) : [];
    const updated = await store.updateUserRevoking(id, patch, now, revoke, expected);
    if (updated) await endAll(id, sids);
    return updated;
  };
  const resetPassword: SignOutEverywhere['resetPassword'] = async (tokenHash, passwordHash, now) => {
    const link = await store.findAccountToken(tokenHash, 'reset', now);
    const sids = link ? await store.logoutDeliveries.liveSessionSids(link.userId, clock.now()) : [];
    const userId = await store.resetPassword(tokenHash, passwordHash, now);
    if (userId !== null && userId === link?.userId) await endAll(userId, sids);
    return userId;
  };
  // Deleting the account deletes its grants with it: their clients are told first.
  const deleteUser: SignOutEverywhere['deleteUser'] = async (id) => {
    await endAll(id, await store.logoutDeliveries.liveSessionSids(id, clock.now()));
    return store.deleteUser(id);
  };
  return new Proxy(store, {
    get(target, property) {
      if (property === 'deleteUser') return deleteUser;
      if (property === 'updateUserRevoking') return updateUserRevoking;
      if (property === 'resetPassword') return resetPassword;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * What a session's end means for OpenID Connect, for a command run without the server (an
 * administrator's `user deactivate` or `user change-password`): grants revoked and logout tokens queued
 * only; a running server's worker sends them at its next tick. Warnings go to `writeWarning` (the command's stderr).
 */
export function commandSessionLogout(
  keyEncryptionKey: string | undefined,
  store: SessionLogoutDeps['store'],
  clock: Clock,
  writeWarning: (line: string) => void,
): SessionLogout {
  const warn = (fields: object, message: string) => writeWarning(`warning: ${message} ${JSON.stringify(fields)}\n`);
  return new SessionLogout({
    store,
    clock,
    ids: cryptoIds,
    subjects: Subjects.keyedWith(keyEncryptionKey),
    logger: { warn, error: warn } as SessionLogoutDeps['logger'],
    queued: () => {},
  });
}
