#!/usr/bin/env node
// How much the database grows when strangers fail to authenticate as a client, over and over:
// N failed client authentications (HTTP Basic, the right client id with a wrong secret, or
// made-up client ids) from A addresses, sent to a real `gatehouse serve` on SQLite. The
// addresses come in X-Forwarded-For (the server trusts 127.0.0.1 as its proxy), taken in turn.
// The server is stopped gracefully (its audit log written), then the tables are measured with
// SQLite's dbstat: the audit log (audit_events and its indexes), the failure counters
// (throttles) and the whole file after a checkpoint.
//
//   npm run build && node bench/audit-growth.mjs
//
//   AUDIT_BENCH_REQUESTS     100000   failed client authentications
//   AUDIT_BENCH_ADDRESSES    1000     distinct client addresses (IPv4, 10.x.y.z)
//   AUDIT_BENCH_CONNECTIONS  32       requests in flight at once
//   AUDIT_BENCH_CLIENT       known    known: the registered client's id, wrong secret; unknown: a new made-up id per request
//   AUDIT_BENCH_CORE         1        taskset core of the server
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  basicAuthorization,
  checkBuild,
  createClient,
  makeTempDir,
  sqliteDatabase,
  startGatehouse,
} from './lib/gatehouse.mjs';
import { installSignalHandlers, runScript } from './lib/proc.mjs';

const log = (line) => process.stderr.write(`${line}\n`);
const intSetting = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive whole number`);
  return value;
};
const MB = 1024 * 1024;

/** Bytes and rows of the audit log, the failure counters and the whole database file. */
function measure(path) {
  const db = new Database(path);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    const bytes = (names) =>
      db
        .prepare(`SELECT COALESCE(SUM(pgsize), 0) AS n FROM dbstat WHERE name IN (${names.map(() => '?').join(', ')})`)
        .get(...names).n;
    const indexes = (table) =>
      db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?")
        .all(table)
        .map((row) => row.name);
    const audit = db.prepare('SELECT COUNT(*) AS rows, COALESCE(SUM(count), 0) AS events FROM audit_events').get();
    return {
      auditBytes: bytes(['audit_events', ...indexes('audit_events')]),
      auditRows: audit.rows,
      auditEvents: audit.events,
      throttleBytes: bytes(['throttles', ...indexes('throttles')]),
      throttleRows: db.prepare('SELECT COUNT(*) AS n FROM throttles').get().n,
      fileBytes: statSync(path).size,
    };
  } finally {
    db.close();
  }
}

async function main() {
  installSignalHandlers();
  const requests = intSetting('AUDIT_BENCH_REQUESTS', 100_000);
  const addresses = intSetting('AUDIT_BENCH_ADDRESSES', 1000);
  const connections = intSetting('AUDIT_BENCH_CONNECTIONS', 32);
  const clientMode = process.env.AUDIT_BENCH_CLIENT ?? 'known';
  if (!['known', 'unknown'].includes(clientMode)) throw new Error('AUDIT_BENCH_CLIENT must be known or unknown');
  const stale = checkBuild();
  if (stale.length) log(`warning: sources newer than dist/ (run npm run build): ${stale.slice(0, 5).join(', ')}`);

  const dir = makeTempDir();
  const database = sqliteDatabase(dir, 'audit-growth');
  const path = join(dir, 'audit-growth.db');
  const client = await createClient(database, { grantTypes: ['client_credentials'] });
  const before = measure(path);

  const server = await startGatehouse({
    database,
    core: intSetting('AUDIT_BENCH_CORE', 1),
    logLevel: 'warn',
    logDir: dir,
    label: 'audit-growth',
    settings: { GATEHOUSE_TRUSTED_PROXIES: '127.0.0.1' },
  });
  const address = (i) => {
    const n = i % addresses;
    return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  };
  const body = new URLSearchParams({ grant_type: 'client_credentials' }).toString();
  const statuses = new Map();
  let next = 0;
  const started = Date.now();
  const worker = async () => {
    while (next < requests) {
      const i = next++;
      const id = clientMode === 'known' ? client.id : `made-up-${randomBytes(6).toString('hex')}`;
      const response = await fetch(`${server.url}/oauth/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basicAuthorization(id, `wrong-${i}`),
          'x-forwarded-for': address(i),
        },
        body,
      });
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (i > 0 && i % 10_000 === 0) log(`  ${i} requests, ${Math.round(i / ((Date.now() - started) / 1000))}/s`);
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const seconds = (Date.now() - started) / 1000;
  // Failures from more sources per window than audit.failure_rows are dropped and counted here.
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  const droppedEvents = Number(
    /^gatehouse_audit_events_dropped_total\{reason="cap"\} (\d+)/m.exec(metrics)?.[1] ?? NaN,
  );
  await server.stop(15_000);
  const after = measure(path);

  const growth = (key) => after[key] - before[key];
  const result = {
    requests,
    addresses,
    client: clientMode,
    seconds: Math.round(seconds * 10) / 10,
    statuses: Object.fromEntries(statuses),
    audit: {
      rows: growth('auditRows'),
      events: growth('auditEvents'),
      dropped: droppedEvents,
      mb: growth('auditBytes') / MB,
    },
    throttles: { rows: growth('throttleRows'), mb: growth('throttleBytes') / MB },
    databaseFileMb: growth('fileBytes') / MB,
  };
  log('');
  log(
    `${requests} failed client authentications (${clientMode} client) from ${addresses} addresses in ${result.seconds} s; answers ${JSON.stringify(result.statuses)}`,
  );
  log(
    `  audit log:        +${result.audit.rows} rows for ${result.audit.events} events (${droppedEvents} more dropped past audit.failure_rows), +${result.audit.mb.toFixed(3)} MB (audit_events and its indexes)`,
  );
  log(
    `  failure counters: +${result.throttles.rows} rows, +${result.throttles.mb.toFixed(3)} MB (throttles and its indexes)`,
  );
  log(`  database file:    +${result.databaseFileMb.toFixed(3)} MB (after a checkpoint)`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await runScript('audit-growth', main);
