import { describe, expect, it } from 'vitest';
import { editDistance, nearestName } from './nearest-name.js';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['port', 'port', 0],
    ['', 'port', 4],
    ['databse', 'database', 1],
    ['pmrt', 'port', 1],
    ['prot', 'port', 1],
    ['acces_token_lifetim', 'access_token_lifetime', 2],
    ['kitten', 'sitting', 3],
  ])('%j → %j is %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});

describe('nearestName', () => {
  const names = ['port', 'host', 'database', 'database_pool_size', 'access_token_lifetime'];

  it('finds the nearest known name, whatever the case', () => {
    expect(nearestName('databse', names)).toBe('database');
    expect(nearestName('DATABASE_POOL_SIZ', names)).toBe('database_pool_size');
    expect(nearestName('acces_token_lifetim', names)).toBe('access_token_lifetime');
  });

  it('suggests nothing when no name is near', () => {
    expect(nearestName('frobnicate', names)).toBeUndefined();
    expect(nearestName('x', names)).toBeUndefined();
    expect(nearestName('anything', [])).toBeUndefined();
  });
});
