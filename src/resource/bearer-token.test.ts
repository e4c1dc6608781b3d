import { describe, expect, it } from 'vitest';
import { thrown } from '../../test/resource/fixtures.js';
import { extractBearerToken, type BearerRequest } from './bearer-token.js';

const headerOnly = { allowBodyToken: false, allowQueryToken: false };
const everyMethod = { allowBodyToken: true, allowQueryToken: true };
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

const extract = (request: BearerRequest, options = headerOnly) => extractBearerToken(request, options);

describe('the Authorization header (RFC 6750 §2.1)', () => {
  it('takes the token after "Bearer", in any letter case', () => {
    expect(extract({ headers: { authorization: 'Bearer abc.DEF-_~+/123==' } })).toBe('abc.DEF-_~+/123==');
    expect(extract({ headers: { authorization: 'bEaReR tok' } })).toBe('tok');
    expect(extract({ headers: { authorization: 'BEARER   tok' } })).toBe('tok');
  });

  it('reads plain records whatever the header name case, and fetch Headers', () => {
    expect(extract({ headers: { Authorization: 'Bearer tok' } })).toBe('tok');
    expect(extract({ headers: new Headers({ authorization: 'Bearer tok' }) })).toBe('tok');
  });

  it.each([
    ['no token', 'Bearer'],
    ['only spaces after the scheme', 'Bearer    '],
    ['two tokens', 'Bearer abc def'],
    ['a quote', 'Bearer ab"c'],
    ['a comma', 'Bearer abc,def'],
    ['padding in the middle', 'Bearer ab=c'],
    ['an auth-param instead of a token', 'Bearer token="abc"'],
    ['a line break', 'Bearer abc\r\nX-Evil: 1'],
    ['no scheme at all', '=abc'],
  ])('refuses a malformed Bearer header (%s) with 400 invalid_request', (_why, authorization) => {
    const error = thrown(() => extract({ headers: { authorization } }));
    expect(error.code).toBe('invalid_request');
    expect(error.status).toBe(400);
  });

  it('refuses two Authorization headers', () => {
    expect(thrown(() => extract({ headers: { authorization: ['Bearer a', 'Bearer b'] } })).code).toBe(
      'invalid_request',
    );
    expect(
      thrown(() =>
        extract({
          headers: new Headers([
            ['authorization', 'Bearer a'],
            ['authorization', 'Bearer b'],
          ]),
        }),
      ).code,
    ).toBe('invalid_request');
  });

  it('treats no header, an empty one and another scheme as "no token" (401 without error, §3.1)', () => {
    for (const headers of [{}, { authorization: '' }, { authorization: 'Basic dXNlcjpwYXNz' }]) {
      const error = thrown(() => extract({ headers }));
      expect(error.code).toBe('missing_token');
      expect(error.status).toBe(401);
    }
    expect(thrown(() => extract({ headers: { authorization: 'Basic dXNlcjpwYXNz' } })).description).toMatch(
      /Bearer scheme/,
    );
  });
});

describe('the form body (RFC 6750 §2.2)', () => {
  it('is read only when allowed, for a form-encoded body, on a method with a body', () => {
    const request = { method: 'POST', headers: FORM, body: { access_token: 'tok', other: 'x' } };
    expect(extract(request, everyMethod)).toBe('tok');
    expect(
      extract(
        { ...request, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } },
        everyMethod,
      ),
    ).toBe('tok');
    expect(thrown(() => extract(request, headerOnly)).code).toBe('missing_token');
  });

  it('is never read on GET, nor from a JSON body', () => {
    const onGet = thrown(() => extract({ method: 'GET', headers: FORM, body: { access_token: 'tok' } }, everyMethod));
    expect(onGet.code).toBe('missing_token');
    expect(onGet.description).toMatch(/GET/);
    const json = thrown(() =>
      extract(
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: { access_token: 'tok' } },
        everyMethod,
      ),
    );
    expect(json.code).toBe('missing_token');
  });

  it('accepts a raw body as a string, Buffer or URLSearchParams', () => {
    for (const body of [
      'a=1&access_token=tok',
      Buffer.from('access_token=tok'),
      new URLSearchParams({ access_token: 'tok' }),
    ]) {
      expect(extract({ method: 'PUT', headers: FORM, body }, everyMethod)).toBe('tok');
    }
  });

  it('refuses a repeated or structured access_token, and an empty one', () => {
    expect(
      thrown(() => extract({ method: 'POST', headers: FORM, body: 'access_token=a&access_token=b' }, everyMethod)).code,
    ).toBe('invalid_request');
    expect(
      thrown(() => extract({ method: 'POST', headers: FORM, body: { access_token: ['a', 'b'] } }, everyMethod)).code,
    ).toBe('invalid_request');
    expect(
      thrown(() => extract({ method: 'POST', headers: FORM, body: { access_token: { nested: 'a' } } }, everyMethod))
        .code,
    ).toBe('invalid_request');
    expect(thrown(() => extract({ method: 'POST', headers: FORM, body: { access_token: '' } }, everyMethod)).code).toBe(
      'invalid_request',
    );
  });

  it('tells a client that this API does not take body tokens', () => {
    const error = thrown(() => extract({ method: 'POST', headers: FORM, body: { access_token: 'tok' } }, headerOnly));
    expect(error.description).toMatch(/does not accept access_token in the request body/);
  });
});

describe('the query string (RFC 6750 §2.3)', () => {
  it('is read only when allowed, from a parsed object, a string or URLSearchParams', () => {
    for (const query of [
      { access_token: 'tok' },
      '?access_token=tok',
      'access_token=tok',
      new URLSearchParams('access_token=tok'),
    ]) {
      expect(extract({ headers: {}, query }, { allowBodyToken: false, allowQueryToken: true })).toBe('tok');
    }
    const refused = thrown(() => extract({ headers: {}, query: { access_token: 'tok' } }, headerOnly));
    expect(refused.code).toBe('missing_token');
    expect(refused.description).toMatch(/does not accept access_token in the query string/);
  });

  it('refuses a repeated access_token', () => {
    const error = thrown(() => extract({ headers: {}, query: { access_token: ['a', 'b'] } }, everyMethod));
    expect(error.code).toBe('invalid_request');
  });

  it('ignores a malformed query parameter when query tokens are off', () => {
    expect(extract({ headers: { authorization: 'Bearer tok' }, query: { access_token: { x: 1 } } }, headerOnly)).toBe(
      'tok',
    );
  });
});

describe('more than one method (RFC 6750 §2)', () => {
  it.each([
    ['header and query', { headers: { authorization: 'Bearer a' }, query: { access_token: 'a' } }],
    [
      'header and body',
      { method: 'POST', headers: { authorization: 'Bearer a', ...FORM }, body: { access_token: 'a' } },
    ],
    ['body and query', { method: 'POST', headers: FORM, body: { access_token: 'a' }, query: 'access_token=a' }],
  ])('refuses %s with 400 invalid_request', (_what, request) => {
    const error = thrown(() => extract(request as BearerRequest, everyMethod));
    expect(error.code).toBe('invalid_request');
    expect(error.description).toMatch(/one way only/);
  });

  it('does not count a method that is turned off', () => {
    expect(extract({ headers: { authorization: 'Bearer a' }, query: { access_token: 'b' } }, headerOnly)).toBe('a');
  });
});
