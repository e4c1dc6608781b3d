/** JSON documents a client names by URL and registration reads once (OIDC Core §8.1 sector_identifier_uri). */
export interface RemoteDocuments {
  /**
   * GET `uri` and parse its JSON body. Rejects with an Error whose message names the host only
   * (never the path, query or body): a forbidden address, a redirect, a timeout, not JSON, …
   */
  fetchJson(uri: string): Promise<unknown>;
}
