import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { halfHash } from './id-tokens.js';

describe('at_hash (OIDC Core §3.1.3.6)', () => {
  it('matches the example of OpenID Connect Core 1.0 Appendix A.3 (RS256)', () => {
    // The access token and the at_hash of the spec's example ID token.
    expect(halfHash('jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y', 'RS256')).toBe('77QmUPtjPfzWtF2AnpK9RQ');
  });

  it('uses SHA-256 for ES256 and SHA-512 for EdDSA (Ed25519): the left half, base64url', () => {
    const token = 'an-access-token';
    expect(halfHash(token, 'ES256')).toBe(halfHash(token, 'RS256'));
    const sha512 = createHash('sha512').update(token).digest();
    expect(halfHash(token, 'EdDSA')).toBe(sha512.subarray(0, 32).toString('base64url'));
    expect(Buffer.from(halfHash(token, 'EdDSA'), 'base64url')).toHaveLength(32);
    expect(Buffer.from(halfHash(token, 'RS256'), 'base64url')).toHaveLength(16);
  });
});
