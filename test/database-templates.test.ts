import { describe, expect, it } from 'vitest';
import {
  isRemovableRun,
  newRunId,
  postgresTemplateName,
  postgresTestDatabaseName,
  runOfDatabase,
  runOfSqliteDirectory,
  runStartedAt,
  sqliteRunDirectoryName,
  STALE_RUN_AGE_MS,
} from './helpers/database-templates.js';

// The global teardown drops databases by these names: it must recognise its own and never another's.
describe('test run names', () => {
  const now = Date.UTC(2026, 11, 6, 22, 0, 0);
  const run = newRunId(now);

  it('a run id carries its start time, to the second', () => {
    expect(run).toMatch(/^[0-9a-z]{7}[0-9a-f]{6}$/);
    expect(runStartedAt(run)).toBe(now);
    expect(newRunId(now)).not.toBe(run);
  });

  it('the databases and the directory of a run are known by name as that run', () => {
    expect(runOfDatabase(postgresTemplateName(run))).toBe(run);
    expect(runOfDatabase(postgresTestDatabaseName(run))).toBe(run);
    expect(postgresTestDatabaseName(run)).not.toBe(postgresTestDatabaseName(run));
    expect(postgresTestDatabaseName(run).length).toBeLessThanOrEqual(63);
    expect(runOfSqliteDirectory(sqliteRunDirectoryName(run))).toBe(run);
  });

  it('names of an older helper or of anything else belong to no run', () => {
    for (const name of ['gatehouse_test_26aa2197a9ddad27', 'gatehouse', 'postgres', 'gatehouse_test_', 'template1']) {
      expect(runOfDatabase(name)).toBeNull();
    }
    expect(runOfSqliteDirectory('gatehouse-test-abc123')).toBeNull();
  });

  it("removes this run's leftovers and those of runs started over a day ago, never a recent run's", () => {
    const later = now + 60_000;
    expect(isRemovableRun(run, run, later)).toBe(true);
    expect(isRemovableRun(newRunId(now - 60_000), run, later)).toBe(false);
    expect(isRemovableRun(newRunId(now - STALE_RUN_AGE_MS), run, later)).toBe(true);
    expect(isRemovableRun('not-a-run', run, later)).toBe(false);
  });
});
