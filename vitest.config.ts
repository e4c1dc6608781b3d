import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';
import { testProjects } from './test/projects.js';

// vitest's default is one worker fewer than the cores: a single worker on a 2-core machine. Most
// integration time is spent waiting on PostgreSQL, Chromium and child processes, so every core gets one.
const workers = Math.max(availableParallelism(), 2);

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: workers,
    projects: testProjects.map(({ name, include, exclude }) => ({
      extends: true,
      test: {
        name,
        include: [...include],
        exclude: [...configDefaults.exclude, ...exclude],
        // forks: process-wide state (the password queue, prom-client's registry, signal handlers,
        // the spawned-server reaper) stays per file, and better-sqlite3 stays in a main thread.
        pool: 'forks',
        // One migrated template per run (PostgreSQL database, SQLite file) and one Chromium per worker.
        globalSetup: name === 'unit' ? [] : ['test/global-setup.ts'],
      },
    })),
  },
});
