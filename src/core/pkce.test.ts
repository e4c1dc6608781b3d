import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CODE_CHALLENGE_METHODS, isS256Challenge, verifierMatchesChallenge } from './pkce.js';

/** RFC 7636 Appendix B. */
const RFC_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const RFC_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

/** BASE64URL(SHA-256(ASCII(verifier))), RFC 7636 §4.2, to build challenges for edge-case verifiers. */
const s256 = (verifier: string) => createHash('sha256').update(verifier, 'ascii').digest('base64url');

describe('PKCE (RFC 7636), S256 only', () => {
  it('accepts the RFC 7636 Appendix B verifier for its challenge', () => {
    expect(verifierMatchesChallenge(RFC_VERIFIER, RFC_CHALLENGE)).toBe(true);
  });

  it('refuses a verifier that differs from the right one in a single character', () => {
    const last = RFC_VERIFIER.at(-1)!;
    const wrong = `${RFC_VERIFIER.slice(0, -1)}${last === 'A' ? 'B' : 'A'}`;
    expect(verifierMatchesChallenge(wrong, RFC_CHALLENGE)).toBe(false);
    // Compared case-sensitively, both ways.
    expect(verifierMatchesChallenge(RFC_VERIFIER.toUpperCase(), RFC_CHALLENGE)).toBe(false);
    expect(verifierMatchesChallenge(RFC_VERIFIER, RFC_CHALLENGE.toLowerCase())).toBe(false);
  });

  it('does not accept the plain method: a verifier equal to the challenge fails', () => {
    // Both are 43 valid characters, so only the hash can tell them apart.
    expect(verifierMatchesChallenge(RFC_CHALLENGE, RFC_CHALLENGE)).toBe(false);
    expect(verifierMatchesChallenge(RFC_VERIFIER, RFC_VERIFIER)).toBe(false);
    expect(CODE_CHALLENGE_METHODS).toEqual(['S256']);
  });

  it('accepts verifiers of 43 to 128 unreserved characters (§4.1)', () => {
    for (const verifier of ['a'.repeat(43), 'Z'.repeat(128), `${'0'.repeat(40)}-._~`, `~${'x'.repeat(127)}`]) {
      expect(verifierMatchesChallenge(verifier, s256(verifier))).toBe(true);
    }
  });

  it('refuses verifiers outside §4.1 even when they hash to the challenge', () => {
    const tooShort = 'a'.repeat(42);
    const tooLong = 'a'.repeat(129);
    const withSpace = `${'a'.repeat(42)} `;
    const withPlus = `${'a'.repeat(42)}+`;
    const withSlash = `${'a'.repeat(42)}/`;
    const withPadding = `${'a'.repeat(42)}=`;
    const nonAscii = `${'a'.repeat(42)}é`;
    for (const verifier of [tooShort, tooLong, withSpace, withPlus, withSlash, withPadding, nonAscii, '']) {
      expect(verifierMatchesChallenge(verifier, s256(verifier)), JSON.stringify(verifier)).toBe(false);
    }
  });

  it('refuses a malformed challenge whatever the verifier', () => {
    expect(verifierMatchesChallenge(RFC_VERIFIER, `${RFC_CHALLENGE}=`)).toBe(false);
    expect(verifierMatchesChallenge(RFC_VERIFIER, RFC_CHALLENGE.slice(0, 42))).toBe(false);
    // The standard base64 alphabet instead of base64url.
    expect(verifierMatchesChallenge(RFC_VERIFIER, RFC_CHALLENGE.replace('-', '+'))).toBe(false);
    expect(verifierMatchesChallenge(RFC_VERIFIER, '')).toBe(false);
  });

  it('isS256Challenge: exactly 43 base64url characters', () => {
    expect(isS256Challenge(RFC_CHALLENGE)).toBe(true);
    expect(isS256Challenge(s256('another verifier of sufficient length, 43+ chars'))).toBe(true);
    expect(isS256Challenge('_'.repeat(43))).toBe(true);

    expect(isS256Challenge(RFC_CHALLENGE.slice(0, 42))).toBe(false);
    expect(isS256Challenge(`${RFC_CHALLENGE}A`)).toBe(false);
    // Standard base64 with padding (44 characters) is not base64url.
    expect(isS256Challenge(createHash('sha256').update(RFC_VERIFIER).digest('base64'))).toBe(false);
    expect(isS256Challenge(`${RFC_CHALLENGE.slice(0, 42)}+`)).toBe(false);
    expect(isS256Challenge(`${RFC_CHALLENGE.slice(0, 42)}/`)).toBe(false);
    expect(isS256Challenge(`${RFC_CHALLENGE.slice(0, 42)}=`)).toBe(false);
    expect(isS256Challenge(`${RFC_CHALLENGE.slice(0, 42)}.`)).toBe(false);
    expect(isS256Challenge(`${RFC_CHALLENGE}\n`)).toBe(false);
    expect(isS256Challenge('')).toBe(false);
  });
});
