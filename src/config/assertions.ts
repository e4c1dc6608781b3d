/**
 * What the JWT assertion rules (client assertions, the jwt-bearer grant) take from the settings:
 * the issuer and token endpoint as audiences, the longest lifetime, the trusted issuers in core's
 * shape, and the key that decrypts client_secret_jwt secrets. compose.ts hands in the ports.
 */
import type { ClientAssertionVerifier } from '../core/client-auth.js';
import type { Clock } from '../core/clock.js';
import type { JwtBearerSettings } from '../core/grants/jwt-bearer.js';
import { CLIENT_SECRET_ENCRYPTION, KeyEncryption } from '../core/key-encryption.js';
import type { JsonWebKeySet, UsedAssertionIdStore } from '../core/ports.js';
import type { RemoteKeySets } from '../core/ports/remote-keys.js';
import type { GatehouseConfig } from './schema.js';

export interface AssertionPorts {
  clock: Clock;
  usedIds: UsedAssertionIdStore;
  remoteKeySets: RemoteKeySets;
}

export function assertionSettings(
  config: GatehouseConfig,
  { clock, usedIds, remoteKeySets }: AssertionPorts,
): { clientAssertions: ClientAssertionVerifier; jwtBearer: JwtBearerSettings } {
  const clientSecrets = config.key_encryption_key
    ? new KeyEncryption(config.key_encryption_key, CLIENT_SECRET_ENCRYPTION)
    : null;
  const maxLifetime = config.assertion_max_lifetime;
  return {
    clientAssertions: {
      issuer: config.issuer,
      maxLifetime,
      clock,
      usedIds,
      remoteKeySets,
      ...(clientSecrets ? { decryptSecret: (encrypted: string) => clientSecrets.decrypt(encrypted) } : {}),
    },
    jwtBearer: {
      issuers: config.jwt_bearer.issuers.map(({ issuer, jwks, jwks_uri, subject, allowed_clients }) => ({
        issuer,
        keys: jwks_uri === undefined ? { jwks: jwks as JsonWebKeySet } : { jwksUri: jwks_uri },
        subject,
        ...(allowed_clients ? { allowedClients: allowed_clients } : {}),
      })),
      // RFC 7523 §3: the token endpoint URL is an accepted audience for the grant (see jwt-bearer.ts).
      audiences: [config.issuer, `${config.issuer.replace(/\/+$/, '')}/oauth/token`],
      maxLifetime,
      usedIds,
      remoteKeySets,
    },
  };
}
