import { describe, expect, it } from 'vitest';
import { allValues, isMultiValued, MULTI_VALUED_PARAMETERS, parametersFrom, RequestParameters } from './params.js';

describe('multi-valued parameters (RFC 8707 resource, RFC 8693 audience)', () => {
  it('are exactly resource and audience', () => {
    expect(MULTI_VALUED_PARAMETERS).toEqual(['resource', 'audience']);
    expect(isMultiValued('resource')).toBe(true);
    expect(isMultiValued('scope')).toBe(false);
  });

  it('allValues returns every value in order; get still answers the first', () => {
    const params = parametersFrom([
      ['resource', 'https://a.example/'],
      ['scope', 'read'],
      ['resource', 'https://b.example/'],
      ['audience', 'billing'],
    ]);
    expect(allValues(params, 'resource')).toEqual(['https://a.example/', 'https://b.example/']);
    expect(params.get('resource')).toBe('https://a.example/');
    expect(allValues(params, 'audience')).toEqual(['billing']);
    expect(allValues(params, 'scope')).toEqual(['read']);
    expect(allValues(params, 'missing')).toEqual([]);
  });

  it('a single-valued name keeps only its first value', () => {
    const params = new RequestParameters();
    params.add('scope', 'read');
    params.add('scope', 'admin');
    expect(params.get('scope')).toBe('read');
    expect(allValues(params, 'scope')).toEqual(['read']);
  });

  it('a plain Map answers its single value, or none', () => {
    expect(allValues(new Map([['resource', 'https://a.example/']]), 'resource')).toEqual(['https://a.example/']);
    expect(allValues(new Map(), 'resource')).toEqual([]);
  });

  it('is still a ReadonlyMap of first values: size, has, entries', () => {
    const params = parametersFrom([
      ['resource', 'https://a.example/'],
      ['resource', 'https://b.example/'],
      ['grant_type', 'client_credentials'],
    ]);
    expect(params.size).toBe(2);
    expect(Object.fromEntries(params)).toEqual({
      resource: 'https://a.example/',
      grant_type: 'client_credentials',
    });
  });
});
