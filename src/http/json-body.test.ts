import { describe, expect, it } from 'vitest';
import { OAuthError } from '../core/errors.js';
import { parseJsonObject } from './json-body.js';

const JSON_TYPE = 'application/json';

function refusal(body: string, type: string | null = JSON_TYPE): string {
  try {
    parseJsonObject(type ?? undefined, body);
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthError);
    expect((error as OAuthError).status).toBe(400);
    return (error as OAuthError).description;
  }
  throw new Error(`accepted: ${body}`);
}

describe('a JSON request body (client registration)', () => {
  it('reads an object, with the same name in different objects and escaped quotes in strings', () => {
    const body = '{"a":"x\\"}","b":{"a":1,"c":[{"d":1},{"d":2}]},"e":["{\\"a\\":1}", {"a": 2}], "f" : 3}';
    expect(parseJsonObject('application/json; charset=utf-8', body)).toEqual(JSON.parse(body));
  });

  it('refuses a member named twice, at the top or deep inside, even spelled with escapes', () => {
    expect(refusal('{"a":1,"a":2}')).toMatch(/repeated.*a/);
    expect(refusal('{"x":{"keys":[{"kty":"EC","crv":"P-256","kty":"RSA"}]}}')).toMatch(/repeated.*kty/);
    expect(refusal('{"client_name":1,"client\\u005fname":2}')).toMatch(/repeated.*client_name/);
  });

  it('refuses a document nested too deep (it would exhaust the stack of the code that reads it)', () => {
    expect(refusal(`{"jwks":{"keys":${'['.repeat(5000)}${']'.repeat(5000)}}}`)).toMatch(/nested deeper than 20/);
    expect(parseJsonObject(JSON_TYPE, `{"a":${'['.repeat(19)}${']'.repeat(19)}}`)).toBeTruthy();
  });

  it('refuses what is not a JSON object, or not JSON', () => {
    for (const body of ['[]', '[{"a":1}]', '"text"', '1', 'null', 'true', '', '{', '{"a":1}x'])
      expect(refusal(body)).toMatch(/JSON/);
    expect(refusal('{}', 'application/x-www-form-urlencoded')).toMatch(/application\/json/);
    expect(refusal('{}', null)).toMatch(/application\/json/);
  });
});
