import { describe, expect, it } from 'vitest';
import type { ClientRecord } from './ports.js';
import { authenticateClient, presentedClientCredentials } from './client-auth.js';
import { rejectedOAuthError as failure, thrownOAuthError as thrown } from '../../test/helpers/errors.js';
import { hashSecret } from './secrets.js';

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

const confidential: ClientRecord = {
  id: 'svc',
  name: 'Service',
  secretHash: hashSecret('s3cret:with%odd chars+'),
  isPublic: false,
  redirectUris: [],
  grantTypes: ['client_credentials'],
  scopes: null,
  trusted: false,
  canIntrospect: false,
  allowedResources: null,
  createdAt: 0,
};
const publicClient: ClientRecord = { ...confidential, id: 'spa', secretHash: null, isPublic: true };
const store = { findClient: async (id: string) => [confidential, publicClient].find((c) => c.id === id) ?? null };

describe('client authentication (RFC 6749 §2.3)', () => {
  it('form-decodes HTTP Basic credentials (§2.3.1) and accepts the right secret', async () => {
    const presented = presentedClientCredentials(new Map(), basic('svc', 's3cret:with%odd chars+'));
    expect(presented).toEqual({
      method: 'client_secret_basic',
      clientId: 'svc',
      clientSecret: 's3cret:with%odd chars+',
    });
    expect((await authenticateClient(store, presented)).id).toBe('svc');
  });

  it('accepts client_secret_post', async () => {
    const presented = presentedClientCredentials(
      new Map([
        ['client_id', 'svc'],
        ['client_secret', 's3cret:with%odd chars+'],
      ]),
      undefined,
    );
    expect(presented.method).toBe('client_secret_post');
    expect((await authenticateClient(store, presented)).id).toBe('svc');
  });

  it('refuses two methods at once with invalid_request', () => {
    const error = thrown(() => presentedClientCredentials(new Map([['client_secret', 'x']]), basic('svc', 'x')));
    expect(error.code).toBe('invalid_request');
    const mismatch = thrown(() => presentedClientCredentials(new Map([['client_id', 'other']]), basic('svc', 'x')));
    expect(mismatch.code).toBe('invalid_request');
  });

  it('answers a wrong Basic secret with 401 and WWW-Authenticate: Basic', async () => {
    const error = await failure(
      authenticateClient(store, presentedClientCredentials(new Map(), basic('svc', 'wrong'))),
    );
    expect(error.code).toBe('invalid_client');
    expect(error.status).toBe(401);
    expect(error.headers['www-authenticate']).toMatch(/^Basic /);
  });

  it('answers a wrong posted secret with 401 and no WWW-Authenticate', async () => {
    const presented = presentedClientCredentials(
      new Map([
        ['client_id', 'svc'],
        ['client_secret', 'wrong'],
      ]),
      undefined,
    );
    const error = await failure(authenticateClient(store, presented));
    expect(error.status).toBe(401);
    expect(error.headers['www-authenticate']).toBeUndefined();
  });

  it('gives an unknown client the same answer as a wrong secret', async () => {
    const unknown = await failure(
      authenticateClient(store, presentedClientCredentials(new Map(), basic('nobody', 'x'))),
    );
    const wrong = await failure(authenticateClient(store, presentedClientCredentials(new Map(), basic('svc', 'x'))));
    expect(unknown.toJSON()).toEqual(wrong.toJSON());
  });

  it('lets a public client identify itself by id only, and refuses it a secret', async () => {
    expect(
      (await authenticateClient(store, presentedClientCredentials(new Map([['client_id', 'spa']]), undefined))).id,
    ).toBe('spa');
    const withSecret = presentedClientCredentials(
      new Map([
        ['client_id', 'spa'],
        ['client_secret', 'x'],
      ]),
      undefined,
    );
    expect((await failure(authenticateClient(store, withSecret))).code).toBe('invalid_client');
  });

  it('accepts a public client sent as HTTP Basic with an empty password, but not a confidential one', async () => {
    expect((await authenticateClient(store, presentedClientCredentials(new Map(), basic('spa', '')))).id).toBe('spa');
    const error = await failure(authenticateClient(store, presentedClientCredentials(new Map(), basic('svc', ''))));
    expect(error.status).toBe(401);
  });

  it('refuses a confidential client that sends no secret', async () => {
    const error = await failure(
      authenticateClient(store, presentedClientCredentials(new Map([['client_id', 'svc']]), undefined)),
    );
    expect(error.code).toBe('invalid_client');
  });

  it('refuses malformed Basic credentials and a request without any client', () => {
    expect(thrown(() => presentedClientCredentials(new Map(), 'Basic !!!')).code).toBe('invalid_client');
    expect(
      thrown(() => presentedClientCredentials(new Map(), `Basic ${Buffer.from('no-colon').toString('base64')}`)).status,
    ).toBe(401);
    expect(thrown(() => presentedClientCredentials(new Map(), undefined)).status).toBe(401);
    expect(thrown(() => presentedClientCredentials(new Map(), basic('a\0b', 'x'))).code).toBe('invalid_client');
  });
});
