import type { ClientRecord } from '../ports.js';
import { allowedScopesFor, grantScope, parseScope } from '../scopes.js';

/** The server's scope settings, as grants need them. */
export interface ScopePolicy {
  supported: readonly string[];
  defaults: readonly string[];
}

/**
 * The scope of a new grant (not a refresh): the requested `scope` parameter within what the
 * client may ask for, or the default scope narrowed to it (RFC 6749 §3.3).
 */
export function scopeForNewGrant(policy: ScopePolicy, client: ClientRecord, requested: string | undefined): string[] {
  return grantScope(parseScope(requested), allowedScopesFor(client.scopes, policy.supported), policy.defaults);
}
