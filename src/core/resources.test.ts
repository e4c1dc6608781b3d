import { describe, expect, it } from 'vitest';
import { thrownOAuthError as error } from '../../test/helpers/errors.js';
import { authorizationParameters, restoreAuthorizationParameters } from './authorize.js';
import { allValues, parametersFrom } from './params.js';
import {
  audienceClaim,
  MAX_RESOURCES_PER_REQUEST,
  requestedResources,
  resourceProblem,
  resourcesForNewGrant,
  resourcesWithinGrant,
} from './resources.js';

const policy = { defaultAudience: 'https://auth.example/' };
const API = 'https://api.example/';
const BILLING = 'urn:example:billing';
const client = { allowedResources: [API, BILLING] };
const resources = (...values: string[]) => parametersFrom(values.map((value) => ['resource', value] as const));

describe('resource indicator syntax (RFC 8707 section 2)', () => {
  it('accepts absolute URIs, with a query, a port, or no authority', () => {
    for (const value of [
      API,
      'https://api.example:8443/v1?tenant=a',
      BILLING,
      'urn:uuid:33336dcd-a239-444a-90ae-76d381c3e6d5',
    ]) {
      expect(resourceProblem(value), value).toBeNull();
    }
  });

  it.each([
    ['a relative reference', '/api', /absolute URI/],
    ['a host without a scheme', 'api.example/v1', /absolute URI/],
    ['a fragment', 'https://api.example/#top', /fragment/],
    ['an empty fragment', 'https://api.example/#', /fragment/],
    ['a space', 'https://api.example/a b', /URI/],
    ['a non-ASCII character', 'https://api.example/é', /URI/],
    ['a broken percent-encoding', 'https://api.example/%zz', /URI/],
    ['an overlong value', `https://api.example/${'a'.repeat(2000)}`, /at most/],
  ])('refuses %s', (_, value, problem) => {
    expect(resourceProblem(value)).toMatch(problem);
    const refused = error(() => requestedResources(resources(value)));
    expect(refused.code).toBe('invalid_target');
    expect(refused.status).toBe(400);
  });

  it('removes duplicates, keeps the order, and answers [] without any resource', () => {
    expect(requestedResources(resources(BILLING, API, BILLING))).toEqual([BILLING, API]);
    expect(requestedResources(new Map())).toEqual([]);
  });

  it(`refuses more than ${MAX_RESOURCES_PER_REQUEST} distinct resources`, () => {
    const many = Array.from({ length: MAX_RESOURCES_PER_REQUEST + 1 }, (_, i) => `https://api${i}.example/`);
    expect(error(() => requestedResources(resources(...many))).code).toBe('invalid_target');
  });

  it('never quotes the resource in the error description', () => {
    const refused = error(() => requestedResources(resources('javascript:alert(1)#<script>')));
    expect(refused.description).not.toContain('script');
  });
});

describe('which resources a client may name', () => {
  it('its registered resources and the default audience', () => {
    expect(resourcesForNewGrant(policy, client, resources(API, BILLING))).toEqual([API, BILLING]);
    expect(resourcesForNewGrant(policy, client, resources(policy.defaultAudience))).toEqual([policy.defaultAudience]);
    expect(resourcesForNewGrant(policy, { allowedResources: null }, resources(policy.defaultAudience))).toEqual([
      policy.defaultAudience,
    ]);
    expect(resourcesForNewGrant(policy, client, new Map())).toEqual([]);
  });

  it('refuses a resource not registered for it (another client’s, or unknown), compared exactly', () => {
    for (const other of ['https://other.example/', 'https://api.example', 'HTTPS://api.example/']) {
      expect(error(() => resourcesForNewGrant(policy, client, resources(API, other))).code).toBe('invalid_target');
    }
    expect(error(() => resourcesForNewGrant(policy, { allowedResources: null }, resources(API))).code).toBe(
      'invalid_target',
    );
  });
});

describe('narrowing an existing grant (RFC 8707 section 2.2)', () => {
  it('none requested: the whole grant', () => {
    expect(resourcesWithinGrant(policy, new Map(), [API, BILLING])).toEqual([API, BILLING]);
    expect(resourcesWithinGrant(policy, new Map(), undefined)).toEqual([]);
  });

  it('a subset is the new audience', () => {
    expect(resourcesWithinGrant(policy, resources(BILLING), [API, BILLING])).toEqual([BILLING]);
  });

  it('a grant without resources covers the default audience only', () => {
    expect(resourcesWithinGrant(policy, resources(policy.defaultAudience), undefined)).toEqual([
      policy.defaultAudience,
    ]);
    expect(error(() => resourcesWithinGrant(policy, resources(API), undefined)).code).toBe('invalid_target');
  });

  it('never widens: a resource outside the grant is invalid_target', () => {
    expect(error(() => resourcesWithinGrant(policy, resources(API, BILLING), [API])).code).toBe('invalid_target');
    expect(error(() => resourcesWithinGrant(policy, resources(policy.defaultAudience), [API])).code).toBe(
      'invalid_target',
    );
  });
});

describe('the aud claim', () => {
  it('is a string for one audience and an array for several', () => {
    expect(audienceClaim([API])).toBe(API);
    expect(audienceClaim([API, BILLING])).toEqual([API, BILLING]);
  });
});

describe('a pending authorization request keeps its resources', () => {
  it('as checked, and restores every one of them', () => {
    const params = parametersFrom([
      ['client_id', 'c'],
      ['resource', API],
      ['resource', BILLING],
      ['resource', API],
    ]);
    const kept = authorizationParameters({ params, resources: requestedResources(params) });
    expect(kept).toEqual({ client_id: 'c', resource: `${API} ${BILLING}` });
    const restored = restoreAuthorizationParameters(kept);
    expect(allValues(restored, 'resource')).toEqual([API, BILLING]);
    expect(restored.get('client_id')).toBe('c');
    expect(authorizationParameters({ params: new Map([['client_id', 'c']]), resources: [] })).toEqual({
      client_id: 'c',
    });
  });
});
