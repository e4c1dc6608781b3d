import { describe, expect, it } from 'vitest';
import { backToApp } from './next-step.js';

describe("an error page's link back to the app", () => {
  it('goes to the origin of its first registered web redirect URI', () => {
    expect(
      backToApp({ name: 'Notes', redirectUris: ['com.example.app:/cb', 'https://notes.example/oauth/cb?x=1'] }),
    ).toEqual({ kind: 'app', name: 'Notes', uri: 'https://notes.example/' });
    expect(backToApp({ name: 'Dev', redirectUris: ['http://localhost:3000/cb'] })).toEqual({
      kind: 'app',
      name: 'Dev',
      uri: 'http://localhost:3000/',
    });
  });

  it('prefers client_uri, and never links to an app with no web page it registered', () => {
    expect(
      backToApp({ name: 'Notes', clientUri: 'https://notes.example/home', redirectUris: ['https://cb.example/cb'] }),
    ).toEqual({ kind: 'app', name: 'Notes', uri: 'https://notes.example/home' });
    expect(backToApp({ name: 'Native', redirectUris: ['com.example.app:/cb', 'http://127.0.0.1/cb'] })).toEqual({
      kind: 'sign-in',
    });
    expect(backToApp({ name: 'Native', redirectUris: ['com.example.app:/cb'] })).toEqual({ kind: 'sign-in' });
    expect(backToApp({ name: 'Plain', redirectUris: ['http://notes.example/cb'] })).toEqual({ kind: 'sign-in' });
    expect(backToApp({ name: 'Creds', redirectUris: ['https://user:pw@notes.example/cb'] })).toEqual({
      kind: 'sign-in',
    });
    expect(backToApp({ name: 'Script', redirectUris: ['javascript:alert(1)'] })).toEqual({ kind: 'sign-in' });
  });

  it('is the sign-in page (or what the page asks) for an unknown client', () => {
    expect(backToApp(null)).toEqual({ kind: 'sign-in' });
    expect(backToApp(undefined, { kind: 'account' })).toEqual({ kind: 'account' });
  });
});
