/** Gatehouse as a library: build the server in your own process, on your own store. */
export { Gatehouse, type GatehouseOptions, type ServerMetadata } from './gatehouse.js';
export { buildHttpServer } from './http/server.js';
export { createLogger } from './logging.js';
export { loadConfig, validateConfig, ConfigError } from './config/load.js';
export type { GatehouseConfig } from './config/schema.js';
export { openStore, parseDatabaseUrl } from './storage/open.js';
export type { Store } from './storage/store.js';
export { ClientRegistry } from './core/clients.js';
export { UserAccounts } from './accounts/users.js';
export { OAuthError } from './core/errors.js';
export { ManualClock, systemClock, type Clock } from './core/clock.js';
