/**
 * Usernames (src/accounts/canonical.ts): NFKC and the UTS #39 "moderately restrictive" rule
 * against names that mix look-alike scripts. Pure unit tests.
 */
import { describe, expect, it } from 'vitest';
import {
  canonicalize,
  displayNameProblem,
  mixedScriptProblem,
  normalizeDisplayName,
  normalizeUsername,
  scriptsOf,
  usernameProblem,
} from './canonical.js';

describe('mixed-script usernames (UTS #39 moderately restrictive)', () => {
  it.each([
    // Cyrillic а (U+0430) in a Latin name.
    ['p\u0430ypal', 'Cyrillic, Latin'],
    // Cyrillic е and о.
    ['g\u043E\u043Egl\u0435', 'Cyrillic, Latin'],
    // Greek ο (U+03BF) for o.
    ['micr\u03BFsoft', 'Greek, Latin'],
    // Cyrillic and Greek together, no Latin.
    ['\u0430\u03B1', 'Cyrillic, Greek'],
    // Two scripts besides Latin that are not one of the CJK sets.
    ['abc\u05D0\u0627', 'Arabic, Hebrew, Latin'],
    // Hangul with Japanese kana.
    ['\uD55C\u3042', 'Hangul, Hiragana'],
  ])('refuses %j (%s)', (name, scripts) => {
    expect(mixedScriptProblem(name)).toBe(
      `username mixes letters of different scripts (${scripts}), which can imitate another name: use one script`,
    );
    expect(usernameProblem(name)).toBe(mixedScriptProblem(name));
  });

  it.each([
    ['alice'],
    ['Jos\u00E9'],
    // A decomposed é: the combining accent is Inherited and does not count.
    ['Jose\u0301'],
    ['\u5C71\u7530'],
    ['\u30E6\u30FC\u30B6\u30FC1'],
    ['\u0395\u03BB\u03AD\u03BD\u03B7'],
    ['\u0418\u0432\u0430\u043D_\u041F\u0435\u0442\u0440\u043E\u0432'],
    // Japanese with Latin: Han + Hiragana + Katakana + Latin.
    ['tanaka\u7530\u4E2D\u3055\u3093\u30C6\u30B9\u30C8'],
    // Chinese with Bopomofo, Korean with Han, Latin + one other script (not Cyrillic or Greek).
    ['li\u674E\u3105'],
    ['kim\u91D1\uD55C'],
    ['dov\u05D3\u05D1'],
    ['user.name-01_x'],
  ])('accepts %j', (name) => {
    expect(mixedScriptProblem(name)).toBeNull();
    expect(usernameProblem(name)).toBeNull();
  });

  it('digits, ".", "_" and "-" belong to no script', () => {
    expect([...scriptsOf('a.b_c-1')]).toEqual(['Latin']);
    expect([...scriptsOf('._-123')]).toEqual([]);
    expect([...scriptsOf('\u0418\u0432\u0430\u043D2')]).toEqual(['Cyrillic']);
  });
});

describe('NFKC', () => {
  it('a name typed in compatibility forms is checked and stored as the letters it stands for', () => {
    // Fullwidth Latin.
    expect(normalizeUsername('\uFF50\uFF41\uFF59\uFF50\uFF41\uFF4C')).toBe('paypal');
    expect(canonicalize('\uFF30\uFF41\uFF59\uFF50\uFF41\uFF4C')).toBe('paypal');
    // The "fi" ligature.
    expect(normalizeUsername('\uFB01sh')).toBe('fish');
    // Fullwidth Latin with a Cyrillic а is still a mix once normalised.
    expect(usernameProblem('\uFF50\u0430\uFF59')).toMatch(/Cyrillic, Latin/);
  });

  it('the canonical form of a stored name is the NFKC of it, so existing names still match', () => {
    // A decomposed and a precomposed é name the same account.
    expect(canonicalize('Jose\u0301')).toBe(canonicalize('JOS\u00C9'));
    expect(canonicalize('Jose\u0301')).toBe('jos\u00E9');
  });

  it('a name that NFKC turns into something not allowed is refused', () => {
    // ½ becomes 1⁄2, and the fraction slash is not allowed.
    expect(usernameProblem('a\u00BD')).toBe('username must be 1–64 letters, digits, ".", "_" or "-"');
  });
});

describe('display names (OIDC name)', () => {
  it('are NFC and trimmed; blank is none; any script and markup characters are text', () => {
    expect(normalizeDisplayName('  Jose\u0301 Ñuñez ')).toBe('Jos\u00E9 Ñuñez');
    expect(normalizeDisplayName(' \t ')).toBeNull();
    for (const name of ['山田 太郎', 'Ελένη', '<b>Bold</b> & "co"', '👩‍💻 Dev'])
      expect(displayNameProblem(name)).toBeNull();
  });

  it('at most 100 characters (not UTF-16 units); no controls, line breaks or direction overrides', () => {
    expect(displayNameProblem('😀'.repeat(100))).toBeNull();
    expect(displayNameProblem(`  ${'a'.repeat(100)}  `)).toBeNull();
    expect(displayNameProblem('a'.repeat(101))).toMatch(/at most 100/);
    for (const bad of ['a\nb', 'a\u0000b', 'a\u2028b', 'evil\u202Egnp.exe', 'a\u2066b', 'a\u007fb'])
      expect(displayNameProblem(bad), JSON.stringify(bad)).toMatch(/control characters/);
  });
});
