/**
 * Production passwords are argon2id at OWASP's baseline cost (m=19 MiB, t=2, p=1), and nothing an
 * operator configures lowers it: tests get cheap hashes only by injecting their own hasher.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore, type TestStore } from '../../test/helpers/databases.js';
import { validateConfig } from '../config/load.js';
import { configKeys } from '../config/keys.js';
import { composeServices } from '../compose.js';
import { argon2Passwords } from './passwords.js';
import { UserAccounts } from './users.js';

const PRODUCTION_COST = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/;

describe('the production password cost', () => {
  let db: TestStore;
  beforeAll(async () => {
    db = await createSqliteStore();
  });
  afterAll(() => db?.cleanup());

  it('argon2Passwords hashes with argon2id m=19456, t=2, p=1 and verifies what it made', async () => {
    const hashed = await argon2Passwords.hash('correct horse battery staple');
    expect(hashed).toMatch(PRODUCTION_COST);
    expect(await argon2Passwords.verify(hashed, 'correct horse battery staple')).toBe(true);
    expect(await argon2Passwords.verify(hashed, 'wrong horse battery staple')).toBe(false);
  });

  it('is what the composition root and the CLI use when no hasher is injected', async () => {
    const services = composeServices({ config: validateConfig({}), store: db.store, auditLog: false });
    try {
      expect(await services.passwords.hash('a long passphrase')).toMatch(PRODUCTION_COST);
      const created = await new UserAccounts(db.store).create({
        username: 'paula',
        email: 'paula@example.com',
        password: 'a long passphrase',
      });
      expect(created.passwordHash).toMatch(PRODUCTION_COST);
    } finally {
      await services.close();
    }
  });

  it('no setting names a password hashing cost', () => {
    expect(configKeys.filter((key) => /argon|memory|cost|iteration|parallel/i.test(key))).toEqual([]);
  });
});
