/**
 * core's RemoteDocuments port: a document a client names for its registration (OIDC Core §8.1
 * sector_identifier_uri), fetched once through the guarded fetcher with the configured limits.
 * Not cached: registration reads it once and keeps what it computed.
 */
import type { RemoteDocuments } from '../core/ports/remote-documents.js';
import { GuardedFetcher, type Resolver } from './guarded-fetch.js';
import type { OutboundSettings } from './remote-jwks.js';

export function guardedDocuments(settings: OutboundSettings, resolve?: Resolver): RemoteDocuments {
  const fetcher = new GuardedFetcher({
    timeoutMs: settings.timeout * 1000,
    maxBytes: settings.max_bytes,
    allowLoopback: settings.allow_loopback,
    ...(resolve ? { resolve } : {}),
  });
  return { fetchJson: async (uri) => (await fetcher.fetchJson(uri)).body };
}
