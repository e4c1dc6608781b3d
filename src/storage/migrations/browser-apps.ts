import { clientOrigins } from '../../core/origins.js';
import type { Migration } from './migration.js';

interface ClientOriginsRow {
  id: string;
  is_public: boolean | number;
  redirect_uris: string;
}

/** Browser apps (issue 18 §2): the origins allowed to call the API from a page (CORS). */
export const browserAppMigrations: readonly Migration[] = [
  {
    version: 18,
    name: 'CORS: the browser origins each client may call the API from',
    sql: `
-- The origins registered explicitly (JSON array of scheme://host[:port]); NULL: none.
ALTER TABLE clients ADD COLUMN allowed_origins TEXT;
-- Every origin a client may be called from (the explicit ones and, for a public client, its
-- redirect URIs' origins), written with the client in the same transaction. A preflight carries
-- no client: it asks "did any client register this origin?", answered by the index on origin.
CREATE TABLE client_origins (
  client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  origin TEXT NOT NULL,
  PRIMARY KEY (client_id, origin)
);
CREATE INDEX client_origins_origin_idx ON client_origins (origin);
`,
    // Clients registered before: a public client's redirect URIs count by default.
    backfill: async (tx) => {
      const rows = await tx.all<ClientOriginsRow>('SELECT id, is_public, redirect_uris FROM clients');
      for (const row of rows) {
        const origins = clientOrigins({
          isPublic: Boolean(row.is_public),
          redirectUris: JSON.parse(row.redirect_uris) as string[],
        });
        for (const origin of origins)
          await tx.run('INSERT INTO client_origins (client_id, origin) VALUES (?, ?)', [row.id, origin]);
      }
    },
  },
];
