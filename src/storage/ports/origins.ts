/**
 * CORS (migration 18). A preflight names no client, so it asks the one question this answers:
 * did any client register this origin? (core/origins.ts says which origins a client has.)
 */
export interface ClientOriginStore {
  /** Whether some client may be called from `origin` (exact, as a browser serializes it). */
  originRegistered(origin: string): Promise<boolean>;
}
