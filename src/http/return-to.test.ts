import { describe, expect, it } from 'vitest';
import { safeReturnTo } from './browser.js';

/** Where the sign-in page may send the browser afterwards: a few pages of this server, as written. */
describe('safeReturnTo', () => {
  it('accepts the pages a sign-in returns to', () => {
    for (const target of [
      '/login',
      '/account',
      '/account?done=email',
      '/account/email/confirm?token=abc',
      `/oauth/authorize?pending=${'a'.repeat(43)}`,
    ]) {
      expect(safeReturnTo(target)).toBe(target);
    }
  });

  it('refuses other origins and paths that a browser would resolve somewhere else', () => {
    for (const target of [
      'https://evil.example/',
      '//evil.example/',
      '/account/../..//evil.example',
      '/account/./../oauth/revoke',
      '/account//evil.example',
      '/account/%2e%2e/%2E%2E/metrics',
      '/account/.%2e/x',
      '/oauth/authorize?client_id=x&redirect_uri=https://evil.example',
      '/account\\evil',
    ]) {
      expect(safeReturnTo(target), target).toBeNull();
    }
    expect(safeReturnTo(undefined)).toBeNull();
  });
});
