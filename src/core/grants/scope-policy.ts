/** The server's scope settings, as grants need them. */
export interface ScopePolicy {
  supported: readonly string[];
  defaults: readonly string[];
}
