/**
 * Device cookies (OWASP, "Slow down online guessing attacks with device cookies"): a browser
 * that signed in to an account gets a random cookie, stored here only as its SHA-256 hash. When
 * it signs in to that account again, the attempt is counted against the cookie's own small
 * budget instead of the address and account counters, so a guesser behind the same NAT or proxy
 * cannot lock the owner out. A stolen cookie gains little: its budget is the pair threshold per
 * window, after which the cookie itself is blocked (2, 4, 8 … s, like any counter). The password grant treats a confidential
 * client that authenticated and signed in to the account before ("a known account") the same way.
 *
 * The records are in the database, so every node sharing it knows every cookie.
 */
import { createHash } from 'node:crypto';
import type { Clock, IdSource } from '../core/clock.js';
import type { TrustedDeviceRecord, TrustedDeviceStore } from '../storage/store.js';

/** Seconds a device cookie (or a client's known account) is remembered without a sign-in. */
export const DEVICE_LIFETIME = 180 * 86_400;
/** Browser devices kept per account: the newest ones. */
export const DEVICES_PER_USER = 10;

/** What vouches for the caller besides its address. */
export type DeviceProof =
  /** The sign-in form: the browser's device cookie, if it sent one. */
  | { kind: 'cookie'; value: string | undefined }
  /** The password grant: a confidential client that has just authenticated. */
  | { kind: 'client'; clientId: string };

const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

export class TrustedDevices {
  constructor(
    private readonly store: TrustedDeviceStore,
    private readonly clock: Clock,
    private readonly ids: IdSource,
  ) {}

  /** The stored id of what `proof` presents for an account (null when it presents nothing). */
  private idHashOf(proof: DeviceProof, userId: string): string | null {
    if (proof.kind === 'client') return sha256(`gatehouse known account\n${proof.clientId}\n${userId}`);
    return proof.value !== undefined && COOKIE_VALUE.test(proof.value) ? sha256(proof.value) : null;
  }

  /**
   * The trusted device `proof` presents for the account `userId`, or null (none, unknown,
   * expired, or another account's). Looked up whenever a proof is given, whether or not the
   * login named an account, so the time taken does not tell.
   */
  async find(proof: DeviceProof | undefined, userId: string | null): Promise<TrustedDeviceRecord | null> {
    if (!proof) return null;
    const idHash = this.idHashOf(proof, userId ?? '');
    if (idHash === null) return null;
    const device = await this.store.findTrustedDevice(idHash, this.clock.now());
    if (!device || userId === null || device.userId !== userId) return null;
    if ((proof.kind === 'client') !== (device.clientId !== null)) return null;
    return device;
  }

  /**
   * After a successful sign-in: remembers the device for the account. Returns a new cookie value
   * for the browser to keep when it had no valid one for this account (or when its cookie is past
   * half its life); undefined otherwise. A client's known account is renewed the same way, with
   * no cookie. Writes nothing on most sign-ins.
   */
  async remember(
    proof: DeviceProof | undefined,
    userId: string,
    current: TrustedDeviceRecord | null,
  ): Promise<string | undefined> {
    if (!proof) return undefined;
    const now = this.clock.now();
    if (current && current.expiresAt - now > DEVICE_LIFETIME / 2) return undefined;
    if (proof.kind === 'client') {
      const idHash = this.idHashOf(proof, userId)!;
      await this.store.saveTrustedDevice(
        { idHash, userId, clientId: proof.clientId, createdAt: now, expiresAt: now + DEVICE_LIFETIME },
        DEVICES_PER_USER,
      );
      return undefined;
    }
    const value = this.ids.secret();
    await this.store.saveTrustedDevice(
      { idHash: sha256(value), userId, clientId: null, createdAt: now, expiresAt: now + DEVICE_LIFETIME },
      DEVICES_PER_USER,
    );
    return value;
  }
}
