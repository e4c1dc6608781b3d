/**
 * What `gatehouse user show NAME --json` prints, read in-process from a test server's store (the
 * same UserAccounts.find the command calls), or null where the command would fail (no such user).
 */
import { AccountError, type UserAccounts } from '../../src/accounts/users.js';
import { formatTime } from '../../src/cli/output.js';
import type { TestServer } from './index.js';

export interface ShownUser {
  id: string;
  username: string;
  email: string;
  name: string | null;
  email_verified: boolean;
  enabled: boolean;
  awaiting_confirmation: boolean;
  roles: string[];
  created_at: string;
  updated_at: string;
}

export async function showUser(server: Pick<TestServer, 'accounts'>, username: string): Promise<ShownUser | null> {
  let user: Awaited<ReturnType<UserAccounts['find']>>;
  try {
    user = await server.accounts().find(username);
  } catch (error) {
    if (error instanceof AccountError) return null;
    throw error;
  }
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    name: user.displayName ?? null,
    email_verified: user.emailVerified ?? false,
    enabled: user.enabled,
    awaiting_confirmation: user.awaitingConfirmation,
    roles: user.roles,
    created_at: formatTime(user.createdAt),
    updated_at: formatTime(user.updatedAt),
  };
}
