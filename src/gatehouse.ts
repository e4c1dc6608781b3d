import { argon2Verifier, type PasswordVerifier } from './accounts/passwords.js';
import { cryptoIds, systemClock, type Clock, type IdSource } from './core/clock.js';
import { createGrantRegistry } from './core/grants/index.js';
import { TokenEndpoint } from './core/token-endpoint.js';
import { TokenMinter } from './core/tokens.js';
import type { GatehouseConfig } from './config/schema.js';
import type { Store } from './storage/store.js';

export interface GatehouseOptions {
  config: GatehouseConfig;
  store: Store;
  clock?: Clock;
  ids?: IdSource;
  passwords?: PasswordVerifier;
}

/** RFC 8414 authorization server metadata. */
export interface ServerMetadata {
  issuer: string;
  token_endpoint: string;
  grant_types_supported: string[];
  response_types_supported: string[];
  scopes_supported: string[];
  token_endpoint_auth_methods_supported: string[];
}

/** The protocol core wired to a store and a configuration: what every edge (HTTP, tests) uses. */
export class Gatehouse {
  readonly config: GatehouseConfig;
  readonly store: Store;
  readonly clock: Clock;
  readonly tokenEndpoint: TokenEndpoint;

  constructor(options: GatehouseOptions) {
    this.config = options.config;
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    const ids = options.ids ?? cryptoIds;
    const minter = new TokenMinter(
      { accessTokenLifetime: this.config.access_token_lifetime, refreshTokenLifetime: this.config.refresh_token_lifetime },
      this.clock,
      ids,
    );
    const grants = createGrantRegistry({
      store: this.store,
      minter,
      clock: this.clock,
      scopes: { supported: this.config.supported_scopes, defaults: this.config.default_scope.split(' ').filter(Boolean) },
      passwords: options.passwords ?? argon2Verifier,
      refreshTokenGracePeriod: this.config.refresh_token_grace_period,
    });
    this.tokenEndpoint = new TokenEndpoint(this.store, grants);
  }

  /** An absolute URL on this server for a path such as /oauth/token. */
  url(path: string): string {
    return `${this.config.issuer.replace(/\/+$/, '')}${path}`;
  }

  metadata(): ServerMetadata {
    return {
      issuer: this.config.issuer,
      token_endpoint: this.url('/oauth/token'),
      grant_types_supported: this.tokenEndpoint.grantTypes,
      // The authorization endpoint (response_type=code) arrives with the authorization code flow.
      response_types_supported: [],
      scopes_supported: [...this.config.supported_scopes],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    };
  }
}
