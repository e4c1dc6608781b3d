#!/usr/bin/env node
// How much an unauthenticated flood makes the database grow: 100,000 failed client
// authentications at the token endpoint from 1,000 addresses, on SQLite, through the core token
// endpoint (no HTTP: the database is what is measured). Simulated over 1,000 seconds of a
// manual clock (100 requests a second), so blocks start and end as in a real flood.
//
//   npm run build && node bench/throttle-growth.mjs
//
// Three floods, each on a fresh database: made-up client ids (the worst case for rows), the
// right client id with wrong secrets, and made-up ids again with the audit log on. Prints the
// rows per table and the growth of the database (pages in use, after a checkpoint) in MB.
// GROWTH_REQUESTS / GROWTH_ADDRESSES change the size; GATEHOUSE_DIST another build (a tree's dist/).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = resolve(process.env.GATEHOUSE_DIST ?? fileURLToPath(new URL('../dist', import.meta.url)));
const { validateConfig } = await import(`${dist}/config/load.js`);
const { composeServices } = await import(`${dist}/start.js`);
const { openStore } = await import(`${dist}/storage/open.js`);
const { ManualClock } = await import(`${dist}/core/clock.js`);
const { ClientRegistry } = await import(`${dist}/core/clients.js`);

const REQUESTS = Number(process.env.GROWTH_REQUESTS ?? 100_000);
const ADDRESSES = Number(process.env.GROWTH_ADDRESSES ?? 1_000);
const PER_SECOND = 100;

async function bytesInUse(store) {
  await store.driver.get('SELECT * FROM pragma_wal_checkpoint(TRUNCATE)').catch(() => {});
  const pages = await store.driver.get(
    'SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()',
  );
  const free = await store.driver.get(
    'SELECT freelist_count * page_size AS bytes FROM pragma_freelist_count(), pragma_page_size()',
  );
  return Number(pages.bytes) - Number(free.bytes);
}

async function rowsOf(store, table) {
  try {
    return Number((await store.driver.get(`SELECT COUNT(*) AS n FROM ${table}`)).n);
  } catch {
    return null;
  }
}

async function flood(label, { knownClient, auditLog }) {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-growth-'));
  const store = openStore({ engine: 'sqlite', path: join(dir, 'gatehouse.db') });
  try {
    await store.migrate();
    const clock = new ManualClock(1_800_000_000);
    const config = validateConfig({ issuer: 'https://auth.example' });
    const gatehouse = composeServices({ config, store, clock, auditLog });
    const client = (await new ClientRegistry(store, clock).create({ name: 'App', grantTypes: ['client_credentials'] }))
      .client;
    const before = await bytesInUse(store);
    const started = performance.now();
    const answers = new Map();
    for (let i = 0; i < REQUESTS; i++) {
      if (i > 0 && i % PER_SECOND === 0) clock.advance(1);
      const address = `10.${((i % ADDRESSES) >> 16) & 255}.${((i % ADDRESSES) >> 8) & 255}.${(i % ADDRESSES) & 255}`;
      const clientId = knownClient ? client.id : randomBytes(12).toString('base64url');
      const params = new Map([
        ['grant_type', 'client_credentials'],
        ['client_id', clientId],
        ['client_secret', 'wrong secret'],
      ]);
      try {
        await gatehouse.tokenEndpoint.handle({ params, clientIp: address });
        answers.set('issued', (answers.get('issued') ?? 0) + 1);
      } catch (error) {
        const kind = error.headers?.['retry-after'] ? `${error.code} (wait)` : error.code;
        answers.set(kind, (answers.get(kind) ?? 0) + 1);
      }
    }
    await gatehouse.close();
    const seconds = (performance.now() - started) / 1000;
    const growth = (await bytesInUse(store)) - before;
    const rows = { throttles: await rowsOf(store, 'throttles'), audit_events: await rowsOf(store, 'audit_events') };
    console.log(
      `${label}: ${REQUESTS.toLocaleString('en')} failed client authentications from ${ADDRESSES.toLocaleString('en')} addresses → ` +
        `${(growth / 1024 / 1024).toFixed(2)} MB growth; rows ${JSON.stringify(rows)}; answers ${JSON.stringify(Object.fromEntries(answers))}; ${seconds.toFixed(1)} s`,
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await flood('made-up client ids, audit log off', { knownClient: false, auditLog: false });
await flood('the right client id, wrong secrets, audit log off', { knownClient: true, auditLog: false });
await flood('made-up client ids, audit log on', { knownClient: false, auditLog: true });
