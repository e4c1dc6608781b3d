import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { IdTokenSigner } from '../core/oidc/id-tokens.js';
import type { ClientStore, LogoutDeliveryRecord, LogoutDeliveryStore } from '../storage/store.js';

/** Seconds before the 2nd, 3rd, … attempt; the last delay repeats for any further attempt. */
export const LOGOUT_RETRY_DELAYS: readonly number[] = [10, 60, 300, 1800, 7200];
/** Deliveries claimed (and sent at the same time) per round. */
const BATCH = 20;

/** POSTs a form and answers the status (the guarded fetcher's postForm); throws when no answer came. */
export type FormPoster = (url: string, fields: Record<string, string>) => Promise<number>;

export interface BackChannelLogoutOptions {
  store: LogoutDeliveryStore;
  clients: Pick<ClientStore, 'findClient'>;
  signer: Pick<IdTokenSigner, 'logoutToken'>;
  post: FormPoster;
  clock: Clock;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** oidc.backchannel_logout_attempts: attempts before a delivery is given up. */
  attempts: number;
  /** oidc.backchannel_logout_timeout (seconds): a claim lasts at least this long. */
  timeout: number;
}

/**
 * Back-Channel Logout 1.0 §2.5: sends the queued logout tokens, each signed afresh at its attempt
 * (iat now, a short exp; the same jti every time, so a client that got it twice can tell).
 * 200 or 204 is delivered; anything else is retried after LOGOUT_RETRY_DELAYS until
 * `attempts`, then given up with a warning (the token itself is never logged). Rows are claimed
 * atomically (store), so several nodes never send the same attempt. Runs when kicked (a session
 * ended) and at every tick of its schedule (start.ts).
 */
export class BackChannelLogout {
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(private readonly options: BackChannelLogoutOptions) {}

  /** Sends what is due, in the background; a kick while running makes the run look again. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = new Promise<void>((resolve) => setImmediate(resolve))
      .then(async () => {
        do {
          this.again = false;
          await this.sendDue();
        } while (this.again && !this.stopped);
      })
      .catch((error: unknown) => this.options.logger.error({ err: error }, 'back-channel logout round failed'))
      .finally(() => {
        this.running = null;
      });
  }

  /** Resolves once no round is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** No new round starts; resolves when the current one has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle();
  }

  /** One round: claims and sends due deliveries until none is left due. */
  async sendDue(): Promise<void> {
    for (;;) {
      const now = this.options.clock.now();
      const claimed = await this.options.store.claimDueLogoutDeliveries(
        now,
        BATCH,
        (attempt) => now + this.delay(attempt),
      );
      await Promise.all(claimed.map((delivery) => this.attempt(delivery, now)));
      if (claimed.length < BATCH || this.stopped) return;
    }
  }

  /** Seconds until the attempt after `attempt`: its retry time is also how long the claim holds. */
  private delay(attempt: number): number {
    const delay = LOGOUT_RETRY_DELAYS[Math.min(attempt, LOGOUT_RETRY_DELAYS.length) - 1]!;
    return Math.max(delay, this.options.timeout + 1);
  }

  private async attempt(delivery: LogoutDeliveryRecord, now: number): Promise<void> {
    const { store, clients, signer, post, logger, attempts } = this.options;
    const client = await clients.findClient(delivery.clientId);
    const uri = client?.oidc?.backchannelLogoutUri;
    if (!client || !uri) {
      // The client is gone or no longer asks to be told: nothing is owed any more.
      await store.deleteLogoutDelivery(delivery.id);
      return;
    }
    let failure: string;
    try {
      const token = await signer.logoutToken(client, { ...delivery.claims, iat: now });
      const status = await post(uri, { logout_token: token });
      if (status === 200 || status === 204) {
        await store.deleteLogoutDelivery(delivery.id);
        return;
      }
      failure = `answered ${status}`;
    } catch (error) {
      failure = (error as Error).message;
    }
    const host = hostOf(uri);
    const fields = { client_id: client.id, host, attempt: delivery.attempts, error: failure };
    if (delivery.attempts >= attempts) {
      await store.logoutDeliveryFailed(delivery.id, failure, now);
      logger.warn(fields, 'back-channel logout given up: the client was not told of the sign-out');
    } else {
      await store.logoutDeliveryFailed(delivery.id, failure, null);
      logger.warn({ ...fields, retry_at: delivery.nextAttemptAt }, 'back-channel logout failed; will retry');
    }
  }
}

function hostOf(uri: string): string {
  try {
    return new URL(uri).host;
  } catch {
    return '';
  }
}
