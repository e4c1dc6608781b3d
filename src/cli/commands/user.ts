import { Command } from 'commander';
import type { UserAccounts } from '../../accounts/users.js';
import type { GatehouseConfig } from '../../config/schema.js';
import type { Store, UserRecord } from '../../storage/store.js';
import type { AdminAudit } from '../context.js';
import { formatTime, printJson, printLines, printTable } from '../output.js';
import { withStoreOptions, type StoreOptions } from '../store-options.js';
import { readNewPassword } from './password-input.js';
import { cliIo } from '../io.js';

const collect = (value: string, previous: string[]) => [...previous, value];

/** The accounts service with the configured password policy (loaded when a command runs, with argon2). */
async function accountsFor(config: GatehouseConfig, store: Store, audit: AdminAudit): Promise<UserAccounts> {
  const { UserAccounts } = await import('../../accounts/users.js');
  const { announcingSessionEnds, commandSessionLogout } = await import('../../accounts/logout.js');
  const { systemClock } = await import('../../core/clock.js');
  const policy = { minLength: config.password_min_length, maxLength: config.password_max_length };
  // Deactivating or setting a password ends the user's sessions: their OpenID grants and clients too.
  const announcing = announcingSessionEnds(
    store,
    commandSessionLogout(config.key_encryption_key, store, systemClock, (line) => cliIo().stderr.write(line)),
    systemClock,
  );
  return new UserAccounts(announcing, { passwordPolicy: policy, events: audit.events });
}

/** yes, no, or "no (awaiting e-mail confirmation)" for a self-registered account not yet confirmed. */
function activity(user: UserRecord): string {
  if (user.enabled) return 'yes';
  return user.awaitingConfirmation ? 'no (awaiting e-mail confirmation)' : 'no';
}

/**
 * What `user list` (one row per user) and `user show` (one line per field) print: the same
 * fields in the same order, as --json prints the same object per user for both.
 */
const USER_FIELDS: [string, (user: UserRecord) => string][] = [
  ['username', (user) => user.username],
  ['email', (user) => user.email],
  ['name', (user) => user.displayName ?? '-'],
  ['verified', (user) => (user.emailVerified ? 'yes' : 'no')],
  ['active', activity],
  ['roles', (user) => ['ROLE_USER', ...user.roles].join(' ')],
  ['created', (user) => formatTime(user.createdAt)],
  ['updated', (user) => formatTime(user.updatedAt)],
  ['id', (user) => user.id],
];

function describeUser(user: UserRecord) {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    // OIDC `name` and `email_verified`.
    name: user.displayName ?? null,
    email_verified: user.emailVerified ?? false,
    enabled: user.enabled,
    awaiting_confirmation: user.awaitingConfirmation,
    roles: user.roles,
    created_at: formatTime(user.createdAt),
    updated_at: formatTime(user.updatedAt),
  };
}

/**
 * Runs `fn` with the user accounts service on the configured database. Commander calls an
 * action with (...arguments, options, command).
 */
function accounts<A extends string[]>(fn: (accounts: UserAccounts, ...args: A) => Promise<void>) {
  return async (...args: unknown[]) => {
    const options = args[args.length - 2] as StoreOptions;
    const positional = args.slice(0, -2) as A;
    const { resolveConfig, withStore } = await import('../context.js');
    const config = resolveConfig(options);
    await withStore(config, async (store, audit) => fn(await accountsFor(config, store, audit), ...positional));
  };
}

export function userCommand(): Command {
  const user = new Command('user').description('manage user accounts');

  withStoreOptions(
    user
      .command('create')
      .description('create a user (asks for the password on a terminal)')
      .argument('<username>')
      .argument('<email>')
      .option('--password-stdin', 'read the password from stdin')
      .option('--role <role>', 'extra role, e.g. ROLE_ADMIN (repeatable; ROLE_USER is implicit)', collect, [])
      .option('--inactive', 'create the account disabled')
      .option('--name <name>', 'display name (the OpenID Connect name claim)')
      .option('--email-verified', 'the address is known to be theirs (email_verified; otherwise not verified)'),
  ).action(
    async (
      username: string,
      email: string,
      options: StoreOptions & {
        passwordStdin?: boolean;
        role: string[];
        inactive?: boolean;
        name?: string;
        emailVerified?: boolean;
      },
    ) => {
      const { resolveConfig, withStore } = await import('../context.js');
      const config = resolveConfig(options);
      const password = await readNewPassword(options.passwordStdin);
      await withStore(config, async (store, audit) => {
        const service = await accountsFor(config, store, audit);
        const enabled = !options.inactive;
        const created = await service.create({
          username,
          email,
          password,
          roles: options.role,
          enabled,
          ...(options.name === undefined ? {} : { displayName: options.name }),
          emailVerified: options.emailVerified ?? false,
        });
        printLines([`Created user ${created.username} <${created.email}>${created.enabled ? '' : ' (inactive)'}.`]);
      });
    },
  );

  const toggle = (name: 'activate' | 'deactivate', enabled: boolean) =>
    withStoreOptions(user.command(name).description(`${name} a user`).argument('<username>')).action(
      accounts(async (users, login: string) => {
        const changed = await users.setEnabled(login, enabled);
        printLines([`User ${changed.username} is now ${enabled ? 'active' : 'inactive'}.`]);
      }),
    );
  toggle('activate', true);
  toggle('deactivate', false);

  withStoreOptions(
    user.command('promote').description('add a role to a user').argument('<username>').argument('<role>'),
  ).action(
    accounts(async (users, login: string, role: string) => {
      const changed = await users.promote(login, role);
      printLines([`User ${changed.username} has roles: ${changed.roles.join(' ') || '(none)'}.`]);
    }),
  );

  withStoreOptions(
    user.command('demote').description('remove a role from a user').argument('<username>').argument('<role>'),
  ).action(
    accounts(async (users, login: string, role: string) => {
      const { normalizeRole } = await import('../../accounts/users.js');
      const found = await users.find(login);
      // Said, not silently done: a mistyped role would otherwise look removed.
      if (!found.roles.includes(normalizeRole(role)))
        throw new Error(
          `user ${found.username} does not have the role ${normalizeRole(role)} (roles: ${['ROLE_USER', ...found.roles].join(' ')})`,
        );
      const changed = await users.demote(login, role);
      printLines([`User ${changed.username} has roles: ${changed.roles.join(' ') || '(none)'}.`]);
    }),
  );

  withStoreOptions(
    user
      .command('update')
      .description("change a user's name or e-mail address, or whether the address is verified")
      .argument('<username>')
      .option('--name <name>', 'display name (the OpenID Connect name claim); "" removes it')
      .option('--email <email>', 'a new e-mail address: not verified unless --email-verified is given too')
      .option('--email-verified', 'the address is known to be theirs (email_verified)')
      .option('--no-email-verified', 'the address is not verified'),
  ).action(
    async (login: string, options: StoreOptions & { name?: string; email?: string; emailVerified?: boolean }) => {
      const { resolveConfig, withStore } = await import('../context.js');
      const config = resolveConfig(options);
      await withStore(config, async (store, audit) => {
        const changed = await (await accountsFor(config, store, audit)).update(login, {
          ...(options.name === undefined ? {} : { displayName: options.name }),
          ...(options.email === undefined ? {} : { email: options.email }),
          ...(options.emailVerified === undefined ? {} : { emailVerified: options.emailVerified }),
        });
        const verified = changed.emailVerified ? 'verified' : 'not verified';
        printLines([
          `Updated ${changed.username}: ${changed.displayName ?? '(no name)'} <${changed.email}> (${verified}).`,
        ]);
      });
    },
  );

  withStoreOptions(
    user
      .command('change-password')
      .description("set a user's password (asks on a terminal)")
      .argument('<username>')
      .option('--password-stdin', 'read the password from stdin'),
  ).action(async (login: string, options: StoreOptions & { passwordStdin?: boolean }) => {
    const { resolveConfig, withStore } = await import('../context.js');
    const config = resolveConfig(options);
    const password = await readNewPassword(options.passwordStdin);
    await withStore(config, async (store, audit) => {
      const service = await accountsFor(config, store, audit);
      const changed = await service.changePassword(login, password);
      printLines([`Password of ${changed.username} changed.`]);
    });
  });

  withStoreOptions(
    user
      .command('delete')
      .description('delete a user with their tokens, sign-in sessions and consents')
      .argument('<username>'),
  ).action(
    accounts(async (users, login: string) => {
      const deleted = await users.delete(login);
      printLines([
        `Deleted user ${deleted.username} <${deleted.email}> with their tokens, sign-in sessions and consents.`,
      ]);
    }),
  );

  withStoreOptions(user.command('list').description('list users').option('--json', 'print JSON')).action(
    async (options: StoreOptions & { json?: boolean }) => {
      const { resolveConfig, withStore } = await import('../context.js');
      const config = resolveConfig(options);
      await withStore(config, async (store, audit) => {
        const service = await accountsFor(config, store, audit);
        const users = await service.list();
        if (options.json) return printJson(users.map(describeUser));
        printTable(
          USER_FIELDS.map(([label]) => label.toUpperCase()),
          users.map((u) => USER_FIELDS.map(([, value]) => value(u))),
        );
      });
    },
  );

  withStoreOptions(
    user.command('show').description('show one user').argument('<username>').option('--json', 'print JSON'),
  ).action(async (login: string, options: StoreOptions & { json?: boolean }) => {
    const { resolveConfig, withStore } = await import('../context.js');
    const config = resolveConfig(options);
    await withStore(config, async (store, audit) => {
      const service = await accountsFor(config, store, audit);
      const found = await service.find(login);
      if (options.json) return printJson(describeUser(found));
      printLines(USER_FIELDS.map(([label, value]) => `${`${label}:`.padEnd(10)} ${value(found)}`));
    });
  });

  return user;
}
