import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { ClientRecord } from '../ports.js';

/**
 * The `sub` a client sees for a user (OIDC Core §8): the user's id (stable, opaque, never the
 * username or e-mail), or for a pairwise client a value of its own sector, so that clients of
 * different sectors cannot correlate their users. The same in ID tokens, userinfo, JWT access
 * tokens and introspection.
 */
export class Subjects {
  /** `pairwiseSecret`: a server secret (derived from key_encryption_key), so nobody can compute another sector's sub. */
  constructor(private readonly pairwiseSecret: Buffer | string) {}

  /**
   * Subjects keyed with a secret derived from key_encryption_key (HKDF), so every node computes the
   * same pairwise `sub` and nobody without the key can compute another sector's. Without a key (a
   * command that never signs) a secret of this process only.
   */
  static keyedWith(keyEncryptionKey: string | undefined): Subjects {
    return new Subjects(
      keyEncryptionKey
        ? Buffer.from(hkdfSync('sha256', keyEncryptionKey, 'gatehouse', 'pairwise-subject v1', 32))
        : randomBytes(32),
    );
  }

  of(client: Pick<ClientRecord, 'oidc' | 'redirectUris'>, userId: string): string {
    if (client.oidc?.subjectType !== 'pairwise') return userId;
    const sector = client.oidc.sector ?? sectorOf(client.redirectUris);
    return createHmac('sha256', this.pairwiseSecret).update(`${sector}\n${userId}`).digest('base64url');
  }

  /**
   * The session id (OIDC sid) a client sees: the session's own, or for a pairwise client one of
   * its sector, so that two sectors cannot join their pairwise subjects through the one session
   * both were signed in by (in ID tokens and logout tokens alike).
   */
  sidOf(client: Pick<ClientRecord, 'oidc' | 'redirectUris'>, sid: string): string {
    if (client.oidc?.subjectType !== 'pairwise') return sid;
    const sector = client.oidc.sector ?? sectorOf(client.redirectUris);
    return createHmac('sha256', this.pairwiseSecret).update(`sid\n${sector}\n${sid}`).digest('base64url');
  }
}

/**
 * The sector of a pairwise client without sector_identifier_uri: the host of its redirect URIs
 * (registration insists they share one; OIDC Core §8.1). '' when it has none.
 */
export function sectorOf(redirectUris: readonly string[]): string {
  const first = redirectUris[0];
  if (first === undefined) return '';
  try {
    return new URL(first).host;
  } catch {
    return first;
  }
}
