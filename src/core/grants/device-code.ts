/**
 * The device authorization grant's token request (RFC 8628 §3.4–3.5), built on the public
 * extension API like an application's own grant: it only says whose tokens these are, or why not
 * yet. Device codes are 256 random bits, so refusals are not counted by the brute-force throttle.
 */
import { deviceCodeKey, DEVICE_CODE_GRANT_TYPE } from '../device-authorization.js';
import { OAuthError } from '../errors.js';
import type { DeviceCodeGrantStorage } from '../ports.js';
import type { ExtensionGrant } from './extension.js';
import { requireParam } from './grant.js';

export type { DeviceCodeGrantStorage } from '../ports.js';

const invalid = () => OAuthError.invalidGrant('device_code is invalid, expired or already used');

export function deviceCodeGrant({ store }: { store: DeviceCodeGrantStorage }): ExtensionGrant {
  return {
    grantType: DEVICE_CODE_GRANT_TYPE,
    allowPublicClients: true,
    refreshTokens: true,
    throttleFailures: false,
    async decide({ client, params, now }) {
      const deviceCode = requireParam(params, 'device_code');
      if (deviceCode.length > 200) throw invalid();
      const codeHash = deviceCodeKey(deviceCode);
      const record = await store.findDeviceCode(codeHash);
      // Another client's device code is just invalid (RFC 8628 §3.4: it was issued to the client).
      if (!record || record.clientId !== client.id || record.redeemedAt !== null) throw invalid();
      if (record.expiresAt <= now) throw OAuthError.expiredToken();
      if (record.status === 'denied') throw OAuthError.accessDenied('the user denied the request');
      if (record.status === 'approved' && record.userId !== null) {
        // One UPDATE … WHERE not redeemed: of two concurrent polls, one gets the tokens.
        if (!(await store.redeemDeviceCode(codeHash, now))) throw invalid();
        return { userId: record.userId, scope: record.scope };
      }
      // §3.5: slow_down is for a request still pending, polled sooner than its interval.
      if ((await store.pollDeviceCode(codeHash, now)) === 'slow_down') {
        throw OAuthError.slowDown(`polling too often; wait at least ${record.interval + 5} seconds between requests`);
      }
      throw OAuthError.authorizationPending();
    },
  };
}
