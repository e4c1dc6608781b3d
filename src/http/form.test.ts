import { describe, expect, it } from 'vitest';
import { thrownOAuthError as error } from '../../test/helpers/errors.js';
import { parseFormBody } from './form.js';

describe('form bodies (RFC 6749 §3.2)', () => {
  it('decodes parameters, with or without a charset', () => {
    const params = parseFormBody(
      'application/x-www-form-urlencoded; charset=UTF-8',
      'grant_type=password&username=a%40b.c&password=p+q',
    );
    expect(Object.fromEntries(params)).toEqual({ grant_type: 'password', username: 'a@b.c', password: 'p q' });
  });

  it('treats an empty value as absent (§3.1)', () => {
    expect(parseFormBody('application/x-www-form-urlencoded', 'scope=&grant_type=x').has('scope')).toBe(false);
  });

  it('refuses a repeated parameter', () => {
    expect(error(() => parseFormBody('application/x-www-form-urlencoded', 'scope=a&scope=b')).code).toBe(
      'invalid_request',
    );
  });

  it('refuses a NUL character in a name or value', () => {
    expect(error(() => parseFormBody('application/x-www-form-urlencoded', 'client_id=a%00b')).code).toBe(
      'invalid_request',
    );
  });

  it('refuses other content types', () => {
    for (const type of [undefined, 'application/json', 'text/plain', 'multipart/form-data; boundary=x']) {
      expect(error(() => parseFormBody(type, 'grant_type=x')).code).toBe('invalid_request');
    }
  });
});
