import { type DatabaseLocation } from '../../src/storage/open.js';
import type { SqlStore } from '../../src/storage/sql-store.js';
export type Engine = 'sqlite' | 'postgres';
/** The admin database used to create and drop the per-test databases. */
export declare const postgresAdminUrl: string;
/** In CI the PostgreSQL suites must run: an unreachable server is a failure, not a skip. */
export declare const requirePostgres: boolean;
export declare function postgresAvailable(): Promise<boolean>;
/** Throws the clear "unreachable" error when PostgreSQL does not answer. */
export declare function assertPostgresAvailable(): Promise<void>;
/** True when the PostgreSQL suites are skipped (unreachable outside CI). */
export declare const skipPostgres: boolean;
export interface TestStore {
    /** A fresh, migrated store. */
    store: SqlStore;
    /** Closes the store (and any other instance opened on the database) and removes the database. */
    cleanup(): Promise<void>;
}
/** A fresh database that tests can open several store instances on (own connection or pool each). */
export interface TestDatabase {
    engine: Engine;
    location: DatabaseLocation;
    /** Opens another, unmigrated store instance on this database; clean-up closes it. */
    open(options?: {
        poolSize?: number;
    }): SqlStore;
    /** Closes every instance opened here, then removes the database. Safe to call twice. */
    cleanup(): Promise<void>;
}
export declare function createSqliteDatabase(): Promise<TestDatabase>;
export declare function createSqliteStore(): Promise<TestStore>;
/** Creates an empty `gatehouse_test_<hex>` database; `drop()` removes it even with open connections. */
export declare function createPostgresDatabase(): Promise<{
    url: string;
    drop(): Promise<void>;
}>;
export declare function createPostgresTestDatabase(): Promise<TestDatabase>;
export declare function createPostgresStore(): Promise<TestStore>;
export interface EngineFactory {
    readonly engine: Engine;
    /** A fresh, migrated store on its own database. */
    createStore(): Promise<TestStore>;
    /** A fresh, empty (unmigrated) database to open store instances on. */
    createDatabase(): Promise<TestDatabase>;
}
export declare const engines: Readonly<Record<Engine, EngineFactory>>;
/**
 * Registers `fn` as one suite per engine, titled `name [sqlite]` / `name [postgres]`.
 * The PostgreSQL suite is skipped when the server is unreachable outside CI; in CI it runs and
 * fails in its first hook with the reason.
 */
export declare function describeEachEngine(name: string, fn: (factory: EngineFactory) => void): void;
