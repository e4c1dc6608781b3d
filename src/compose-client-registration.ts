/**
 * The wiring of client self-registration (RFC 7591/7592), apart from compose.ts for its length:
 * the endpoint registers clients through ClientRegistry exactly as `gatehouse client create` does
 * (secret encryption for client_secret_jwt, the guarded fetcher for sector_identifier_uri).
 */
import type { Throttle } from './accounts/throttle.js';
import type { SecurityEvents } from './audit/events.js';
import { clientRegistrationConfig } from './config/client-registration.js';
import type { GatehouseConfig } from './config/schema.js';
import { ClientRegistrationEndpoint } from './core/client-registration/endpoint.js';
import { ClientRegistry } from './core/clients.js';
import type { Clock, IdSource } from './core/clock.js';
import { CLIENT_SECRET_ENCRYPTION, KeyEncryption } from './core/key-encryption.js';
import { guardedDocuments } from './outbound/documents.js';
import type { Store } from './storage/store.js';

/** The endpoint, or null when client_registration.mode is off. */
export function composeClientRegistration(parts: {
  config: GatehouseConfig;
  store: Store;
  clock: Clock;
  ids: IdSource;
  events: SecurityEvents;
  throttle: Throttle;
  url: (path: string) => string;
}): ClientRegistrationEndpoint | null {
  const { config, store, clock, throttle } = parts;
  const registrationConfig = clientRegistrationConfig(config, parts.url);
  if (!registrationConfig) return null;
  const kek = config.key_encryption_key;
  const secretEncryption = kek ? new KeyEncryption(kek, CLIENT_SECRET_ENCRYPTION) : null;
  const documents = guardedDocuments(config.outbound_fetch);
  const perAddress = config.client_registration.requests_per_address;
  return new ClientRegistrationEndpoint({
    ...registrationConfig,
    store: store.clientRegistrations,
    clients: store,
    registry: (clientStore, ids) => new ClientRegistry(clientStore, clock, ids, secretEncryption, documents),
    clock,
    ids: parts.ids,
    events: parts.events,
    registrationRequested: (address) => throttle.attempt(throttle.forClientRegistrations(address, perAddress)),
  });
}
