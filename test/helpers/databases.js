/**
 * Test databases for both engines.
 *
 * - SQLite: a fresh file in a new temporary directory, removed on clean-up.
 * - PostgreSQL: a fresh `gatehouse_test_<hex>` database created through the admin URL
 *   (`GATEHOUSE_TEST_PG_URL`, default postgres://postgres@127.0.0.1:5432/postgres) and dropped
 *   WITH (FORCE) on clean-up.
 *
 * PostgreSQL reachability is probed once when this module loads. With CI=true an unreachable
 * server fails every PostgreSQL suite loudly; elsewhere those suites are skipped with a warning.
 *
 * Suites that must hold for both engines are registered with `describeEachEngine`, which runs
 * the same body once per engine and hands it an `EngineFactory`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { beforeAll, describe } from 'vitest';
import { openStore } from '../../src/storage/open.js';
/** The admin database used to create and drop the per-test databases. */
export const postgresAdminUrl = process.env.GATEHOUSE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** In CI the PostgreSQL suites must run: an unreachable server is a failure, not a skip. */
export const requirePostgres = process.env.CI === 'true';
/** `host:port` of the admin URL, for messages (never the password). */
function postgresAddress() {
    try {
        const url = new URL(postgresAdminUrl);
        return `${url.hostname}:${url.port || '5432'}`;
    }
    catch {
        return '(unparsable GATEHOUSE_TEST_PG_URL)';
    }
}
function describeError(error) {
    if (error instanceof AggregateError && error.errors.length > 0) {
        return error.errors.map(describeError).join('; ');
    }
    if (error instanceof Error) {
        const code = error.code;
        return error.message || code || error.name;
    }
    return String(error);
}
function unreachableError(cause) {
    const base = `PostgreSQL at ${postgresAddress()} is unreachable`;
    const hint = 'Start PostgreSQL (user postgres, trust auth) or point GATEHOUSE_TEST_PG_URL at an admin database.';
    return new Error(`${requirePostgres ? `${base} and CI=true` : base}: ${describeError(cause)}. ${hint}`, { cause });
}
async function adminClient() {
    const client = new pg.Client({ connectionString: postgresAdminUrl, connectionTimeoutMillis: 3000 });
    // A server going away while the client idles must not crash the test process.
    client.on('error', () => { });
    try {
        await client.connect();
    }
    catch (error) {
        await client.end().catch(() => { });
        throw unreachableError(error);
    }
    return client;
}
let probe;
/** Null when PostgreSQL answers, else the (clear) reason it does not. Probed once. */
function probePostgres() {
    probe ??= (async () => {
        try {
            const client = await adminClient();
            try {
                await client.query('SELECT 1');
            }
            finally {
                await client.end().catch(() => { });
            }
            return null;
        }
        catch (error) {
            return error instanceof Error && error.message.startsWith('PostgreSQL at') ? error : unreachableError(error);
        }
    })();
    return probe;
}
export async function postgresAvailable() {
    return (await probePostgres()) === null;
}
/** Throws the clear "unreachable" error when PostgreSQL does not answer. */
export async function assertPostgresAvailable() {
    const problem = await probePostgres();
    if (problem)
        throw problem;
}
// Decided at load time so `describe.skipIf` can use it while tests are collected.
const postgresProblem = await probePostgres();
/** True when the PostgreSQL suites are skipped (unreachable outside CI). */
export const skipPostgres = postgresProblem !== null && !requirePostgres;
if (postgresProblem && !requirePostgres) {
    console.warn(`[gatehouse tests] skipping PostgreSQL suites: ${postgresProblem.message} (set CI=true to make this a failure)`);
}
function trackStores(engine, location, remove) {
    const opened = [];
    let cleaned;
    return {
        engine,
        location,
        open(options) {
            if (cleaned)
                throw new Error('test database already cleaned up');
            const store = openStore(location, options);
            opened.push(store);
            return store;
        },
        cleanup() {
            cleaned ??= (async () => {
                const closed = await Promise.allSettled(opened.map((store) => store.close()));
                await remove();
                const failed = closed.find((result) => result.status === 'rejected');
                if (failed)
                    throw failed.reason;
            })();
            return cleaned;
        },
    };
}
export async function createSqliteDatabase() {
    const dir = await mkdtemp(join(tmpdir(), 'gatehouse-test-'));
    return trackStores('sqlite', { engine: 'sqlite', path: join(dir, 'gatehouse.db') }, () => rm(dir, { recursive: true, force: true }));
}
async function migrated(database) {
    try {
        const store = database.open();
        await store.migrate();
        return { store, cleanup: () => database.cleanup() };
    }
    catch (error) {
        await database.cleanup().catch(() => { });
        throw error;
    }
}
export async function createSqliteStore() {
    return migrated(await createSqliteDatabase());
}
// --- PostgreSQL ----------------------------------------------------------------
/** Creates an empty `gatehouse_test_<hex>` database; `drop()` removes it even with open connections. */
export async function createPostgresDatabase() {
    const name = `gatehouse_test_${randomBytes(8).toString('hex')}`;
    const admin = await adminClient();
    try {
        await admin.query(`CREATE DATABASE ${name}`);
    }
    finally {
        await admin.end().catch(() => { });
    }
    const url = new URL(postgresAdminUrl);
    url.pathname = `/${name}`;
    let dropped;
    return {
        url: url.toString(),
        drop() {
            dropped ??= (async () => {
                const client = await adminClient();
                try {
                    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
                }
                finally {
                    await client.end().catch(() => { });
                }
            })();
            return dropped;
        },
    };
}
export async function createPostgresTestDatabase() {
    const { url, drop } = await createPostgresDatabase();
    return trackStores('postgres', { engine: 'postgres', url }, drop);
}
export async function createPostgresStore() {
    return migrated(await createPostgresTestDatabase());
}
export const engines = {
    sqlite: { engine: 'sqlite', createStore: createSqliteStore, createDatabase: createSqliteDatabase },
    postgres: { engine: 'postgres', createStore: createPostgresStore, createDatabase: createPostgresTestDatabase },
};
/**
 * Registers `fn` as one suite per engine, titled `name [sqlite]` / `name [postgres]`.
 * The PostgreSQL suite is skipped when the server is unreachable outside CI; in CI it runs and
 * fails in its first hook with the reason.
 */
export function describeEachEngine(name, fn) {
    for (const factory of Object.values(engines)) {
        const skipped = factory.engine === 'postgres' && skipPostgres;
        describe.skipIf(skipped)(`${name} [${factory.engine}]`, () => {
            if (factory.engine === 'postgres')
                beforeAll(assertPostgresAvailable);
            fn(factory);
        });
    }
}
//# sourceMappingURL=databases.js.map