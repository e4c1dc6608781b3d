import { describe, expect, it } from 'vitest';
import { thrownOAuthError as error } from '../../test/helpers/errors.js';
import { allValues } from '../core/params.js';
import { parseFormBody, parsePageForm, parseParameters } from './form.js';

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

  it('accepts a repeated resource or audience (RFC 8707 section 2, RFC 8693): allValues reads them all', () => {
    const params = parseFormBody(
      'application/x-www-form-urlencoded',
      'grant_type=client_credentials&resource=https%3A%2F%2Fa.example%2F&resource=urn%3Ab&resource=&audience=x&audience=y',
    );
    expect(allValues(params, 'resource')).toEqual(['https://a.example/', 'urn:b']);
    expect(params.get('resource')).toBe('https://a.example/');
    expect(allValues(params, 'audience')).toEqual(['x', 'y']);
    expect(params.get('grant_type')).toBe('client_credentials');
  });

  it('still refuses any other repeated parameter, even beside a repeated resource', () => {
    const refused = error(() =>
      parseFormBody('application/x-www-form-urlencoded', 'resource=urn:a&resource=urn:b&scope=a&scope=b'),
    );
    expect(refused.code).toBe('invalid_request');
    expect(refused.description).toBe('parameter repeated: scope');
  });

  it('reports a repeated resource to the endpoint, which decides (the query of /oauth/authorize)', () => {
    const { params, repeated } = parseParameters('resource=urn%3Aa&resource=urn%3Ab&client_id=c');
    expect(repeated).toEqual(['resource']);
    expect(allValues(params, 'resource')).toEqual(['urn:a', 'urn:b']);
  });

  it('page forms refuse a repeated resource like any other field', () => {
    expect(error(() => parsePageForm('application/x-www-form-urlencoded', 'resource=urn:a&resource=urn:b')).code).toBe(
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
