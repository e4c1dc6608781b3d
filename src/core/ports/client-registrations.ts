/**
 * What client self-registration (RFC 7591, RFC 7592; core/client-registration/) needs from storage:
 * the self-registered clients with their registration access tokens (SHA-256 only), and the
 * initial access tokens an administrator hands out (SHA-256 only, uses counted atomically).
 */
import type { ClientRecord } from './records.js';

/** How a client registered itself, kept beside its record (storage deletes it with the client). */
export interface ClientRegistrationRecord {
  clientId: string;
  /** SHA-256 of the registration access token (RFC 7592 §1). */
  accessTokenHash: string;
  /** The RFC 7591 metadata no client column holds (client_uri, contacts, software_id, …), as registered. */
  metadata: Readonly<Record<string, unknown>>;
  registeredAt: number;
  updatedAt: number;
}

export type SelfRegistrationOutcome = 'registered' | 'initial_access_token_spent' | 'limit_reached';

export interface InitialAccessTokenRecord {
  id: string;
  tokenHash: string;
  createdAt: number;
  expiresAt: number;
  /** Null: any number of registrations until it expires. */
  maxUses: number | null;
  uses: number;
  revokedAt: number | null;
}

export interface ClientRegistrationStore {
  /**
   * Stores the client and its registration in one transaction, only while fewer than
   * `maxClients` self-registered clients exist and, with `initialAccessTokenHash`, after counting
   * one use of that token (still unexpired, unrevoked and not used up at `now`).
   */
  registerClient(
    client: ClientRecord,
    registration: ClientRegistrationRecord,
    limits: { maxClients: number; initialAccessTokenHash: string | null; now: number },
  ): Promise<SelfRegistrationOutcome>;
  findRegistration(clientId: string): Promise<ClientRegistrationRecord | null>;
  /** Replaces a self-registered client's record and registration (RFC 7592 §2.2); false when it is gone. */
  replaceClient(client: ClientRecord, registration: ClientRegistrationRecord): Promise<boolean>;
  /** Whether the token could be used at `now` (its use is counted by registerClient). */
  initialAccessTokenUsable(tokenHash: string, now: number): Promise<boolean>;
  createInitialAccessToken(token: InitialAccessTokenRecord): Promise<void>;
  listInitialAccessTokens(): Promise<InitialAccessTokenRecord[]>;
  /** False when there is no such token or it was already revoked. */
  revokeInitialAccessToken(id: string, now: number): Promise<boolean>;
}
