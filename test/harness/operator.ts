/**
 * What an operator's CLI command does to a running deployment, done in the test's process: a
 * store of its own on the database (its own connection, no client cache, as `gatehouse client …`
 * opens it), so the servers see the change come from another connection, as from another process.
 */
import { ClientRegistry } from '../../src/core/clients.js';
import { openStore } from '../../src/storage/open.js';
import type { SqlStore } from '../../src/storage/sql-store.js';
import type { TestDatabase } from '../helpers/databases.js';

export interface Operator {
  store: SqlStore;
  /** `gatehouse client rotate-secret ID`: the new secret. */
  rotateSecret(clientId: string): Promise<string>;
  /** `gatehouse client delete ID`: false when there was no such client. */
  deleteClient(clientId: string): Promise<boolean>;
  close(): Promise<void>;
}

/** Opens the operator's store on an already migrated database; close it before the database goes. */
export function openOperator(database: TestDatabase): Operator {
  const store = openStore(database.location, { poolSize: 1, clientCache: false });
  return {
    store,
    rotateSecret: (clientId) => new ClientRegistry(store).rotateSecret(clientId),
    deleteClient: (clientId) => store.deleteClient(clientId),
    close: () => store.close(),
  };
}
