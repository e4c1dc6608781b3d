/**
 * The storage contract for users, run unchanged against SQLite and PostgreSQL (a fresh database per
 * engine). User accounts: lookups by id and login, patches, duplicate names.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../../../test/helpers/databases.js';
import { FAR_FUTURE, id, makeUser, openContractStores, T } from '../../../test/helpers/storage-contract.js';
import type { SqlStore } from '../sql-store.js';
import { DuplicateUserError } from '../store.js';

describeEachEngine('storage contract: users', (factory) => {
  let database: TestDatabase;
  /** The main store instance. */
  let store: SqlStore;
  /** A second instance on the same database: its own connection (SQLite) or pool (PostgreSQL). */
  let other: SqlStore;

  beforeAll(async () => {
    ({ database, store, other } = await openContractStores(factory));
  });

  afterAll(async () => {
    await database?.cleanup();
  });

  // --- users ---------------------------------------------------------------

  it('creates users and finds them by id and by canonical username or e-mail', async () => {
    const user = makeUser({ createdAt: T + 5, updatedAt: FAR_FUTURE });
    await store.createUser(user);

    expect(await store.findUserById(user.id)).toStrictEqual(user);
    expect(await other.findUserByLogin(user.usernameCanonical)).toStrictEqual(user);
    expect(await store.findUserByLogin(user.emailCanonical)).toStrictEqual(user);
    // Lookups are on the canonical forms only.
    expect(await store.findUserByLogin(user.username)).toBeNull();
    expect(await store.findUserByLogin(user.email)).toBeNull();
    expect(await store.findUserById(id('missing'))).toBeNull();
    expect(await store.findUserByLogin('nobody')).toBeNull();

    const found = await store.findUserById(user.id);
    expect(found?.enabled).toBe(true);
    expect(typeof found?.updatedAt).toBe('number');
  });

  it('a username match wins over an e-mail match', async () => {
    const suffix = randomUUID().slice(0, 8);
    const login = `shared.${suffix}@example.com`;
    const byEmail = makeUser({ emailCanonical: login });
    const byUsername = makeUser({ usernameCanonical: login });
    await store.createUser(byEmail);
    await store.createUser(byUsername);
    expect((await store.findUserByLogin(login))?.id).toBe(byUsername.id);
  });

  it('createUser throws DuplicateUserError naming the taken field', async () => {
    const user = makeUser();
    await store.createUser(user);

    const sameUsername = makeUser({ usernameCanonical: user.usernameCanonical });
    const usernameError = await store.createUser(sameUsername).then(
      () => null,
      (error: unknown) => error,
    );
    expect(usernameError).toBeInstanceOf(DuplicateUserError);
    expect((usernameError as DuplicateUserError).field).toBe('username');

    const sameEmail = makeUser({ emailCanonical: user.emailCanonical });
    const emailError = await store.createUser(sameEmail).then(
      () => null,
      (error: unknown) => error,
    );
    expect(emailError).toBeInstanceOf(DuplicateUserError);
    expect((emailError as DuplicateUserError).field).toBe('email');

    expect(await store.findUserById(sameUsername.id)).toBeNull();
    expect(await store.findUserById(sameEmail.id)).toBeNull();
  });

  it('updateUser patches only the given fields and bumps updatedAt', async () => {
    const user = makeUser();
    await store.createUser(user);

    expect(await store.updateUser(user.id, { enabled: false, roles: ['viewer'] }, T + 100)).toBe(true);
    const disabled = await store.findUserById(user.id);
    expect(disabled).toStrictEqual({ ...user, enabled: false, roles: ['viewer'], updatedAt: T + 100 });
    expect(disabled?.enabled).toBe(false);

    expect(await store.updateUser(user.id, { roles: [] }, T + 101)).toBe(true);
    expect((await store.findUserById(user.id))?.roles).toEqual([]);

    const suffix = randomUUID().slice(0, 8);
    const renamed = {
      username: `Bob_${suffix}`,
      usernameCanonical: `bob_${suffix}`,
      email: `bob.${suffix}@example.com`,
      emailCanonical: `bob.${suffix}@example.com`,
      passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$bmV3c2FsdA$bmV3aGFzaA',
      enabled: true,
    };
    expect(await store.updateUser(user.id, renamed, T + 102)).toBe(true);
    expect(await store.findUserById(user.id)).toStrictEqual({ ...user, ...renamed, roles: [], updatedAt: T + 102 });
    expect(await store.findUserByLogin(renamed.usernameCanonical)).not.toBeNull();
    expect(await store.findUserByLogin(user.usernameCanonical)).toBeNull();

    // An empty patch still counts as an update of an existing user.
    expect(await store.updateUser(user.id, {}, T + 103)).toBe(true);
    expect((await store.findUserById(user.id))?.updatedAt).toBe(T + 103);

    expect(await store.updateUser(id('missing'), { enabled: false }, T + 104)).toBe(false);
  });

  it('updateUser throws DuplicateUserError naming the taken field and changes nothing', async () => {
    const first = makeUser();
    const second = makeUser();
    await store.createUser(first);
    await store.createUser(second);

    const usernameError = await store
      .updateUser(second.id, { username: first.username, usernameCanonical: first.usernameCanonical }, T + 1)
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(usernameError).toBeInstanceOf(DuplicateUserError);
    expect((usernameError as DuplicateUserError).field).toBe('username');

    const emailError = await store
      .updateUser(second.id, { email: first.email, emailCanonical: first.emailCanonical }, T + 2)
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(emailError).toBeInstanceOf(DuplicateUserError);
    expect((emailError as DuplicateUserError).field).toBe('email');

    expect(await store.findUserById(second.id)).toStrictEqual(second);
  });

  it('listUsers returns every user, ordered by canonical username', async () => {
    const tag = randomUUID().slice(0, 8);
    const zed = makeUser({ usernameCanonical: `zed_${tag}`, enabled: false, roles: [] });
    const amy = makeUser({ usernameCanonical: `amy_${tag}` });
    const max = makeUser({ usernameCanonical: `max_${tag}` });
    for (const user of [zed, amy, max]) await store.createUser(user);

    const listed = await store.listUsers();
    const mine = listed.filter((user) => user.usernameCanonical.endsWith(tag));
    expect(mine).toStrictEqual([amy, max, zed]);
    const names = listed.map((user) => user.usernameCanonical);
    expect(names).toEqual([...names].sort());
  });

  it('round-trips displayName (markup and any script kept as text) and emailVerified; updateUser patches them, null clears the name (migration 16)', async () => {
    const named = makeUser({ displayName: '<b>山田</b> "Ann" & co', emailVerified: true });
    const plain = makeUser();
    await store.createUser(named);
    await store.createUser(plain);
    expect(await other.findUserById(named.id)).toStrictEqual(named);
    expect(await other.findUserById(plain.id)).toMatchObject({ displayName: null, emailVerified: false });
    expect(await store.updateUser(named.id, { displayName: null, emailVerified: false }, T + 5)).toBe(true);
    expect(await other.findUserById(named.id)).toStrictEqual({
      ...named,
      displayName: null,
      emailVerified: false,
      updatedAt: T + 5,
    });
  });

  it('round-trips awaitingConfirmation, true and false, and updateUser patches it', async () => {
    const pending = makeUser({ enabled: false, awaitingConfirmation: true, roles: [] });
    const confirmed = makeUser();
    await store.createUser(pending);
    await store.createUser(confirmed);

    const found = await other.findUserById(pending.id);
    expect(found).toStrictEqual(pending);
    expect(found?.awaitingConfirmation).toBe(true);
    expect(found?.enabled).toBe(false);
    expect(await other.findUserByLogin(pending.emailCanonical)).toStrictEqual(pending);
    expect((await store.findUserById(confirmed.id))?.awaitingConfirmation).toBe(false);
    expect((await store.listUsers()).filter((user) => [pending.id, confirmed.id].includes(user.id))).toStrictEqual(
      [pending, confirmed].sort((a, b) => (a.usernameCanonical < b.usernameCanonical ? -1 : 1)),
    );

    // An administrator's deactivate: not enabled, and no longer awaiting confirmation.
    expect(await store.updateUser(pending.id, { awaitingConfirmation: false }, T + 1)).toBe(true);
    expect(await store.findUserById(pending.id)).toStrictEqual({
      ...pending,
      awaitingConfirmation: false,
      updatedAt: T + 1,
    });
    expect(await store.updateUser(pending.id, { awaitingConfirmation: true, enabled: false }, T + 2)).toBe(true);
    expect(await store.findUserById(pending.id)).toStrictEqual({ ...pending, updatedAt: T + 2 });
    // A patch without the field leaves it alone.
    expect(await store.updateUser(pending.id, { roles: ['viewer'] }, T + 3)).toBe(true);
    expect((await store.findUserById(pending.id))?.awaitingConfirmation).toBe(true);
  });
});
