import type { Clock } from '../core/clock.js';
import { normaliseUserCode, userCodeKey } from '../core/device-authorization.js';
import type { ClientRecord, ClientStore, DeviceCodeRecord, DeviceCodeStore } from '../core/ports.js';
import { hashSecret } from '../core/secrets.js';
import type { Throttle } from './throttle.js';

export interface DeviceVerificationOptions {
  store: Pick<DeviceCodeStore, 'findPendingDeviceCodeByUserCode' | 'findDeviceCode' | 'decideDeviceCode'>;
  clients: Pick<ClientStore, 'findClient'>;
  throttle: Pick<Throttle, 'forUserCodes' | 'forUserCodeEntries' | 'guard' | 'attempt'>;
  clock: Clock;
  /** Wrong user codes per minute on this node (every address together) that raise the alert. */
  alertPerMinute: number;
  /** Called once in a minute that reaches alertPerMinute wrong codes (the server logs a warning). */
  onAlert: (failuresThisMinute: number) => void;
}

export type UserCodeOutcome =
  | { kind: 'found'; deviceCodeHash: string; clientId: string }
  | { kind: 'invalid' }
  | { kind: 'throttled'; retryAfter: number };

/**
 * The /device page's side of RFC 8628 (§3.3, §5.1): the user code typed by a person, throttled
 * per browser and per address; a global rate of wrong codes only alerts (a warning and a
 * metric), never blocks, since a global block would let anyone stop the device flow for
 * everyone. Then the user's answer, recorded once.
 */
export class DeviceVerification {
  /** Wrong user codes typed on this node since it started (gatehouse_device_user_code_failures_total). */
  failures = 0;
  private minute = -1;
  private failuresThisMinute = 0;

  constructor(private readonly options: DeviceVerificationOptions) {}

  /**
   * Looks up the code `typed` from `address` in the browser holding `browserSecret` (its CSRF
   * cookie secret). Wrong and expired codes are one answer: nothing tells which part was wrong.
   * Every entry, right or wrong, also counts against the address's entry budget (forUserCodeEntries).
   */
  async enterUserCode(typed: string, address: string, browserSecret: string): Promise<UserCodeOutcome> {
    const { store, throttle, clock } = this.options;
    const entryWait = await throttle.attempt(throttle.forUserCodeEntries(address));
    if (entryWait > 0) return { kind: 'throttled', retryAfter: entryWait };
    const keys = throttle.forUserCodes(address, hashSecret(`device browser\n${browserSecret}`).slice(0, 32));
    let found: DeviceCodeRecord | null = null;
    const result = await throttle.guard(keys, async () => {
      const normalised = normaliseUserCode(typed);
      found = normalised ? await store.findPendingDeviceCodeByUserCode(userCodeKey(normalised), clock.now()) : null;
      return found !== null;
    });
    if (result.kind === 'blocked') return { kind: 'throttled', retryAfter: result.retryAfter };
    const record = found as DeviceCodeRecord | null;
    if (!record) {
      this.countFailure();
      return { kind: 'invalid' };
    }
    return { kind: 'found', deviceCodeHash: record.deviceCodeHash, clientId: record.clientId };
  }

  /** The request a consent page asks about, while it is still pending and unexpired; null otherwise. */
  async pending(deviceCodeHash: string): Promise<{ record: DeviceCodeRecord; client: ClientRecord } | null> {
    const record = await this.options.store.findDeviceCode(deviceCodeHash);
    if (record?.status !== 'pending' || record.expiresAt <= this.options.clock.now()) return null;
    const client = await this.options.clients.findClient(record.clientId);
    return client ? { record, client } : null;
  }

  /** The user's answer, once: false when the code was answered already or has expired. */
  decide(deviceCodeHash: string, status: 'approved' | 'denied', userId: string): Promise<boolean> {
    return this.options.store.decideDeviceCode(deviceCodeHash, { status, userId }, this.options.clock.now());
  }

  private countFailure(): void {
    this.failures++;
    const minute = Math.floor(this.options.clock.now() / 60);
    if (minute !== this.minute) {
      this.minute = minute;
      this.failuresThisMinute = 0;
    }
    this.failuresThisMinute++;
    if (this.failuresThisMinute === this.options.alertPerMinute) this.options.onAlert(this.failuresThisMinute);
  }
}
