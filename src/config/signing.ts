import type { KeyRingSettings } from '../core/keys.js';
import type { GatehouseConfig } from './schema.js';

/**
 * The key ring's settings, the same for the server and `gatehouse keys`: access tokens are signed
 * with jwt_signing_algorithm, and a retired key stays published as long as the longest-lived
 * token any key signs (an access token or an ID token).
 */
export function keyRingSettings(config: GatehouseConfig): KeyRingSettings {
  return {
    algorithm: config.jwt_signing_algorithm,
    maxTokenLifetime: Math.max(config.access_token_lifetime, config.oidc.id_token_lifetime),
  };
}
