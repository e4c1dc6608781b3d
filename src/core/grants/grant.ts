import type { ClientRecord } from '../ports.js';
import { OAuthError } from '../errors.js';
import type { MintedTokens } from '../tokens.js';

/** HTTP request headers as Node gives them (lower-case names; a few repeated ones as lists). */
export type RequestHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** A token request after client authentication: the authenticated client and its parameters. */
export interface GrantRequest {
  client: ClientRecord;
  params: ReadonlyMap<string, string>;
  /** The caller's network address, for brute-force throttling. */
  clientIp?: string;
  /** The request's HTTP headers (lower-case names), for extension grants that read them. */
  headers?: RequestHeaders;
}

/** One grant_type: reads like its RFC section, declares the storage it needs. */
export interface GrantHandler {
  readonly grantType: string;
  /** The tokens issued (stored already): the response for the client, the records for the audit log. */
  handle(request: GrantRequest): Promise<MintedTokens>;
}

/** Reads a required parameter or answers invalid_request naming it. */
export function requireParam(params: ReadonlyMap<string, string>, name: string): string {
  const value = params.get(name);
  if (value === undefined) throw OAuthError.invalidRequest(`missing required parameter: ${name}`);
  return value;
}
